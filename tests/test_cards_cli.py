"""The operator's commands for information cards and other help (as tests/test_cli.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.test_cli import lykt


def test_the_operator_adds_lists_and_removes_cards(tmp_path: Path) -> None:
    data = tmp_path / "data"
    listed = lykt(data, "cards", "list")
    assert listed.returncode == 0, listed.stderr
    assert "visiting-prison\tnb\t5-12\tÅ besøke noen i fengsel" in listed.stdout.splitlines()
    assert len(listed.stdout.splitlines()) == 12  # the starter cards, nb and en

    body = tmp_path / "skole.md"
    body.write_text("Læreren din kan hjelpe.\n\n- Si fra\n- **Du er ikke alene**\n", "utf-8")
    added = lykt(data, "cards", "add", "--slug", "school", "--lang", "nb", "--ages", "6-9",
                 "--title", "Skolen", "--body-file", str(body))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added card school (nb, ages 6-9)" in added.stdout
    assert "school\tnb\t6-9\tSkolen" in lykt(data, "cards", "list").stdout.splitlines()
    with sqlite3.connect(data / "lykt.db") as db:
        stored = db.execute("select body from info_cards where slug = 'school'").fetchone()
    assert stored == ("Læreren din kan hjelpe.\n\n- Si fra\n- **Du er ikke alene**",)

    twice = lykt(data, "cards", "add", "--slug", "school", "--lang", "nb", "--ages", "6-9",
                 "--title", "Skolen", "--body-file", str(body))  # fmt: skip
    assert twice.returncode == 2 and "already" in twice.stderr
    removed = lykt(data, "cards", "remove", "--slug", "school", "--lang", "nb")
    assert removed.returncode == 0 and "removed card school (nb)" in removed.stdout
    again = lykt(data, "cards", "remove", "--slug", "school", "--lang", "nb")
    assert again.returncode == 2 and "no such card" in again.stderr


def test_cards_add_refuses_bad_ages_a_bad_slug_and_a_long_body(tmp_path: Path) -> None:
    data = tmp_path / "data"
    body = tmp_path / "kort.md"
    body.write_text("Hei", "utf-8")
    long_body = tmp_path / "lang.md"
    long_body.write_text("x" * 2001, "utf-8")
    base = ("cards", "add", "--lang", "nb", "--title", "T")
    ages = lykt(data, *base, "--slug", "ok", "--ages", "12-5", "--body-file", str(body))
    assert ages.returncode == 2 and "ages" in ages.stderr
    slug = lykt(data, *base, "--slug", "Ikke OK", "--ages", "5-12", "--body-file", str(body))
    assert slug.returncode == 2 and "slug" in slug.stderr
    long = lykt(data, *base, "--slug", "ok", "--ages", "5-12", "--body-file", str(long_body))
    assert long.returncode == 2 and "body must be 1 to 2000" in long.stderr
    for result in (ages, slug, long):
        assert "Traceback" not in result.stderr
    assert len(lykt(data, "cards", "list").stdout.splitlines()) == 12


def test_the_operator_sets_shows_and_resets_the_help_lines(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shown = lykt(data, "help-lines", "show")
    assert shown.returncode == 0, shown.stderr
    assert "helpline must confirm" in shown.stdout
    defaults = json.loads(shown.stdout.split("\n", 1)[1])
    assert [h["href"] for h in defaults["nb"]] == ["tel:116111", "tel:112", "tel:113"]

    mine = {"nb": [{"name": "Kirkens SOS", "contact": "22 40 00 40",
                    "href": "tel:+4722400040", "hours": "Hele døgnet"}]}  # fmt: skip
    document = tmp_path / "hjelp.json"
    document.write_text(json.dumps(mine), "utf-8")
    set_ = lykt(data, "help-lines", "set", "--file", str(document))
    assert set_.returncode == 0, set_.stderr
    assert json.loads(lykt(data, "help-lines", "show").stdout) == mine

    bad = tmp_path / "feil.json"
    bad.write_text(json.dumps({"nb": [{**mine["nb"][0], "href": "http://x.no"}]}), "utf-8")
    refused = lykt(data, "help-lines", "set", "--file", str(bad))
    assert refused.returncode == 2 and "https://" in refused.stderr
    not_json = lykt(data, "help-lines", "set", "--file", "-", stdin="{nb:")
    assert not_json.returncode == 2 and "not JSON" in not_json.stderr
    assert json.loads(lykt(data, "help-lines", "show").stdout) == mine  # unchanged

    reset = lykt(data, "help-lines", "reset")
    assert reset.returncode == 0 and "built-in" in reset.stdout
    assert "helpline must confirm" in lykt(data, "help-lines", "show").stdout

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import PASSWORD


def lykt(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lykt", *args],
        env={"LYKT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_db_upgrade_creates_the_database_in_a_fresh_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    result = lykt(data, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(data / "lykt.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        journal = db.execute("pragma journal_mode").fetchone()[0]
    assert {"conversations", "messages", "staff", "staff_sessions"} <= tables
    assert journal == "wal"
    assert lykt(data, "db", "upgrade").returncode == 0  # twice is fine


def test_staff_add_on_a_fresh_directory_stores_only_an_argon2id_hash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = lykt(
        data,
        "staff",
        "add",
        "--email",
        "Kari@Example.org",
        "--name",
        "Kari",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Kari" in result.stdout
    with sqlite3.connect(data / "lykt.db") as db:
        email, role, password_hash = db.execute(
            "select email, role, password_hash from staff"
        ).fetchone()
    assert (email, role) == ("kari@example.org", "supervisor")
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash


def test_staff_add_refuses_a_duplicate_and_a_short_password_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = (
        "staff",
        "add",
        "--email",
        "a@b.no",
        "--name",
        "A",
        "--role",
        "host",
        "--password-stdin",
    )
    assert lykt(data, *args, stdin=PASSWORD).returncode == 0
    again = lykt(data, *args, stdin=PASSWORD)
    assert again.returncode == 2
    assert "exists already" in again.stderr
    assert "Traceback" not in again.stderr
    short = lykt(
        data,
        "staff",
        "add",
        "--email",
        "c@d.no",
        "--name",
        "C",
        "--role",
        "host",
        "--password-stdin",
        stdin="short",
    )
    assert short.returncode == 2
    assert "at least" in short.stderr
    bad_role = lykt(
        data,
        "staff",
        "add",
        "--email",
        "e@f.no",
        "--name",
        "E",
        "--role",
        "boss",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert bad_role.returncode == 2
    assert "invalid choice" in bad_role.stderr


def test_hours_are_changed_and_shown_with_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shown = lykt(data, "hours", "show")
    assert shown.returncode == 0, shown.stderr
    assert "weekly: wed 15:00-22:00, fri 15:00-22:00" in shown.stdout
    assert "closed on Norwegian public holidays: on" in shown.stdout

    changed = lykt(data, "hours", "weekly", "mon 09:00-11:30, thu 18:00-24:00")
    assert changed.returncode == 0, changed.stderr
    assert "weekly: mon 09:00-11:30, thu 18:00-24:00" in changed.stdout
    assert lykt(data, "hours", "close", "2030-01-07", "--note", "planleggingsdag").returncode == 0
    extra = lykt(data, "hours", "open", "2030-01-08", "12:00-14:00", "--note", "ekstra")
    assert extra.returncode == 0, extra.stderr
    shown = lykt(data, "hours", "show").stdout
    assert "closed: 2030-01-07 planleggingsdag" in shown
    assert "extra opening: 2030-01-08 12:00-14:00 ekstra" in shown
    removed = lykt(data, "hours", "remove", "2030-01-07")
    assert "removed 1 exception(s)" in removed.stdout
    assert "2030-01-07" not in lykt(data, "hours", "show").stdout

    bad = lykt(data, "hours", "weekly", "wed 15-22")
    assert bad.returncode == 2 and "expected e.g. 'wed 15:00-22:00'" in bad.stderr
    bad = lykt(data, "hours", "timezone", "Mars/Olympus")
    assert bad.returncode == 2 and "unknown timezone" in bad.stderr


def test_a_host_chooses_to_be_shown_with_a_few_lines_and_a_small_photo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = lykt(
        data, "staff", "add", "--email", "kari@example.org", "--name", "Kari", "--role", "host",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    photo = tmp_path / "kari.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = lykt(
        data, "staff", "profile", "--email", "kari@example.org", "--show",
        "--bio", "Jeg liker fotball og har jobbet med barn i ti år.", "--photo", str(photo),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Kari is shown on the 'who answers' page" in result.stdout
    assert "shown on the public page" in lykt(data, "staff", "list").stdout

    too_big = tmp_path / "big.jpg"
    too_big.write_bytes(b"\xff\xd8\xff" + bytes(30 * 1024))
    refused = lykt(data, "staff", "profile", "--email", "kari@example.org", "--photo", str(too_big))
    assert refused.returncode == 2 and "crop and compress" in refused.stderr
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hei")
    refused = lykt(
        data, "staff", "profile", "--email", "kari@example.org", "--photo", str(not_image)
    )
    assert refused.returncode == 2 and "JPEG, PNG or WebP" in refused.stderr

    hidden = lykt(data, "staff", "profile", "--email", "kari@example.org", "--hide")
    assert "Kari is not shown" in hidden.stdout
    unknown = lykt(data, "staff", "profile", "--email", "nobody@example.org", "--show")
    assert unknown.returncode == 2 and "no staff member" in unknown.stderr


def test_purge_and_stats_from_the_cli(tmp_path: Path) -> None:
    import asyncio

    from lykt.actions.context import Context, Rules
    from lykt.actions.conversations import end_conversation, open_conversation
    from lykt.bus import InMemoryBus
    from lykt.clock import ManualClock
    from lykt.db import Database
    from tests.databases import sqlite_url

    data = tmp_path / "data"
    ended_at = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)

    async def one_chat() -> None:
        db = Database(sqlite_url(data))
        await db.migrate()
        clock = ManualClock(ended_at)
        ctx = Context(db=db, bus=InMemoryBus(), clock=clock, rules=Rules(always_open=True))
        conversation, _ = await open_conversation(ctx, 17, "friend")
        await end_conversation(ctx, conversation.id, by="visitor")
        await db.dispose()

    asyncio.run(one_chat())
    early = lykt(data, "purge", "--as-of", "2026-12-05T15:29:00+00:00")
    assert early.returncode == 0, early.stderr
    assert "deleted 0 conversation(s)" in early.stdout
    late = lykt(data, "purge", "--as-of", "2026-12-05T15:31:00+00:00")
    assert "deleted 1 conversation(s), 0 message(s)" in late.stdout
    naive = lykt(data, "purge", "--as-of", "2026-12-05T15:31:00")
    assert naive.returncode == 2 and "offset" in naive.stderr
    stats = lykt(data, "stats").stdout.splitlines()
    assert "2026-W49\tage_group\t16-18\t<5" in stats
    assert "2026-W49\toutcome\tleft_queue\t<5" in stats
    assert all(line.endswith("\t<5") for line in stats)  # small cells never show a number


def test_the_operator_adds_lists_and_removes_shared_canned_replies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert lykt(data, "canned", "list").stdout == "no shared replies\n"
    text = tmp_path / "velkommen.txt"
    text.write_text("Hei, og velkommen til Lykt.\nHva vil du snakke om i dag?\n", "utf-8")
    added = lykt(data, "canned", "add", "--title", "Velkommen", "--lang", "nb",
                 "--text-file", str(text))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added shared reply 1: Velkommen (nb)" in added.stdout
    from_stdin = lykt(data, "canned", "add", "--title", "Goodbye", "--lang", "en",
                      "--text-file", "-", stdin="Thank you for writing.")  # fmt: skip
    assert from_stdin.returncode == 0, from_stdin.stderr
    listed = lykt(data, "canned", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "2\ten\tGoodbye\tThank you for writing.",
        "1\tnb\tVelkommen\tHei, og velkommen til Lykt.",
    ]
    with sqlite3.connect(data / "lykt.db") as db:
        stored = db.execute("select owner_id, text from canned_replies where id = 1").fetchone()
    assert stored == (None, "Hei, og velkommen til Lykt.\nHva vil du snakke om i dag?")

    removed = lykt(data, "canned", "remove", "1")
    assert removed.returncode == 0, removed.stderr
    assert "removed shared reply 1" in removed.stdout
    assert [line.split("\t")[2] for line in lykt(data, "canned", "list").stdout.splitlines()] == [
        "Goodbye"
    ]
    again = lykt(data, "canned", "remove", "1")
    assert again.returncode == 2 and "no such canned reply" in again.stderr


def test_canned_add_refuses_a_bad_language_an_empty_text_and_a_missing_file(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    text = tmp_path / "tekst.txt"
    text.write_text("Hei", "utf-8")
    empty = tmp_path / "tom.txt"
    empty.write_text("  \n", "utf-8")
    base = ("canned", "add", "--title", "Velkommen")
    german = lykt(data, *base, "--lang", "de", "--text-file", str(text))
    assert german.returncode == 2 and "invalid choice" in german.stderr
    blank = lykt(data, *base, "--lang", "nb", "--text-file", str(empty))
    assert blank.returncode == 2 and "the text must be 1 to 2000 characters" in blank.stderr
    long_title = lykt(data, "canned", "add", "--title", "x" * 81, "--lang", "nb",
                      "--text-file", str(text))  # fmt: skip
    assert long_title.returncode == 2 and "title" in long_title.stderr
    missing = lykt(data, *base, "--lang", "nb", "--text-file", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    for result in (blank, long_title, missing):
        assert "Traceback" not in result.stderr
    assert lykt(data, "canned", "list").stdout == "no shared replies\n"


def test_wrapup_topics_are_added_listed_and_removed_with_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    defaults = lykt(data, "topics", "list")
    assert defaults.returncode == 0, defaults.stderr
    first, *rest = defaults.stdout.splitlines()
    assert rest, "a new database has a few helpful topics"

    added = lykt(data, "topics", "add", "Gaming")
    assert added.returncode == 0 and "added topic: Gaming" in added.stdout
    removed = lykt(data, "topics", "remove", first)
    assert removed.returncode == 0 and f"removed topic: {first}" in removed.stdout
    assert lykt(data, "topics", "list").stdout.splitlines() == [*rest, "Gaming"]

    twice = lykt(data, "topics", "add", "gaming")
    assert twice.returncode == 2 and "already" in twice.stderr
    missing = lykt(data, "topics", "remove", first)
    assert missing.returncode == 2 and "no topic" in missing.stderr
    too_long = lykt(data, "topics", "add", "x" * 61)
    assert too_long.returncode == 2 and "1 to 60 characters" in too_long.stderr
    assert lykt(data, "topics", "list").stdout.splitlines() == [*rest, "Gaming"]


def test_staff_max_sets_a_hosts_own_limit_and_their_console_is_told(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from lykt.app import create_app
    from tests.conftest import make_settings, receive_until, staff_socket, staff_token
    from tests.databases import sqlite_url

    data = tmp_path / "data"
    added = lykt(
        data, "staff", "add", "--email", "kari@example.org", "--name", "Kari", "--role", "host",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    changed = lykt(data, "staff", "max", "--email", "Kari@Example.org", "5")
    assert changed.returncode == 0, changed.stderr
    assert "Kari may hold 5 chat(s) at once" in changed.stdout
    with sqlite3.connect(data / "lykt.db") as db:
        assert db.execute("select max_chats from staff").fetchone() == (5,)

    for bad in ("0", "21"):
        refused = lykt(data, "staff", "max", "--email", "kari@example.org", bad)
        assert refused.returncode == 2 and "1 to 20" in refused.stderr
    unknown = lykt(data, "staff", "max", "--email", "nobody@example.org", "2")
    assert unknown.returncode == 2 and "no staff member" in unknown.stderr
    with sqlite3.connect(data / "lykt.db") as db:
        assert db.execute("select max_chats from staff").fetchone() == (5,)

    with TestClient(create_app(make_settings(tmp_path, sqlite_url(data)))) as client:
        token = staff_token(client, "kari@example.org")
        with staff_socket(client, token) as ws:
            assert receive_until(ws, "welcome")["max_chats"] == 5


def test_stats_shows_the_wrapup_topic_dimension(tmp_path: Path) -> None:
    import asyncio

    from lykt.db import Database
    from lykt.store import statistics as statistics_store
    from tests.databases import sqlite_url

    data = tmp_path / "data"

    async def count_topics() -> None:
        db = Database(sqlite_url(data))
        await db.migrate()
        async with db.session() as session, session.begin():
            for _ in range(6):
                await statistics_store.add(session, "2026-W49", [("topic", "Mobbing")])
            await statistics_store.add(session, "2026-W49", [("topic", "Familie")])
        await db.dispose()

    asyncio.run(count_topics())
    stats = lykt(data, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "2026-W49\ttopic\tMobbing\t6" in stats.stdout.splitlines()
    assert "2026-W49\ttopic\tFamilie\t<5" in stats.stdout.splitlines()

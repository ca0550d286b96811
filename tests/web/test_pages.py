"""The visitor's pages: both languages, no cookies, facts from the running configuration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from lykt.actions.profiles import set_profile
from lykt.app import create_app
from lykt.clock import ManualClock
from tests.conftest import add_staff, make_settings

OSLO = ZoneInfo("Europe/Oslo")
PAGES = ("/", "/hvem-svarer", "/personvern", "/avvergingsplikt")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
# Monday 5 January 2026, 09:00 in Oslo: closed; the default week opens Wednesday at 15:00.
MONDAY_MORNING = datetime(2026, 1, 5, 9, tzinfo=OSLO)
# Wednesday 7 January 2026, 16:00: open until 22:00.
WEDNESDAY_AFTERNOON = datetime(2026, 1, 7, 16, tzinfo=OSLO)


@pytest.fixture
def scheduled(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, ManualClock]]:
    clock = ManualClock(MONDAY_MORNING)
    settings = make_settings(tmp_path, database_url, opening_hours="schedule")
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client, clock


def html_lang(text: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', text)
    assert match, "no <html lang>"
    return match.group(1)


def text_of(html: str) -> str:
    """The page's words, without tags and with whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("query", "lang"), [("", "nb"), ("?lang=nb", "nb"), ("?lang=en", "en")])
def test_every_page_in_both_languages(client: TestClient, path: str, query: str, lang: str) -> None:
    response = client.get(path + query)
    assert response.status_code == 200
    assert html_lang(response.text) == lang
    assert "set-cookie" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text
    # Nothing from another origin; the one address elsewhere is where the quick exit goes
    # (a link the visitor follows, never loaded by the page itself), first on every page.
    quick_exit = re.search(r'<a id="quick-exit"[^>]*href="(https://[^"]+)"', html)
    assert quick_exit is not None and quick_exit.group(1) == "https://www.yr.no/"
    assert html.index('id="quick-exit"') < html.index('class="skip-link"')
    rest = html.replace(quick_exit.group(1), "")
    assert "http://" not in rest and "https://" not in rest
    # Landmarks, one h1, the footer links every page, in the same language.
    for tag in ("<header", "<main", "<footer", "<nav"):
        assert tag in html
    assert html.count("<h1") >= 1
    suffix = "?lang=en" if lang == "en" else ""
    for page in PAGES:
        assert f'href="{page}{suffix}"' in html
    # The switch leads to the same page in the other language, named in that language.
    if lang == "en":
        assert f'<a href="{path}" lang="nb" hreflang="nb">Norsk bokmål</a>' in html
    else:
        assert f'<a href="{path}?lang=en" lang="en" hreflang="en">English</a>' in html


def test_an_unknown_language_is_bokmal(client: TestClient) -> None:
    assert html_lang(client.get("/personvern?lang=xx").text) == "nb"


def test_the_pages_speak_the_language(client: TestClient) -> None:
    assert "Personvern og taushetsplikt" in client.get("/personvern").text
    assert "Privacy and confidentiality" in client.get("/personvern?lang=en").text
    assert "Avvergingsplikt og meldeplikt" in client.get("/avvergingsplikt").text
    assert "Hvem svarer" in client.get("/hvem-svarer").text
    start = client.get("/?lang=en").text
    assert "Start the chat" in start and "Start chatten" not in start


def test_the_script_strings_are_in_the_page_language(client: TestClient) -> None:
    for query, you in (("", '"you": "Du"'), ("?lang=en", '"you": "You"')):
        html = client.get("/" + query).text
        block = re.search(
            r'<script type="application/json" id="lykt-strings">(.*?)</script>', html, re.S
        )
        assert block and you in block.group(1)


def test_the_staff_console_stays_in_bokmal(client: TestClient) -> None:
    html = client.get("/staff?lang=en").text
    assert html_lang(html) == "nb"
    assert "Logg inn" in html


def test_privacy_shows_the_retention_hours_from_the_settings(
    tmp_path: Path, database_url: str
) -> None:
    for hours, nb, en in ((72, "72 timer", "72 hours"), (1, "1 time ", "1 hour ")):
        settings = make_settings(tmp_path, database_url, retention_hours=hours)
        with TestClient(create_app(settings)) as client:
            assert nb in text_of(client.get("/personvern").text)
            assert en in text_of(client.get("/personvern?lang=en").text)


def test_start_page_when_closed_says_when_we_open(
    scheduled: tuple[TestClient, ManualClock],
) -> None:
    client, _ = scheduled
    nb = text_of(client.get("/").text)
    assert "Chatten er åpen onsdager og fredager kl. 15–22." in nb
    assert "Chatten er stengt akkurat nå." in nb
    assert "Vi åpner igjen onsdag kl. 15." in nb
    en = text_of(client.get("/?lang=en").text)
    assert "The chat is open Wednesdays and Fridays from 3 PM to 10 PM." in en
    assert "We open again on Wednesday at 3 PM." in en
    # Closed: no start button.
    assert 'id="start-button"' not in client.get("/").text


def test_start_page_when_open(scheduled: tuple[TestClient, ManualClock]) -> None:
    client, clock = scheduled
    clock.advance(WEDNESDAY_AFTERNOON - MONDAY_MORNING)
    html = client.get("/").text
    assert 'id="start-button"' in html
    assert "Chatten er åpen nå, til kl. 22." in text_of(html)
    assert "The chat is open now, until 10 PM." in text_of(client.get("/?lang=en").text)


def test_the_opening_hours_come_from_the_schedule(
    scheduled: tuple[TestClient, ManualClock],
) -> None:
    from lykt.actions.hours import set_weekly

    client, _ = scheduled
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    client.portal.call(set_weekly, ctx, "mon 10:00-12:30, sat 12:00-16:00")  # type: ignore[union-attr]
    nb = text_of(client.get("/").text)
    assert "Chatten er åpen mandager kl. 10–12.30 og lørdager kl. 12–16." in nb
    assert "Vi åpner igjen i dag kl. 10." in nb


def test_status_words_the_next_opening_in_the_asked_language(
    scheduled: tuple[TestClient, ManualClock],
) -> None:
    client, _ = scheduled
    assert "next_opening_text" not in client.get("/api/status").json()
    body = client.get("/api/status?lang=en").json()
    assert body["next_opening_text"] == "We open again on Wednesday at 3 PM."
    assert body["next_opening"] == "2026-01-07T15:00:00+01:00"
    nb = client.get("/api/status?lang=nb").json()
    assert nb["next_opening_text"] == "Vi åpner igjen onsdag kl. 15."


def profile(client: TestClient, email: str, **changes: Any) -> None:
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    client.portal.call(lambda: set_profile(ctx, email, **changes))  # type: ignore[union-attr]


def test_who_answers_shows_only_the_hosts_who_chose_it(client: TestClient) -> None:
    empty = client.get("/hvem-svarer").text
    assert 'id="no-hosts"' in empty
    add_staff(client, "kari@example.org", "Kari")
    add_staff(client, "ola@example.org", "Ola Skjult")
    profile(client, "kari@example.org", show=True, bio="Jeg liker å gå tur.", photo=PNG)
    profile(client, "ola@example.org", bio="Vises ikke.", photo=PNG)
    html = client.get("/hvem-svarer").text
    assert "Kari" in html and "Jeg liker å gå tur." in html
    assert "Ola Skjult" not in html and "Vises ikke." not in html
    assert 'id="no-hosts"' not in html
    match = re.search(
        r'<img class="host-photo" src="(/hosts/(\d+)/photo)" alt="Bilde av Kari"', html
    )
    assert match
    assert 'loading="lazy"' in html and 'width="96" height="96"' in html
    photo = client.get(match.group(1))
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/png"
    assert photo.content == PNG
    assert "set-cookie" not in photo.headers
    # The hidden host's photo, and nobody's, are not found.
    hidden_id = int(match.group(2)) + 1
    assert client.get(f"/hosts/{hidden_id}/photo").status_code == 404
    assert client.get("/hosts/999/photo").status_code == 404
    assert 'alt="Photo of Kari"' in client.get("/hvem-svarer?lang=en").text


def test_pages_are_light(client: TestClient) -> None:
    """Everything a page loads, uncompressed, stays well under the 100 KB budget: under 80 KB,
    so there is room left (the chat page is about 69 KB with the waiting room, cards, other
    help and the connection messages)."""
    for path in PAGES:
        for query in ("", "?lang=en"):
            response = client.get(path + query, headers={"accept-encoding": "identity"})
            total = len(response.content)
            for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text):
                total += len(client.get(asset, headers={"accept-encoding": "identity"}).content)
            assert total < 80_000, (path, query, total)

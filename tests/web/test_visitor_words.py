"""Words that match the facts (issue 12, item 7): the pre-chat note and the duty page say the
same about when we must tell someone, and every page that speaks about addresses follows the
running configuration, with an escrow key and without."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lykt.app import create_app
from lykt.privacy.escrow import generate_key_file
from tests.conftest import make_settings
from tests.web.test_pages import text_of

LANGS = ("", "?lang=en")


@pytest.fixture(params=["escrow", "no-escrow"])
def running(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[tuple[TestClient, bool]]:
    escrow = request.param == "escrow"
    overrides = {}
    if escrow:
        _, public_key, _ = generate_key_file("a passphrase long enough")
        overrides["escrow_public_key"] = public_key
    settings = make_settings(tmp_path, database_url, **overrides)
    with TestClient(create_app(settings)) as client:
        yield client, escrow


def page_text(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return text_of(response.text)


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<p[^>]*id="{element_id}"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no #{element_id}"
    return text_of(match.group(1)).strip()


# What each claim sounds like, in each language.
POLICE_CAN_GET = {"nb": "politiet kan be", "en": "the police can ask"}
KEPT_LOCKED = {"nb": "låst", "en": "locked"}
NOT_KEPT = {"nb": "tar ikke vare på IP-adressen", "en": "do not keep your IP address"}
NOBODY_CAN = {"nb": "Ikke engang firmaet", "en": "Not even the company"}
DANGER = {
    "nb": ("drept", "skadet alvorlig", "alvorlig forbrytelse"),
    "en": ("killed", "badly hurt", "serious crime"),
}
NEGLECT = {"nb": ("barnevernet", "omsorgen"), "en": ("child welfare services", "care they need")}


@pytest.mark.parametrize("query", LANGS)
def test_addresses_follow_the_escrow_setting(running: tuple[TestClient, bool], query: str) -> None:
    client, escrow = running
    lang = "en" if query else "nb"
    duty_html = client.get("/avvergingsplikt" + query).text
    privacy_html = client.get("/personvern" + query).text
    duty, privacy = section(duty_html, "duty-address"), section(privacy_html, "escrow")
    if escrow:
        # Kept locked; the police may ask for it in a serious case. Both pages say so.
        assert POLICE_CAN_GET[lang] in duty
        assert KEPT_LOCKED[lang] in duty and KEPT_LOCKED[lang] in privacy
        assert NOT_KEPT[lang] not in text_of(duty_html) + text_of(privacy_html)
    else:
        # Not kept at all: no page may say the police can get it from anyone.
        assert NOT_KEPT[lang] in duty and NOT_KEPT[lang] in privacy
        for text in (text_of(duty_html), text_of(privacy_html), page_text(client, "/" + query)):
            assert POLICE_CAN_GET[lang] not in text
            assert KEPT_LOCKED[lang] not in text


@pytest.mark.parametrize("query", LANGS)
def test_the_prechat_note_and_the_duty_page_agree(
    running: tuple[TestClient, bool], query: str
) -> None:
    client, _ = running
    lang = "en" if query else "nb"
    visitor_html = client.get("/" + query).text
    note = re.search(r'<p class="note">(.*?)</p>', visitor_html, re.S)
    assert note
    note_text = text_of(note.group(1))
    duty = page_text(client, "/avvergingsplikt" + query)
    # The duty to avert: danger to life or health and serious crimes, on both.
    for words in DANGER[lang]:
        assert words in note_text, f"the pre-chat note does not say {words!r}"
        assert words in duty, f"the duty page does not say {words!r}"
    # The duty page names reporting neglect to the child welfare services, so the note does.
    for words in NEGLECT[lang]:
        assert words in duty
        assert words in note_text, f"the pre-chat note does not say {words!r}"
    # Never "only if": there is more than one exception.
    assert not re.search(r"\b(only if|bare hvis|kun hvis)\b", note_text, re.I)


@pytest.mark.parametrize("query", LANGS)
def test_the_duty_page_shows_other_help(running: tuple[TestClient, bool], query: str) -> None:
    client, _ = running
    html = client.get("/avvergingsplikt" + query).text
    assert 'href="tel:116111"' in html
    assert "112" in text_of(html) and "113" in text_of(html)


@pytest.mark.parametrize("query", LANGS)
def test_the_privacy_page_says_how_to_clear_the_history(
    running: tuple[TestClient, bool], query: str
) -> None:
    client, _ = running
    text = page_text(client, "/personvern" + query)
    private = "Incognito" if query else "inkognito"
    for words in ("Android", "iPhone", private):
        assert words in text

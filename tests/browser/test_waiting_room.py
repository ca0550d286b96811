"""The child's side of issue 12: an honest wait with something to read, other help when nobody
can answer, a card from the host shown as a card, connection trouble said at once, and a
goodbye with other help and "clear the screen". axe-core checks every new state, in both
languages."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.browser.conftest import NewPage
from tests.browser.people import (
    claim_the_visitor,
    join_queue,
    log_in,
    send,
    visitor_box,
    visitor_log,
)
from tests.browser.site import CHAT_LANGUAGES, Language
from tests.browser.test_accessibility import Axe, axe_js  # noqa: F401 (a fixture)
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: What the page says, in each language (the catalogs' words).
SAYS = {
    "nb": {
        "hello": "Hei! Så fint at du skriver til oss.",
        "next": "En voksen skriver til deg her når det blir din tur.",
        "tab": "Du kan la denne fanen stå åpen",
        "write": "Du kan begynne å skrive nå.",
        "read": "Noe å lese mens du venter",
        "nobody": "Ingen voksne er på vakt akkurat nå.",
        "nobody_start": "Ingen voksne kan svare akkurat nå.",
        "help": "Andre som kan hjelpe deg",
        "offline": "Du er uten nett.",
        "no_answer": "Vi får ikke svar fra chatten.",
        "starting": "Starter …",
        "clear": "Tøm skjermen",
        "cleared": "Skjermen er tømt.",
    },
    "en": {
        "hello": "Hi! We are glad you wrote to us.",
        "next": "An adult will write to you here when it is your turn.",
        "tab": "You can leave this tab open",
        "write": "You can start writing now.",
        "read": "Something to read while you wait",
        "nobody": "No adult is online right now.",
        "nobody_start": "No adult can answer right now.",
        "help": "Others who can help you",
        "offline": "You are offline.",
        "no_answer": "We get no answer from the chat.",
        "starting": "Starting …",
        "clear": "Clear the screen",
        "cleared": "The screen is cleared.",
    },
}


@pytest.fixture
def axe(axe_js: str) -> Axe:  # noqa: F811
    return Axe(axe_js)


def phone(new_page: NewPage) -> Page:
    """A phone-sized page axe can be injected into (see test_accessibility.axe_page)."""
    return new_page(390, 844, bypass_csp=True)


def cards_for(page: Page, base_url: str, age: str, lang: Language) -> list[dict[str, str]]:
    response = page.request.get(f"{base_url}/api/cards?age={age}&lang={lang.code}")
    assert response.ok
    return list(response.json())


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_an_honest_wait_with_cards_and_other_help(
    server: ServerProcess, new_page: NewPage, host: Page, axe: Axe, lang: Language
) -> None:
    says, visitor = SAYS[lang.code], phone(new_page)
    visitor.goto(server.base_url + lang.chat_path)
    # No host is logged in: the start page says so plainly, with other help, and one may
    # still queue.
    expect(visitor.locator("#nobody-box")).to_contain_text(says["nobody_start"])
    start_help = visitor.locator("#nobody-help")
    expect(start_help).to_contain_text(says["help"])
    expect(start_help.locator("a[href='tel:116111']")).to_be_visible()
    axe.check(visitor, f"{lang}: start page, nobody can answer")

    join_queue(visitor, lang.words, age="12")
    room = visitor.locator("#wait-room")
    for key in ("hello", "next", "tab", "write"):
        expect(room).to_contain_text(says[key])
    # Never "soon" with nobody on duty: say so, and show other help.
    expect(visitor.locator("#queue-estimate")).to_have_text(says["nobody"])
    expect(room.locator(".other-help a[href='tel:116111']")).to_be_visible()

    # The cards for a 12-year-old, in the page's language, to open and read.
    expected = cards_for(visitor, server.base_url, "12", lang)
    assert expected, "no starter cards for a 12-year-old"
    expect(room.get_by_role("heading", name=says["read"])).to_be_visible()
    summaries = room.locator("details.wait-card summary")
    expect(summaries).to_have_text([card["title"] for card in expected][:6])
    summaries.first.click()
    expect(room.locator("details.wait-card").first.locator(".card-body p").first).to_be_visible()
    axe.check(visitor, f"{lang}: waiting room, nobody on duty, a card open")

    # A host comes on duty and takes the chat: the waiting room goes, the chat takes the screen.
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor, lang.words)
    expect(room).to_be_hidden()
    axe.assert_none()


def test_cards_follow_the_age(server: ServerProcess, new_page: NewPage) -> None:
    lang = CHAT_LANGUAGES[0]
    visitor = new_page(390, 844)
    asked: list[str] = []
    visitor.on("request", lambda r: "/api/cards" in r.url and asked.append(r.url))
    visitor.goto(server.base_url + lang.chat_path)
    join_queue(visitor, lang.words, age="16")
    expected = cards_for(visitor, server.base_url, "16", lang)
    summaries = visitor.locator("#wait-room details.wait-card summary")
    expect(summaries).to_have_count(min(len(expected), 6))
    assert any("age=16" in url and "lang=nb" in url for url in asked), asked
    # After a reload (same tab) the waiting room still knows the age.
    visitor.reload()
    expect(summaries).to_have_count(min(len(expected), 6))
    assert sum("age=16" in url for url in asked) >= 2, asked


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_the_closed_page_offers_other_help(
    closed_server: ServerProcess, new_page: NewPage, axe: Axe, lang: Language
) -> None:
    page = phone(new_page)
    page.goto(closed_server.base_url + lang.chat_path)
    expect(page.get_by_text(lang.words.closed)).to_be_visible()
    expect(page.locator("#closed-box .other-help")).to_contain_text(SAYS[lang.code]["help"])
    expect(page.locator("#closed-box .other-help a[href='tel:116111']")).to_be_visible()
    axe.check(page, f"{lang}: closed, with other help")
    axe.assert_none()


# -- a card from the host -----------------------------------------------------------------------
CARD = {
    "slug": "test-card",
    "title": "Følelser er lov",
    "body": "Første avsnitt med **fet** skrift.\n\n- én ting\n- <b>to</b> ting\n\nSiste avsnitt.",
}


def inject_a_card(page_side: WebSocketRoute) -> None:
    """Passes everything through; after the host's first message, a card message follows."""
    server_side = page_side.connect_to_server()
    page_side.on_message(server_side.send)

    def to_page(message: str | bytes) -> None:
        page_side.send(message)
        frame = json.loads(message)
        if frame.get("type") == "message.posted" and frame.get("sender") == "host":
            card = {
                **frame,
                "seq": frame["seq"] + 1000,
                "text": CARD["title"],
                "card": CARD,
                "client_id": None,
            }
            page_side.send(json.dumps(card))

    server_side.on_message(to_page)


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_a_card_message_is_shown_as_a_card(
    server: ServerProcess, new_page: NewPage, host: Page, axe: Axe, lang: Language
) -> None:
    visitor = phone(new_page)
    visitor.route_web_socket(re.compile(r"/ws/visitor$"), inject_a_card)
    visitor.goto(server.base_url + lang.chat_path)
    join_queue(visitor, lang.words)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor, lang.words)
    host_box = host.get_by_role("textbox", name="Melding til besøkende")
    host_box.fill("Her er noe å lese.")
    host_box.press("Enter")
    log = visitor_log(visitor, lang.words)
    card = log.locator("li.card-msg .info-card")
    expect(card).to_be_visible()
    expect(card.locator(".card-title")).to_have_text(CARD["title"])
    expect(card.locator(".card-body p").first).to_have_text("Første avsnitt med fet skrift.")
    expect(card.locator(".card-body strong")).to_have_text("fet")
    expect(card.locator(".card-body li")).to_have_text(["én ting", "<b>to</b> ting"])
    expect(card.locator(".card-body b")).to_have_count(0)  # text, never HTML
    axe.check(visitor, f"{lang}: a card in the transcript")
    axe.assert_none()


# -- connection honesty ------------------------------------------------------------------------
@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_offline_is_said_within_three_seconds(
    server: ServerProcess, new_page: NewPage, axe: Axe, lang: Language
) -> None:
    says, visitor = SAYS[lang.code], phone(new_page)
    visitor.goto(server.base_url + lang.chat_path)
    join_queue(visitor, lang.words)
    box, log = visitor_box(visitor, lang.words), visitor_log(visitor, lang.words)

    visitor.context.set_offline(True)
    went = time.monotonic()
    expect(visitor.locator("#connection")).to_contain_text(says["offline"], timeout=3000)
    assert time.monotonic() - went < 3.0
    axe.check(visitor, f"{lang}: offline")
    # Written while offline: it stays visibly unsent, and goes once the line is back.
    box.fill("Er dere der?")
    box.press("Enter")
    expect(log.locator("li.pending")).to_contain_text("Er dere der?")
    visitor.context.set_offline(False)
    expect(log.locator("li.pending")).to_have_count(0, timeout=20_000)
    expect(log.locator("li.msg .text").last).to_have_text("Er dere der?")
    expect(visitor.locator("#connection")).to_have_text("")
    axe.assert_none()


def swallow_sends(page_side: WebSocketRoute) -> None:
    """The line looks open, but nothing the visitor sends reaches the server."""
    server_side = page_side.connect_to_server()
    page_side.on_message(
        lambda m: None if json.loads(m).get("type") == "message.send" else server_side.send(m)
    )
    server_side.on_message(page_side.send)


def test_an_unanswered_message_is_said_within_ten_seconds(
    server: ServerProcess, new_page: NewPage
) -> None:
    lang = CHAT_LANGUAGES[0]
    visitor = new_page(390, 844)
    visitor.route_web_socket(re.compile(r"/ws/visitor$"), swallow_sends)
    visitor.goto(server.base_url + lang.chat_path)
    join_queue(visitor, lang.words)
    box = visitor_box(visitor, lang.words)
    box.fill("Hallo?")
    box.press("Enter")
    sent = time.monotonic()
    expect(visitor.locator("#connection")).to_contain_text(SAYS["nb"]["no_answer"], timeout=12_000)
    assert time.monotonic() - sent < 11.5
    expect(visitor_log(visitor, lang.words).locator("li.pending")).to_contain_text("Hallo?")


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_the_button_says_starting(server: ServerProcess, new_page: NewPage, lang: Language) -> None:
    visitor = new_page(390, 844)
    held: list[Route] = []
    visitor.route("**/api/conversations", lambda route: held.append(route))
    visitor.goto(server.base_url + lang.chat_path)
    visitor.get_by_role("button", name=lang.words.start).click()
    visitor.get_by_label(lang.words.age, exact=True).fill("12")
    visitor.get_by_label(lang.words.about_self, exact=True).check()
    visitor.get_by_role("button", name=lang.words.go_on).click()
    starting = visitor.locator("#prechat-submit")
    expect(starting).to_have_text(SAYS[lang.code]["starting"])
    expect(starting).to_be_disabled()
    while not held:
        visitor.wait_for_timeout(50)
    held[0].continue_()
    expect(visitor.get_by_role("heading", name=lang.words.queue_heading)).to_be_visible()


# -- goodbye ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_goodbye_with_other_help_and_clear_the_screen(
    server: ServerProcess, new_page: NewPage, host: Page, axe: Axe, lang: Language
) -> None:
    says, words, visitor = SAYS[lang.code], lang.words, phone(new_page)
    visitor.goto(server.base_url + lang.chat_path)
    join_queue(visitor, words)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor, words)
    log = visitor_log(visitor, words)
    send(visitor_box(visitor, words), log, "Takk for praten.")
    visitor.get_by_role("button", name=words.end_chat).click()
    visitor.get_by_role("button", name=words.confirm_end).click()
    ended = visitor.locator("#ended-box")
    expect(ended.get_by_role("heading", name=words.ended_heading)).to_be_focused()
    expect(ended.locator(".other-help")).to_contain_text(says["help"])
    expect(ended.locator(".other-help a[href='tel:116111']")).to_be_visible()
    expect(ended.get_by_role("button", name=words.new_chat)).to_be_visible()
    axe.check(visitor, f"{lang}: ended, with other help")
    assert visitor.evaluate("sessionStorage.length") > 0

    ended.get_by_role("button", name=says["clear"]).click()
    expect(visitor.get_by_text(says["cleared"])).to_be_visible()
    expect(log.locator("li")).to_have_count(0)
    assert visitor.evaluate("sessionStorage.length") == 0
    axe.check(visitor, f"{lang}: the screen cleared")
    # A reload shows nothing of the conversation; the visitor may start again.
    visitor.reload()
    expect(visitor.get_by_role("button", name=words.start)).to_be_visible()
    join_queue(visitor, words)
    axe.assert_none()

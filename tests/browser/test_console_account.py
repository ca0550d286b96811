"""The console's "Min konto" and information cards, in the real browser against the real
server: a host sees where they are logged in and ends another session (that console goes back
to the login and says so), changes the password (a short or weak one is refused in words),
only admins get the link to the admin pages, and axe-core finds nothing with the dialog open;
a host sends an information card for the visitor's age and both sides show it.

Set LYKT_SCREENSHOTS to a directory to save screenshots (1280x800 and 390x844) of the dialog
and of a chat with a card."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import AXE_JS, NewPage, missing
from tests.browser.people import claim_the_visitor, host_log, log_in, start_chat, visitor_log
from tests.browser.test_accessibility import Axe
from tests.conftest import PASSWORD
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

ADMIN_EMAIL, ADMIN = "anne@example.org", "Anne"
NEW_PASSWORD = "kanel-fjord-sykkel-97-lykt"
SIZES = [(1280, 800), (390, 844)]


@pytest.fixture
def axe() -> Axe:
    if not AXE_JS.exists():
        missing(f"axe-core is not installed at {AXE_JS} (see test_accessibility.py)")
    return Axe(str(AXE_JS))


def screenshot(page: Page, name: str) -> None:
    """With LYKT_SCREENSHOTS set: the page at each size, as a person would see it."""
    folder = os.environ.get("LYKT_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 800})


def open_account(page: Page) -> Locator:
    page.get_by_role("button", name="Min konto").click()
    dialog = page.get_by_role("dialog", name="Min konto")
    expect(dialog).to_be_visible()
    return dialog


def change_password(dialog: Locator, current: str, new: str) -> None:
    dialog.get_by_label("Nåværende passord").fill(current)
    dialog.get_by_label("Nytt passord", exact=True).fill(new)
    dialog.get_by_label("Nytt passord en gang til").fill(new)
    dialog.get_by_role("button", name="Bytt passord").click()


def test_a_host_ends_another_session_and_changes_the_password(
    server: ServerProcess, new_page: NewPage, axe: Axe
) -> None:
    here = new_page(1280, bypass_csp=True)
    log_in(here, server.base_url)
    there = new_page(1280)
    log_in(there, server.base_url)

    # "Min konto" comes before "Logg ut", which stays last.
    buttons = here.locator(".logout-dock button")
    expect(buttons).to_have_text(["Min konto", "Logg ut"])
    dialog = open_account(here)
    sessions = dialog.get_by_role("list").first.get_by_role("listitem")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="denne")).to_have_count(1)
    started = re.compile(r"Logget inn i dag kl\. \d\d:\d\d · sist brukt")
    expect(sessions.first).to_contain_text(started)
    axe.check(here, "account dialog, two sessions")

    # The other one ends: that console goes back to the login and says why.
    other = sessions.filter(has_not_text="denne")
    other.get_by_role("button", name=re.compile("^Logg ut")).click()
    expect(sessions).to_have_count(1)
    expect(dialog.get_by_role("status").first).to_contain_text("er logget ut")
    expect(there.get_by_role("heading", name="Logg inn")).to_be_visible()
    told = there.get_by_role("alert").filter(has_text="Du er logget ut. Logg inn igjen.")
    expect(told).to_be_visible()
    expect(here.get_by_text("Tilkoblet")).to_be_visible()

    # A new password: too short, too easy, the wrong current one, then a good one.
    alert = dialog.locator("#password-error")
    change_password(dialog, PASSWORD, "kort")
    expect(alert).to_have_text("Det nye passordet må ha minst 12 tegn.")
    expect(dialog.get_by_label("Nytt passord", exact=True)).to_be_focused()
    change_password(dialog, PASSWORD, "passordpassord")
    expect(alert).to_contain_text("for lett å gjette")
    axe.check(here, "account dialog, a weak password refused")
    dialog.get_by_label("Nåværende passord").fill(PASSWORD)
    dialog.get_by_label("Nytt passord", exact=True).fill(NEW_PASSWORD)
    dialog.get_by_label("Nytt passord en gang til").fill(NEW_PASSWORD + "x")
    dialog.get_by_role("button", name="Bytt passord").click()
    expect(alert).to_have_text("De to nye passordene er ikke like.")
    change_password(dialog, "ikke-mitt-passord-42", NEW_PASSWORD)
    expect(alert).to_have_text("Det nåværende passordet stemmer ikke.")
    change_password(dialog, PASSWORD, NEW_PASSWORD)
    done = "Passordet er byttet. Du er logget ut alle andre steder."
    expect(dialog.get_by_role("status").filter(has_text=done)).to_be_visible()
    expect(alert).to_be_empty()
    expect(sessions).to_have_count(1)
    expect(dialog.get_by_role("link", name="Administrasjon")).to_be_hidden()
    screenshot(here, "account-dialog")

    # Logging out this session from the list logs out the console.
    sessions.get_by_role("button", name=re.compile(r"^Logg ut .*\(denne\)$")).click()
    expect(here.get_by_role("heading", name="Logg inn")).to_be_visible()
    expect(here.get_by_role("alert").filter(has_text="Du er logget ut.")).to_be_visible()
    axe.assert_none()


def test_only_an_admin_gets_the_link_to_the_admin_pages(
    server: ServerProcess, new_page: NewPage
) -> None:
    server.add_staff(ADMIN_EMAIL, ADMIN, "admin")
    admin = new_page(1280)
    log_in(admin, server.base_url, ADMIN_EMAIL)
    link = open_account(admin).get_by_role("link", name="Administrasjon")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "/admin")

    host = new_page(1280)
    log_in(host, server.base_url)
    dialog = open_account(host)
    expect(dialog.get_by_role("list").first.get_by_role("listitem")).to_have_count(1)
    expect(dialog.get_by_role("link", name="Administrasjon")).to_have_count(0)
    # Esc closes it and focus goes back to the button.
    host.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(host.get_by_role("button", name="Min konto")).to_be_focused()


def test_a_host_sends_an_information_card_and_the_visitor_sees_it(
    server: ServerProcess, new_page: NewPage, axe: Axe
) -> None:
    cards = httpx.get(server.base_url + "/api/cards", params={"age": 12, "lang": "nb"}).json()
    assert cards, "no information cards for a 12-year-old in Norwegian"
    title = cards[0]["title"]

    visitor = new_page(390)
    start_chat(visitor, server.base_url)
    host = new_page(1280, bypass_csp=True)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)

    side = host.get_by_role("complementary")
    box = side.get_by_role("region", name="Informasjonskort")
    expect(box.get_by_role("listitem")).to_have_count(len(cards))
    box.get_by_role("button", name=f"Send kortet {title}").click()
    sent = host_log(host).locator("li.card-msg").filter(has_text=title)
    expect(sent).to_have_count(1)
    expect(sent.locator(".info-card .card-title")).to_have_text(title)
    expect(host_log(host).locator("li.pending")).to_have_count(0)
    expect(box.get_by_role("status")).to_have_text(f"«{title}» er lagt i samtalen.")
    # The visitor sees it as a card too, not as plain text.
    expect(visitor_log(visitor).locator(".info-card .card-title")).to_have_text(title)
    axe.check(host, "a card sent in a chat")
    screenshot(host, "chat-with-card")
    screenshot(visitor, "visitor-with-card")
    axe.assert_none()

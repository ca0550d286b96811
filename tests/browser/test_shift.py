"""A shift in the staff console: two hosts and a supervisor handle three visitors through a
canned reply, a note, a transfer, a help request, a take-over and wrap-up, each step checked
as the people involved would see it; axe-core finds nothing in the console in these states;
and a host does the whole round with the keyboard alone.

The server is the real one (tests/serverproc.py); the visitors use the real visitor page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import AXE_JS, HOST_EMAIL, HOST_NAME, NewPage, missing
from tests.browser.people import host_box, host_log, log_in, texts, visitor_box, visitor_log
from tests.browser.site import NB
from tests.browser.test_accessibility import Axe
from tests.browser.test_keyboard import assert_focus_visible, tab_to
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

OLA_EMAIL, OLA = "ola@example.org", "Ola"
SIRI_EMAIL, SIRI = "siri@example.org", "Siri"
VISIT_TEXT = "Mange lurer på hvordan et besøk i fengsel er. Vil du at jeg forteller litt om det?"
WAITING_WORDS = "Jeg er redd for pappa <b>nå</b>"


# -- the people --------------------------------------------------------------------------------
def queue_up(visitor: Page, base_url: str, age: str, place: int) -> None:
    """A visitor starts a chat and waits as number ``place`` in the queue."""
    visitor.goto(base_url + "/")
    visitor.get_by_role("button", name=NB.start).click()
    visitor.get_by_label(NB.age, exact=True).fill(age)
    visitor.get_by_label(NB.about_self, exact=True).check()
    visitor.get_by_role("button", name=NB.go_on).click()
    expect(visitor.get_by_role("heading", name=NB.queue_heading)).to_be_visible()
    expect(visitor.get_by_text(f"Du er nummer {place} i køen")).to_be_visible()


def staff_console(new_page: NewPage, base_url: str, email: str) -> Page:
    """A staff member at a desktop screen, logged in (axe can be injected: see axe_page)."""
    page = new_page(1280, bypass_csp=True)
    log_in(page, base_url, email)
    return page


def chat_tab(page: Page, age: int) -> Locator:
    return page.get_by_role("tab", name=re.compile(rf"^Samtale \d+ · {age} år · seg selv"))


def side(page: Page) -> Locator:
    return page.get_by_role("complementary")


def wrap_up(page: Page, topic: str, *, flag: bool = False) -> None:
    """The ended chat's wrap-up, then it folds away."""
    column = side(page)
    expect(column.get_by_role("heading", name="Oppsummering")).to_be_visible()
    column.get_by_role("checkbox", name=topic, exact=True).check()
    if flag:
        column.get_by_label("Be en leder se på samtalen").check()
    column.get_by_role("button", name="Lagre oppsummering").click()
    expect(page.get_by_role("status").filter(has_text="er oppsummert og lukket")).to_be_visible()


@pytest.fixture
def axe() -> Axe:
    if not AXE_JS.exists():
        missing(f"axe-core is not installed at {AXE_JS} (see test_accessibility.py)")
    return Axe(str(AXE_JS))


@pytest.fixture
def shift_server(server: ServerProcess) -> Iterator[ServerProcess]:
    """The server with a second host, a supervisor and one shared canned reply."""
    server.add_staff(OLA_EMAIL, OLA)
    server.add_staff(SIRI_EMAIL, SIRI, "supervisor")
    server.cli(
        "canned", "add", "--title", "Besøk i fengsel", "--lang", "nb", "--text-file", "-",
        stdin=VISIT_TEXT,
    )  # fmt: skip
    yield server


# -- the shift ---------------------------------------------------------------------------------
def test_two_hosts_and_a_supervisor_through_a_shift(
    shift_server: ServerProcess, new_page: NewPage, axe: Axe
) -> None:
    base = shift_server.base_url
    first, second, third = (new_page(360) for _ in range(3))
    queue_up(first, base, "12", 1)
    # What the first visitor writes while waiting shows in the queue, as text.
    visitor_box(first).fill(WAITING_WORDS)
    visitor_box(first).press("Enter")
    expect(texts(visitor_log(first))).to_have_text([WAITING_WORDS])
    queue_up(second, base, "14", 2)
    queue_up(third, base, "16", 3)

    kari = staff_console(new_page, base, HOST_EMAIL)
    expect(kari).to_have_title("(3) Lykt – vakt")
    entries = kari.locator("#queue-list").get_by_role("listitem")
    expect(entries).to_have_count(3)
    expect(entries.first).to_contain_text(f"«{WAITING_WORDS}»")
    expect(entries.first).to_contain_text("norsk")
    expect(kari.locator("#queue-list b")).to_have_count(0)
    axe.check(kari, "host: three in the queue")

    # Kari takes the first visitor, and picks a canned reply with "/" and a word: it goes into
    # the box for her to edit, and nothing is sent until she sends it.
    kari.get_by_role("button", name="Ta neste").click()
    expect(chat_tab(kari, 12)).to_have_attribute("aria-selected", "true")
    expect(kari).to_have_title("(2) Lykt – vakt")
    box = host_box(kari)
    expect(box).to_be_focused()
    box.press("/")
    search = kari.get_by_role("combobox", name="Søk i ferdige svar")
    expect(search).to_be_focused()
    kari.keyboard.type("besøk")
    options = kari.get_by_role("listbox", name="Ferdige svar").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("aria-selected", "true")
    axe.check(kari, "host: canned replies open")
    kari.keyboard.press("Enter")
    expect(box).to_have_value(VISIT_TEXT)
    expect(box).to_be_focused()
    expect(host_log(kari).locator("li.msg")).to_have_count(1)  # only the visitor's
    box.press("End")
    kari.keyboard.type(" Spør om det du lurer på.")
    kari.keyboard.press("Enter")
    reply = VISIT_TEXT + " Spør om det du lurer på."
    expect(texts(visitor_log(first)).last).to_have_text(reply)
    expect(host_log(kari).locator("li.pending")).to_have_count(0)

    # A note, for staff only.
    side(kari).get_by_label("Nytt notat").fill("Pappa sitter inne. Gruer seg til besøk.")
    side(kari).get_by_role("button", name="Lagre notat").click()
    note = side(kari).get_by_role("listitem").filter(has_text="Gruer seg til besøk.")
    expect(note).to_contain_text(HOST_NAME)

    # Kari takes the second visitor and hands the chat to Ola, with a note.
    ola = staff_console(new_page, base, OLA_EMAIL)
    kari.get_by_role("button", name="Ta neste").click()
    expect(chat_tab(kari, 14)).to_have_attribute("aria-selected", "true")
    expect(kari.get_by_role("tab")).to_have_count(2)
    kari.get_by_role("tabpanel").get_by_role("button", name="Overfør").click()
    dialog = kari.get_by_role("dialog", name=re.compile("^Overfør"))
    expect(dialog).to_be_visible()
    dialog.get_by_label(OLA).check()
    dialog.get_by_label("Notat til den som tar over").fill("Vil snakke om skolen.")
    axe.check(kari, "host: transfer dialog")
    dialog.get_by_role("button", name="Overfør").click()
    expect(dialog).to_be_hidden()
    expect(chat_tab(kari, 14)).to_have_count(0)
    expect(kari.get_by_role("status").filter(has_text=f"er nå hos {OLA}")).to_be_visible()
    expect(chat_tab(ola, 14)).to_be_visible()
    chat_tab(ola, 14).click()
    handed_note = side(ola).get_by_role("listitem").filter(has_text="Vil snakke om skolen.")
    expect(handed_note).to_be_visible()
    expect(second.get_by_role("heading", name=NB.talking_with.format(name=OLA))).to_be_visible()

    # Kari asks for help in the first chat; Siri sees it at the top and reads along.
    siri = staff_console(new_page, base, SIRI_EMAIL)
    board = siri.get_by_role("tabpanel", name=re.compile("^Oversikt"))
    expect(board.get_by_role("listitem").filter(has_text="under 13 år")).to_contain_text(HOST_NAME)
    chat_tab(kari, 12).click()
    side(kari).get_by_role("button", name="Trenger hjelp").click()
    expect(side(kari).get_by_text("Ledere på vakt er varslet")).to_be_visible()
    alerts = siri.get_by_role("region", name="Varsler")
    alert = alerts.get_by_role("listitem").filter(has_text=f"{HOST_NAME} ber om hjelp")
    expect(alert).to_be_visible()
    axe.check(siri, "supervisor: the board and a help request")
    alert.get_by_role("button", name="Les med").click()
    expect(siri.get_by_text("Du leser med.")).to_be_visible()
    expect(texts(host_log(siri)).last).to_have_text(reply)
    expect(side(siri).get_by_role("listitem").filter(has_text="Gruer seg")).to_be_visible()
    expect(host_box(siri)).to_be_hidden()  # reading along is read-only
    axe.check(siri, "supervisor: reading along")

    # Siri takes over, after a confirm step; Kari's tab goes, the visitor is told.
    siri.get_by_role("tabpanel").get_by_role("button", name="Ta over").click()
    confirm = siri.get_by_role("dialog", name=re.compile("^Ta over samtale"))
    expect(confirm).to_be_visible()
    axe.check(siri, "supervisor: confirm the take-over")
    confirm.get_by_role("button", name="Ja, ta over").click()
    expect(siri.get_by_text("Du leser med.")).to_be_hidden()
    expect(host_box(siri)).to_be_visible()
    expect(chat_tab(kari, 12)).to_have_count(0)
    expect(kari.get_by_role("status").filter(has_text=f"er nå hos {SIRI}")).to_be_visible()
    expect(first.get_by_role("heading", name=NB.talking_with.format(name=SIRI))).to_be_visible()
    host_box(siri).fill("Hei, jeg heter Siri. Jeg er her nå.")
    host_box(siri).press("Enter")
    expect(texts(visitor_log(first)).last).to_have_text("Hei, jeg heter Siri. Jeg er her nå.")

    # Siri ends it and wraps it up; the tab folds away.
    siri.get_by_role("tabpanel").get_by_role("button", name="Avslutt og oppsummer").click()
    siri.get_by_role("button", name="Ja, avslutt").click()
    expect(siri.get_by_text("Samtalen er avsluttet av deg.")).to_be_visible()
    axe.check(siri, "supervisor: wrap-up")
    wrap_up(siri, "Besøk i fengsel")
    expect(chat_tab(siri, 12)).to_have_count(0)

    # The second visitor leaves; Ola wraps up and asks a supervisor to look at it.
    second.get_by_role("button", name=NB.end_chat).click()
    second.get_by_role("button", name=NB.confirm_end).click()
    expect(ola.get_by_text("Samtalen er avsluttet av besøkende.")).to_be_visible()
    expect(chat_tab(ola, 14)).to_contain_text("avsluttet – oppsummer")
    axe.check(ola, "host: an ended chat to wrap up")
    wrap_up(ola, "Venner og skole", flag=True)
    expect(ola.get_by_text("Du har ingen samtaler nå.")).to_be_visible()
    siri.get_by_role("tab", name=re.compile("^Oversikt")).click()
    flagged = board.locator("#board-flagged").get_by_role("listitem")
    expect(flagged).to_contain_text(OLA)

    # Kari takes the third, then goes on a break: Siri's board follows.
    kari.get_by_role("button", name="Ta neste").click()
    expect(chat_tab(kari, 16)).to_have_attribute("aria-selected", "true")
    expect(kari).to_have_title("Lykt – vakt")
    kari.get_by_role("button", name="Ta pause").click()
    expect(kari.get_by_text("Du har pause.")).to_be_visible()
    host_row = board.get_by_role("listitem").filter(has_text=HOST_NAME).first
    expect(host_row).to_contain_text("pause")
    axe.check(kari, "host: on a break, one chat")
    axe.assert_none()


def test_a_host_mutes_the_sound_and_it_stays_muted_and_shown(
    server: ServerProcess, host: Page
) -> None:
    log_in(host, server.base_url)
    expect(host.get_by_text("Lyden er av")).to_be_hidden()
    host.get_by_role("button", name="Slå av lyden").click()
    expect(host.get_by_text("Lyden er av")).to_be_visible()
    host.reload()
    expect(host.get_by_text("Tilkoblet")).to_be_visible()
    expect(host.get_by_text("Lyden er av")).to_be_visible()
    expect(host.get_by_role("button", name="Slå på lyden")).to_be_visible()


def test_a_supervisor_is_alerted_to_a_long_wait_and_takes_the_visitor(
    tmp_path: Path, new_page: NewPage
) -> None:
    # Three seconds in the queue is long here; waits are checked at each (2 s) heartbeat.
    proc = ServerProcess(
        tmp_path / "data", LYKT_ESCALATE_AFTER_MINUTES="0.05", LYKT_HEARTBEAT_INTERVAL_S="2"
    ).start()
    try:
        proc.add_staff(SIRI_EMAIL, SIRI, "supervisor")
        siri = staff_console(new_page, proc.base_url, SIRI_EMAIL)
        visitor = new_page(360)
        # The louder sound of our own is fetched to be played when the alert comes.
        sound = "/static/sounds/alert.wav"
        with siri.expect_request(lambda r: r.url.endswith(sound), timeout=20_000):
            queue_up(visitor, proc.base_url, "13", 1)
            alert = siri.get_by_role("region", name="Varsler").get_by_role("listitem")
            expect(alert).to_contain_text("En besøkende har ventet lenge i køen.")
        alert.get_by_role("button", name="Ta samtalen").click()
        expect(chat_tab(siri, 13)).to_have_attribute("aria-selected", "true")
        expect(alert).to_have_count(0)
        talking = visitor.get_by_role("heading", name=NB.talking_with.format(name=SIRI))
        expect(talking).to_be_visible()
    finally:
        proc.stop()


# -- the keyboard alone ------------------------------------------------------------------------
def test_a_host_takes_switches_replies_and_wraps_up_by_keyboard(
    shift_server: ServerProcess, new_page: NewPage
) -> None:
    base = shift_server.base_url
    first, second = new_page(360), new_page(360)
    queue_up(first, base, "12", 1)
    queue_up(second, base, "15", 2)
    kari = new_page(1280)
    log_in(kari, base)
    expect(kari.locator("#queue-list").get_by_role("listitem")).to_have_count(2)

    # Alt+N takes the next visitor; focus lands in the box to write in.
    kari.keyboard.press("Alt+N")
    box = host_box(kari)
    expect(chat_tab(kari, 12)).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()
    assert_focus_visible(kari)

    # "/" and a word, arrows and Enter: the canned text is in the box, not sent; Ctrl+Enter sends.
    kari.keyboard.press("/")
    kari.keyboard.type("fengsel")
    kari.keyboard.press("ArrowDown")
    kari.keyboard.press("ArrowUp")
    kari.keyboard.press("Enter")
    expect(box).to_have_value(VISIT_TEXT)
    expect(box).to_be_focused()
    expect(host_log(kari).locator("li.msg")).to_have_count(0)
    kari.keyboard.press("Control+Enter")
    expect(texts(visitor_log(first))).to_have_text([VISIT_TEXT])

    # Esc closes the list and leaves the box as it was.
    kari.keyboard.press("/")
    expect(kari.get_by_role("combobox", name="Søk i ferdige svar")).to_be_focused()
    kari.keyboard.press("Escape")
    expect(kari.get_by_role("listbox", name="Ferdige svar")).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_have_value("")

    # The second visitor; Alt+1 goes back to the first chat, arrows move along the tabs.
    kari.keyboard.press("Alt+N")
    expect(chat_tab(kari, 15)).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()
    kari.keyboard.press("Alt+1")
    expect(chat_tab(kari, 12)).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()
    tab_to(kari, chat_tab(kari, 12), back=True)
    kari.keyboard.press("ArrowRight")
    expect(chat_tab(kari, 15)).to_be_focused()
    expect(chat_tab(kari, 15)).to_have_attribute("aria-selected", "true")
    expect(chat_tab(kari, 12)).to_have_attribute("tabindex", "-1")
    assert_focus_visible(kari)

    # End the second chat and wrap it up, by keyboard; it folds away.
    end = kari.get_by_role("tabpanel").get_by_role("button", name="Avslutt og oppsummer")
    tab_to(kari, end)
    kari.keyboard.press("Enter")
    yes = kari.get_by_role("button", name="Ja, avslutt")
    expect(kari.get_by_role("button", name="Nei")).to_be_focused()
    tab_to(kari, yes, back=True)
    kari.keyboard.press("Space")
    heading = side(kari).get_by_role("heading", name="Oppsummering")
    expect(heading).to_be_focused()
    topic = side(kari).get_by_role("checkbox", name="Venner og skole", exact=True)
    tab_to(kari, topic)
    kari.keyboard.press("Space")
    expect(topic).to_be_checked()
    tab_to(kari, side(kari).get_by_role("button", name="Lagre oppsummering"))
    kari.keyboard.press("Enter")
    expect(chat_tab(kari, 15)).to_have_count(0)
    expect(chat_tab(kari, 12)).to_be_focused()

    # "Logg ut" is the last stop in the tab order.
    logout = kari.get_by_role("button", name="Logg ut")
    tab_to(kari, logout)
    assert kari.evaluate(LAST_TAB_STOP) == "Logg ut"


# The last element Tab reaches: focusable, shown, not taken out of the tab order.
LAST_TAB_STOP = """
() => {
  const all = document.querySelectorAll(
    "a[href], button, input, select, textarea, summary, [tabindex]"
  );
  const stops = [...all].filter((el) => !el.disabled && el.tabIndex >= 0
    && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden");
  return stops.length ? stops[stops.length - 1].textContent.trim() : null;
}
"""


def test_a_supervisor_joins_a_chat_and_the_host_is_told(
    shift_server: ServerProcess, new_page: NewPage
) -> None:
    base = shift_server.base_url
    visitor = new_page(360)
    queue_up(visitor, base, "12", 1)
    kari = staff_console(new_page, base, HOST_EMAIL)
    kari.get_by_role("button", name="Ta neste").click()
    expect(chat_tab(kari, 12)).to_have_attribute("aria-selected", "true")

    siri = staff_console(new_page, base, SIRI_EMAIL)
    board = siri.get_by_role("tabpanel", name=re.compile("^Oversikt"))
    board.get_by_role("button", name=re.compile(r"^Bli med i samtale \d+$")).click()
    confirm = siri.get_by_role("dialog", name=re.compile("^Bli med i samtale"))
    confirm.get_by_role("button", name="Avbryt").click()
    expect(confirm).to_be_hidden()
    expect(siri.get_by_role("tab")).to_have_count(1)  # only the board: nothing happened
    board.get_by_role("button", name=re.compile(r"^Bli med i samtale \d+$")).click()
    confirm.get_by_role("button", name="Ja, bli med").click()
    expect(siri.get_by_text(f"Du er med i samtalen sammen med {HOST_NAME}.")).to_be_visible()
    expect(kari.get_by_text(f"{SIRI} (leder) er med i samtalen")).to_be_visible()

    host_box(siri).fill("Hei, jeg er Siri og hjelper Kari.")
    host_box(siri).press("Enter")
    expect(texts(visitor_log(visitor)).last).to_have_text("Hei, jeg er Siri og hjelper Kari.")
    expect(host_log(kari).locator("li.msg").last).to_contain_text(SIRI)

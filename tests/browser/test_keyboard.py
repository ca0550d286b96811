"""The whole chat with nothing but a keyboard: Tab, Shift+Tab, Enter, Space and typing, never
a mouse click on the visitor's page. Wherever focus lands, the visitor can see it.

The host, on the other side, uses the staff console as usual. Languages come from site.py
(CHAT_LANGUAGES).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import HOST_NAME
from tests.browser.people import (
    claim_the_visitor,
    host_box,
    host_log,
    log_in,
    send,
    texts,
    visitor_box,
    visitor_log,
)
from tests.browser.site import CHAT_LANGUAGES, Language
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

MAX_TAB_STOPS = 40

# The focused element, and whether a sighted keyboard user can see where focus is: it is
# rendered, and has an outline or a box shadow (our :focus-visible style is a 3px outline).
_FOCUS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return { visible: false, what: "nothing (the page itself)" };
  }
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow !== "none" && s.boxShadow !== "";
  const shown = el.getClientRects().length > 0 && s.visibility !== "hidden";
  const name = el.getAttribute("aria-label") || el.textContent.trim().slice(0, 40);
  const what = `<${el.tagName.toLowerCase()}${el.id ? " id=" + el.id : ""}> ${name}`;
  return { visible: shown && (outline || shadow), what };
}
"""


def assert_focus_visible(page: Page) -> None:
    focus = page.evaluate(_FOCUS)
    assert focus["visible"], f"focus is not visible on {focus['what']}"


def tab_to(page: Page, target: Locator, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``target`` has focus; every stop on the way
    must show where focus is."""
    stops: list[str] = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focus = page.evaluate(_FOCUS)
        stops.append(focus["what"])
        assert focus["visible"], f"focus is not visible on {focus['what']}"
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}; it went to: {stops}")


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_the_whole_chat_by_keyboard(
    server: ServerProcess, visitor: Page, host: Page, lang: Language
) -> None:
    words = lang.words
    visitor.goto(server.base_url + lang.chat_path)

    # The start page: Tab to the start button, Enter. Focus goes to the form's heading.
    start = visitor.get_by_role("button", name=words.start)
    tab_to(visitor, start)
    visitor.keyboard.press("Enter")
    prechat = visitor.get_by_role("heading", name=words.prechat_heading)
    expect(prechat).to_be_focused()
    assert_focus_visible(visitor)

    # The pre-chat form: type the age, Space on "about me", Enter on the button.
    age = visitor.get_by_label(words.age, exact=True)
    tab_to(visitor, age)
    visitor.keyboard.type("12")
    expect(age).to_have_value("12")
    about_self = visitor.get_by_label(words.about_self, exact=True)
    tab_to(visitor, about_self)
    visitor.keyboard.press("Space")
    expect(about_self).to_be_checked()
    tab_to(visitor, visitor.get_by_role("button", name=words.go_on))
    visitor.keyboard.press("Enter")
    queue = visitor.get_by_role("heading", name=words.queue_heading)
    expect(queue).to_be_visible()
    expect(queue).to_be_focused()
    expect(visitor.get_by_text(words.first_in_queue)).to_be_visible()

    # Writing while waiting: Enter sends, and the box keeps focus for the next message.
    box, log = visitor_box(visitor, words), visitor_log(visitor, words)
    tab_to(visitor, box)
    visitor.keyboard.type("Hei, jeg venter.")
    visitor.keyboard.press("Enter")
    expect(texts(log)).to_have_text(["Hei, jeg venter."])
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    assert_focus_visible(visitor)

    # Shift+Enter makes a new line and sends nothing; Enter then sends both lines.
    visitor.keyboard.type("Første linje")
    visitor.keyboard.press("Shift+Enter")
    visitor.keyboard.type("andre linje")
    expect(box).to_have_value("Første linje\nandre linje")
    expect(texts(log)).to_have_count(1)
    visitor.keyboard.press("Enter")
    expect(texts(log).last).to_have_js_property("textContent", "Første linje\nandre linje")
    expect(box).to_be_focused()

    # A host takes the chat and answers; the visitor sees it, still with focus in the box.
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor, words)
    expect(texts(host_log(host))).to_have_text(["Hei, jeg venter.", "Første linje\nandre linje"])
    send(host_box(host), host_log(host), "Hei! Jeg er her nå.")
    expect(texts(log).last).to_have_text("Hei! Jeg er her nå.")
    expect(log.locator("li.msg").last).to_contain_text(HOST_NAME)
    expect(box).to_be_focused()
    visitor.keyboard.type("Takk!")
    visitor.keyboard.press("Enter")
    expect(texts(host_log(host)).last).to_have_text("Takk!")

    # Ending: back to the end button, Enter, and confirm. The confirmation first offers
    # to go on (focus on "no"); Shift+Tab reaches "yes", Space presses it.
    tab_to(visitor, visitor.get_by_role("button", name=words.end_chat), back=True)
    visitor.keyboard.press("Enter")
    confirm = visitor.get_by_role("button", name=words.confirm_end)
    expect(confirm).to_be_visible()
    assert_focus_visible(visitor)
    tab_to(visitor, confirm, back=True)
    visitor.keyboard.press("Space")
    ended = visitor.get_by_role("heading", name=words.ended_heading)
    expect(ended).to_be_focused()
    assert_focus_visible(visitor)
    expect(visitor.get_by_text(words.ended_by_visitor)).to_be_visible()
    expect(box).to_be_hidden()
    expect(texts(log)).to_have_count(4)

    # And a new chat from the ended one, still by keyboard.
    tab_to(visitor, visitor.get_by_role("button", name=words.new_chat))
    visitor.keyboard.press("Enter")
    expect(prechat).to_be_focused()

"""Quick exit: one press (or Esc twice) and the chat is gone from the tab, and Back does not
bring it back; the host is told that the visitor left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HOST_EMAIL, HOST_NAME, NewPage
from tests.browser.people import claim_the_visitor, log_in, start_chat, visitor_box
from tests.browser.site import NB
from tests.browser.website import Website
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

NEUTRAL = "<!doctype html><html lang=nb><head><meta charset=utf-8><title>Været</title></head>" \
    "<body><h1>Været i dag</h1></body></html>"  # fmt: skip


@pytest.fixture
def chat(tmp_path: Path, website: Website) -> Iterator[ServerProcess]:
    neutral = website.page("weather.html", NEUTRAL)
    proc = ServerProcess(tmp_path / "data", LYKT_QUICK_EXIT_URL=neutral).start()
    try:
        proc.add_staff(HOST_EMAIL, HOST_NAME)
        yield proc
    finally:
        proc.stop()


def storage_is_empty(page: Page) -> bool:
    return bool(page.evaluate("() => sessionStorage.length === 0"))


def test_the_button_ends_the_chat_clears_the_tab_and_back_does_not_show_it(
    chat: ServerProcess, new_page: NewPage
) -> None:
    visitor = new_page(360)
    host = new_page(1280)
    visitor.goto(chat.base_url + "/personvern")  # the page before the chat in this tab
    visitor.keyboard.press("Tab")  # first in the tab order
    expect(visitor.get_by_role("link", name="Rask utgang")).to_be_focused()
    start_chat(visitor, chat.base_url)
    log_in(host, chat.base_url)
    claim_the_visitor(host, visitor)
    visitor_box(visitor).fill("noen kommer")
    assert not storage_is_empty(visitor)

    # On the chat page too it comes before anything else that takes focus.
    first = visitor.evaluate(
        "() => document.querySelector('a[href], button, input, textarea, select, "
        '[tabindex]:not([tabindex="-1"])\').id'
    )
    assert first == "quick-exit"
    visitor.get_by_role("link", name="Rask utgang").focus()
    visitor.keyboard.press("Enter")

    expect(visitor.get_by_role("heading", name="Været i dag")).to_be_visible()
    expect(host.get_by_text("Besøkende gikk raskt ut av chatten")).to_be_visible()

    visitor.go_back()
    assert visitor.url.endswith("/personvern")  # not the chat: it was replaced
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Personvern og taushetsplikt")
    assert storage_is_empty(visitor)
    visitor.goto(chat.base_url + "/")
    expect(visitor.get_by_role("button", name=NB.start)).to_be_visible()  # a fresh start


def test_escape_twice_leaves_too(chat: ServerProcess, new_page: NewPage) -> None:
    visitor = new_page(360)
    start_chat(visitor, chat.base_url)
    assert not storage_is_empty(visitor)
    visitor.keyboard.press("Escape")
    visitor.keyboard.press("Escape")
    expect(visitor.get_by_role("heading", name="Været i dag")).to_be_visible()
    visitor.go_back()  # the chat was the tab's first page: there is nothing of it to go back to
    assert not visitor.url.startswith(chat.base_url)

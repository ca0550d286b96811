"""Reflow at 320 px with text at 200 %, and the chat inside a helpline's own website."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewPage, PageProblems
from tests.browser.people import join_queue
from tests.browser.site import NB, VISITOR_PAGES, VisitorPage
from tests.browser.website import Website
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def zoom_text(page: Page) -> None:
    """What a browser's text zoom to 200 % does to a page sized in rem and em."""
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")


@pytest.mark.parametrize("visitor_page", VISITOR_PAGES, ids=str)
def test_every_page_reflows_at_320_px_with_text_at_200_percent(
    server: ServerProcess, new_page: NewPage, visitor_page: VisitorPage
) -> None:
    page = new_page(320, 640)
    page.goto(server.base_url + visitor_page.path)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "sideways scrolling at 320 px"
    zoom_text(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "sideways scrolling at 320 px, text at 200 %"
    if visitor_page.chat is not None:
        join_queue(page, visitor_page.chat)
        expect(page.get_by_role("textbox", name=visitor_page.chat.message_box)).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the chat scrolls sideways at 200 %"


@pytest.fixture
def chat_for(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        proc = ServerProcess(tmp_path / f"data{len(started)}", **env).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def test_the_snippet_opens_the_chat_in_a_panel_on_an_allowed_site(
    website: Website, chat_for: Callable[..., ServerProcess], new_page: NewPage
) -> None:
    chat = chat_for(LYKT_FRAME_ANCESTORS=f'["{website.origin}"]')
    page = new_page(1024, 800)
    page.goto(website.embed(chat.base_url))
    button = page.get_by_role("button", name="Chat med oss")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    panel = page.frame_locator("iframe[title='Chat med oss']")
    expect(panel.get_by_role("button", name=NB.start)).to_be_visible()
    panel.get_by_role("button", name=NB.start).click()
    expect(panel.get_by_role("heading", name=NB.prechat_heading)).to_be_visible()
    page.get_by_role("button", name="Lukk chatten").click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    assert page.context.cookies() == []


def test_a_site_not_listed_cannot_show_the_chat(
    website: Website,
    chat_for: Callable[..., ServerProcess],
    new_page: NewPage,
    problems: PageProblems,
) -> None:
    chat = chat_for()  # no LYKT_FRAME_ANCESTORS: no site may frame the chat
    page = new_page(1024, 800)
    page.goto(website.embed(chat.base_url))
    with (
        page.expect_response(lambda r: r.url.startswith(chat.base_url + "/?")) as answer,
        page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal,
    ):
        page.get_by_role("button", name="Chat med oss").click()
    assert "frame-ancestors 'none'" in answer.value.headers["content-security-policy"]
    assert "The request has been blocked" in refusal.value.text
    # The browser's refusal is the one console error this test expects.
    problems.items[:] = [p for p in problems.items if "frame-ancestors" not in p]

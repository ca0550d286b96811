"""Phone first (issue 12, item 4), and no traces in the tab's history (item 8).

On narrow screens the header's parts never lie on top of each other; at 360x640 whether the
chat is open and the start button are on the first screen; in the chat the composer is one row
when empty and grows with its text, the Enter hint shows only with a physical keyboard, and
the newest message stays in view, also when the on-screen keyboard takes half the screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import HOST_EMAIL, HOST_NAME, NewPage
from tests.browser.people import join_queue, visitor_box, visitor_log
from tests.browser.site import CHAT_LANGUAGES, VISITOR_PAGES, Language
from tests.browser.website import Website
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

WIDTHS = [(320, 640), (360, 640), (390, 844), (430, 932), (1280, 800)]
NEUTRAL = "<!doctype html><html lang=nb><head><meta charset=utf-8><title>Været</title></head>" \
    "<body><h1>Været i dag</h1></body></html>"  # fmt: skip

# The header's parts: the quick exit (fixed), the brand, and each language link.
_HEADER_BOXES = """
() => [document.getElementById("quick-exit"),
       document.querySelector(".topbar .brand"),
       ...document.querySelectorAll(".topbar .lang-switch a")]
  .filter((el) => el && el.getClientRects().length)
  .map((el) => {
    const r = el.getBoundingClientRect();
    const what = el.id || el.className || el.textContent;
    return { what, x: r.x, y: r.y, w: r.width, h: r.height };
  })
"""


def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def assert_header_clear(page: Page, where: str) -> None:
    boxes = page.evaluate(_HEADER_BOXES)
    assert len(boxes) >= 3, f"{where}: header parts missing: {boxes}"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlaps(a, b), f"{where}: {a['what']} overlaps {b['what']}: {a} {b}"
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert all(box["x"] >= 0 and box["x"] + box["w"] <= width for box in boxes), boxes


def in_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=lambda v: str(v))
def test_the_header_never_overlaps(
    server: ServerProcess, new_page: NewPage, width: int, height: int
) -> None:
    page = new_page(width, height)
    for visitor_page in VISITOR_PAGES:
        page.goto(server.base_url + visitor_page.path)
        assert_header_clear(page, f"{visitor_page.path} at {width}px")


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_status_and_start_button_on_the_first_screen(
    server: ServerProcess, new_page: NewPage, lang: Language
) -> None:
    page = new_page(360, 640, has_touch=True, is_mobile=True)
    page.goto(server.base_url + lang.chat_path)
    expect(page.get_by_role("button", name=lang.words.start)).to_be_visible()
    assert in_first_screen(page, "#open-now"), "whether the chat is open is below the first screen"
    assert in_first_screen(page, "#start-button"), "the start button is below the first screen"


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_closed_status_on_the_first_screen(
    closed_server: ServerProcess, new_page: NewPage, lang: Language
) -> None:
    page = new_page(360, 640, has_touch=True, is_mobile=True)
    page.goto(closed_server.base_url + lang.chat_path)
    expect(page.get_by_text(lang.words.closed)).to_be_visible()
    assert in_first_screen(page, "#closed-title"), '"closed" is below the first screen'


def box_rows(page: Page) -> float:
    """The composer's height in rows of text."""
    return float(
        page.evaluate(
            """() => {
              const box = document.getElementById("message");
              const s = getComputedStyle(box);
              const chrome = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)
                + parseFloat(s.borderTopWidth) + parseFloat(s.borderBottomWidth);
              return (box.getBoundingClientRect().height - chrome) / parseFloat(s.lineHeight);
            }"""
        )
    )


# The last message lies wholly inside the transcript's scrolling area and on the screen.
_NEWEST_IN_VIEW = """() => {
  const items = document.querySelectorAll("#transcript > li");
  const last = items[items.length - 1].getBoundingClientRect();
  const area = document.getElementById("transcript-log").getBoundingClientRect();
  const h = window.visualViewport ? window.visualViewport.height : innerHeight;
  return last.top >= area.top - 1 && last.bottom <= area.bottom + 1 && last.bottom <= h + 1;
}"""


_WHERE = """() => {
  const items = document.querySelectorAll("#transcript > li");
  const last = items[items.length - 1].getBoundingClientRect();
  const s = document.getElementById("transcript-log");
  const area = s.getBoundingClientRect();
  return { last: [last.top, last.bottom], area: [area.top, area.bottom], h: innerHeight,
           scroll: [s.scrollTop, s.scrollHeight, s.clientHeight] };
}"""


def newest_in_view(page: Page) -> bool:
    return bool(page.evaluate(_NEWEST_IN_VIEW))


@pytest.mark.parametrize(("width", "height"), [(320, 640), (360, 640), (390, 844), (1280, 800)])
def test_the_chat_gives_the_transcript_the_screen(
    server: ServerProcess, new_page: NewPage, width: int, height: int
) -> None:
    lang = CHAT_LANGUAGES[0]
    phone = width < 1000
    page = new_page(width, height, has_touch=phone, is_mobile=phone)
    page.goto(server.base_url + lang.chat_path)
    join_queue(page, lang.words)
    assert_header_clear(page, f"the chat at {width}px")
    box, log = visitor_box(page, lang.words), visitor_log(page, lang.words)

    # One row when empty; it grows with what is written, and back to one row once sent.
    assert box_rows(page) < 1.5
    box.fill("en\nto\ntre")
    assert box_rows(page) > 2.5
    box.press("Enter")
    expect(box).to_have_value("")
    assert box_rows(page) < 1.5

    # The Enter hint only where there is a physical keyboard.
    hint = page.locator("#composer-hint")
    if phone:
        expect(hint).to_be_hidden()
    else:
        expect(hint).to_be_visible()

    # Many messages: the newest is in view; still so when the keyboard takes half the screen.
    for n in range(1, 16):
        box.fill(f"Melding {n}")
        box.press("Enter")
    expect(log.locator("li.msg .text").last).to_have_text("Melding 15")
    expect(log.locator("li.pending")).to_have_count(0)
    assert newest_in_view(page)
    page.set_viewport_size({"width": width, "height": height // 2})
    expect(box).to_be_in_viewport()
    try:
        page.wait_for_function(_NEWEST_IN_VIEW, timeout=3000)
    except PlaywrightTimeout:
        where = page.evaluate(_WHERE)
        raise AssertionError(
            f"the newest message went out of view when the screen shrank: {where}"
        ) from None


# -- no traces in the tab's history ------------------------------------------------------------
@pytest.fixture
def chat_with_exit(tmp_path: Path, website: Website) -> Iterator[ServerProcess]:
    neutral = website.page("weather.html", NEUTRAL)
    proc = ServerProcess(tmp_path / "data", LYKT_QUICK_EXIT_URL=neutral).start()
    try:
        proc.add_staff(HOST_EMAIL, HOST_NAME)
        yield proc
    finally:
        proc.stop()


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_back_after_the_quick_exit_shows_no_lykt_page(
    chat_with_exit: ServerProcess, new_page: NewPage, website: Website, lang: Language
) -> None:
    page = new_page(390, 844)
    page.goto(website.page("before.html", NEUTRAL.replace("Været i dag", "Før")))
    page.goto(chat_with_exit.base_url + lang.chat_path)
    # "See who answers" from the chat page, on to the privacy page, and back to the chat.
    page.locator("#view-start .more a").first.click()
    expect(page).to_have_url(f"{chat_with_exit.base_url}/hvem-svarer{lang.query}")
    page.locator(".site-footer a").nth(2).click()
    expect(page).to_have_url(f"{chat_with_exit.base_url}/personvern{lang.query}")
    page.locator(".site-footer a").nth(0).click()
    join_queue(page, lang.words)
    # Once chatting, the pages opened from the chat page's links add no entry either.
    page.reload()
    expect(page.get_by_role("heading", name=lang.words.queue_heading)).to_be_visible()
    page.locator("#quick-exit").click()
    expect(page).to_have_url(f"{website.origin}/weather.html")
    # Back goes to what was open before Lykt, never to a page of ours.
    page.go_back()
    page.wait_for_load_state()
    assert not page.url.startswith(chat_with_exit.base_url), page.url
    assert page.url == f"{website.origin}/before.html"

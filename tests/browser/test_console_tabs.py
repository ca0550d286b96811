"""What a chat tab tells a host without opening it (unread messages, typing, how long the
visitor has waited for a reply, in words as well as colour), what the window title says, and
the host's own canned replies."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import NewPage
from tests.browser.people import host_box, host_log, log_in, send, texts, visitor_box, visitor_log
from tests.browser.test_shift import queue_up
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]


def chat_tab(page: Page, age: int) -> Locator:
    return page.get_by_role("tab", name=re.compile(rf"^Samtale \d+ · {age} år · seg selv"))


def test_tabs_show_unread_typing_and_the_wait_for_a_reply(
    server: ServerProcess, new_page: NewPage
) -> None:
    base = server.base_url
    first, second = new_page(360), new_page(360)
    queue_up(first, base, "12", 1)
    queue_up(second, base, "15", 2)
    host = new_page(1280)
    host.clock.install()  # the console's own clock; the server's runs as usual
    log_in(host, base)
    host.get_by_role("button", name="Ta neste").click()
    host.get_by_role("button", name="Ta neste").click()
    expect(chat_tab(host, 15)).to_have_attribute("aria-selected", "true")
    expect(host).to_have_title("Lykt – vakt")

    # The other chat: its visitor types, then writes; the tab and the title say so.
    quiet = chat_tab(host, 12)
    visitor_box(first).press_sequentially("Hei")
    expect(quiet).to_contain_text("skriver …")
    visitor_box(first).fill("Hei, er det noen der?")
    visitor_box(first).press("Enter")
    expect(quiet).to_contain_text("1 ulest")
    expect(quiet).to_contain_text("Hei, er det noen der?")
    expect(quiet).not_to_contain_text("skriver …")
    expect(host).to_have_title("(1 ulest) Lykt – vakt")
    expect(quiet).to_contain_text(re.compile(r"venter på svar 0:\d\d"))

    # Two minutes on, the wait is marked "lenge"; five, "svært lenge".
    now = datetime.now()
    host.clock.set_system_time(now + timedelta(minutes=2, seconds=10))
    expect(quiet).to_contain_text(re.compile(r"venter på svar 2:1\d"))
    expect(quiet.locator(".tab-level")).to_have_text(re.compile("^lenge$", re.I))
    host.clock.set_system_time(now + timedelta(minutes=5, seconds=10))
    expect(quiet).to_contain_text(re.compile(r"venter på svar 5:1\d"))
    expect(quiet.locator(".tab-level")).to_have_text(re.compile("^svært lenge$", re.I))

    # Opening the chat reads it; a reply ends the wait.
    quiet.click()
    expect(quiet).not_to_contain_text("ulest")
    expect(host).to_have_title("Lykt – vakt")
    send(host_box(host), host_log(host), "Ja, jeg er her.")
    expect(quiet).not_to_contain_text("venter på svar")
    expect(texts(visitor_log(first)).last).to_have_text("Ja, jeg er her.")


def test_a_host_adds_uses_and_deletes_a_canned_reply_of_their_own(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    queue_up(visitor, server.base_url, "12", 1)
    log_in(host, server.base_url)
    host.get_by_role("button", name="Ta neste").click()
    side = host.get_by_role("complementary")
    side.get_by_role("button", name="Mine ferdige svar").click()
    dialog = host.get_by_role("dialog", name="Mine ferdige svar")
    expect(dialog.get_by_text("Du har ingen egne ferdige svar ennå.")).to_be_visible()
    dialog.get_by_label("Tittel").fill("Takk")
    dialog.get_by_label("Tekst").fill("Takk for at du fortalte meg det. Det var modig.")
    dialog.get_by_role("button", name="Lagre").click()
    expect(dialog.get_by_role("listitem")).to_contain_text("Takk (norsk)")
    dialog.get_by_role("button", name="Lukk").click()
    expect(dialog).to_be_hidden()
    box = host_box(host)
    expect(box).to_be_focused()

    box.press("/")
    host.keyboard.type("modig")
    option = host.get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("mitt")
    option.click()
    expect(box).to_have_value("Takk for at du fortalte meg det. Det var modig.")
    expect(host_log(host).locator("li.msg")).to_have_count(0)

    side.get_by_role("button", name="Mine ferdige svar").click()
    dialog.get_by_role("button", name="Slett «Takk»").click()
    expect(dialog.get_by_text("«Takk» er slettet.")).to_be_visible()
    expect(dialog.get_by_role("listitem")).to_have_count(0)
    host.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    box.fill("")
    box.press("/")
    expect(host.get_by_text("Ingen ferdige svar ennå.")).to_be_visible()

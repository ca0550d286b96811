"""What the people in the browser tests do: a visitor starts a chat, a host logs in to the
staff console and takes it. Every step waits for what a person would see."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests import serverproc
from tests.browser.conftest import HOST_EMAIL, HOST_NAME
from tests.browser.site import NB, Language, Words
from tests.conftest import PASSWORD


def start_chat(visitor: Page, base_url: str, age: str = "12", lang: Language | None = None) -> None:
    """From the start page to the queue, by mouse."""
    visitor.goto(base_url + (lang.chat_path if lang else "/"))
    join_queue(visitor, lang.words if lang else NB, age)


def join_queue(visitor: Page, words: Words, age: str = "12") -> None:
    """On the open start page: start, answer the two questions, and wait in the queue."""
    visitor.get_by_role("button", name=words.start).click()
    visitor.get_by_label(words.age, exact=True).fill(age)
    visitor.get_by_label(words.about_self, exact=True).check()
    visitor.get_by_role("button", name=words.go_on).click()
    expect(visitor.get_by_role("heading", name=words.queue_heading)).to_be_visible()
    expect(visitor.get_by_text(words.first_in_queue)).to_be_visible()


def log_in(host: Page, base_url: str, email: str = HOST_EMAIL, otp: str | None = None) -> None:
    """Log in to the console; ``otp`` is the code from the member's authenticator app, by
    default a fresh one from the app the test server keeps for them (when members have one)."""
    if otp is None:
        app = getattr(serverproc, "AUTHENTICATORS", {}).get(email.lower())
        otp = app.code() if app is not None else None
    host.goto(base_url + "/staff")
    host.get_by_label("E-post").fill(email)
    host.get_by_label("Passord").fill(PASSWORD)
    if otp is not None:
        host.get_by_label("Kode fra autentiseringsappen").fill(otp)
    host.get_by_role("button", name="Logg inn").click()
    expect(host.get_by_text("Tilkoblet")).to_be_visible()


def claim_the_visitor(host: Page, visitor: Page, words: Words = NB) -> None:
    """The host takes the only waiting visitor (12 years old, about themself)."""
    entries = host.locator("#queue-list").get_by_role("listitem")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("Under 13 år · seg selv")
    expect(entries).to_contain_text(re.compile(r"venter \d+:\d\d"))
    entries.get_by_role("button", name=re.compile("^Ta samtalen")).click()
    label = re.compile(r"^Samtale \d+ · 12 år · seg selv$")
    expect(host.get_by_role("heading", name=label)).to_be_visible()
    expect(host.get_by_text("Besøkende er på nett")).to_be_visible()
    expect(entries).to_have_count(0)
    heading = words.talking_with.format(name=HOST_NAME)
    expect(visitor.get_by_role("heading", name=heading)).to_be_visible()


def visitor_log(visitor: Page, words: Words = NB) -> Any:
    return visitor.get_by_role("log", name=words.transcript)


def host_log(host: Page) -> Any:
    return host.get_by_role("tabpanel").get_by_role("log")


def visitor_box(visitor: Page, words: Words = NB) -> Any:
    return visitor.get_by_role("textbox", name=words.message_box)


def host_box(host: Page) -> Any:
    return host.get_by_role("textbox", name="Melding til besøkende")


def send(box: Any, log: Any, text: str) -> None:
    """Type a message and press Enter; it is stored (no longer pending) and focus stays."""
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(log.locator("li.msg .text").filter(has_text=text).last).to_be_visible()
    expect(log.locator("li.pending")).to_have_count(0)


def texts(log: Any) -> Any:
    return log.locator("li.msg .text")

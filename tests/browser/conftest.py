"""What every browser test shares: Debian's chromium driven by Playwright, the real server
process, and pages in their own browser contexts.

Needs Debian's chromium at /usr/bin/chromium (never ``playwright install``). Without it the
tests are skipped, or fail when LYKT_REQUIRE_BROWSER=1. The accessibility tests also need
axe-core from npm (``python3 dev.py test`` installs it into tests/browser/node_modules).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.website import Website
from tests.serverproc import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HOST_EMAIL = "kari@example.org"
HOST_NAME = "Kari"
TIMEOUT_MS = 15_000
REQUIRE_BROWSER_ENV = "LYKT_REQUIRE_BROWSER"
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"

expect.set_options(timeout=TIMEOUT_MS)


def missing(reason: str) -> NoReturn:
    """Skip for want of a browser (or its tools); fail instead when CI requires them."""
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# -- the browser and the server ------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The real server, open around the clock, with one host (HOST_EMAIL, HOST_NAME)."""
    proc = ServerProcess(tmp_path / "data").start()
    try:
        proc.add_staff(HOST_EMAIL, HOST_NAME)
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def website(tmp_path: Path) -> Iterator[Website]:
    """Another site on another origin (a helpline's own, or the quick exit's neutral one)."""
    site = Website(tmp_path / "site")
    try:
        yield site
    finally:
        site.httpd.shutdown()
        site.httpd.server_close()


@pytest.fixture
def closed_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The real server following its opening hours: no weekly hours, one extra opening in
    three days, so it is closed now (whenever the test runs) and knows when it opens next.
    The hours are set with the CLI before it starts."""
    proc = ServerProcess(tmp_path / "data", LYKT_OPENING_HOURS="schedule")
    proc.cli("hours", "weekly", "")
    proc.cli("hours", "open", (date.today() + timedelta(days=3)).isoformat(), "15:00-22:00")
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


# -- pages -----------------------------------------------------------------------------------
class PageProblems:
    """Script errors, CSP violations and dialogs (an executed alert) seen on a page."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.items.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or message.type == "warning":
            self.items.append(f"console {message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.items.append(f"dialog: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def problems() -> Iterator[PageProblems]:
    found = PageProblems()
    yield found
    assert found.items == []


#: ``new_page(width=360, **context_options)``: a page in a browser context of its own.
NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser, problems: PageProblems) -> Iterator[NewPage]:
    """A factory for pages, each in a fresh browser context (its own storage and cookies),
    Norwegian by default, watched for script errors; all closed after the test. Extra
    keyword arguments go to ``browser.new_context``."""
    contexts: list[BrowserContext] = []

    def make(width: int = 360, height: int = 800, **options: Any) -> Page:
        options.setdefault("locale", "nb-NO")
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def visitor(new_page: NewPage) -> Page:
    """A visitor on a phone-sized screen."""
    return new_page(360)


@pytest.fixture
def host(new_page: NewPage) -> Page:
    """A host at a desktop-sized screen."""
    return new_page(1280)

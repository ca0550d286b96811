"""A visitor's page is light, talks only to our own server, leaves no cookie and no trace in
caches or referrers, and still works on a slow phone connection.

Every page in site.py's VISITOR_PAGES is checked; extend that list, not this file.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request

from tests.browser.conftest import NewPage
from tests.browser.people import join_queue
from tests.browser.site import VISITOR_PAGES, VisitorPage
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: Everything a page loads, counted uncompressed (what gzip saves is a bonus, not budget).
BUDGET_BYTES = 100 * 1024
#: A slow mobile connection: 400 kbit/s each way, 400 ms round trip.
SLOW = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}
CHAT_PAGES = [p for p in VISITOR_PAGES if p.chat]


class Traffic:
    """Every request a page makes, and every WebSocket it opens."""

    def __init__(self, page: Page) -> None:
        self.requests: list[Request] = []
        self.sockets: list[str] = []
        page.on("request", lambda request: self.requests.append(request))
        page.on("websocket", lambda ws: self.sockets.append(ws.url))

    def foreign(self, base_url: str) -> list[str]:
        """Addresses outside our own origin (http for pages, ws for sockets). ``data:`` URLs
        are not requests on the network (the favicon is ``data:,``)."""
        ours = urlsplit(base_url).netloc
        urls = [r.url for r in self.requests] + self.sockets
        return [
            url
            for url in urls
            if not url.startswith("data:")
            and (urlsplit(url).netloc != ours or urlsplit(url).scheme not in ("http", "ws"))
        ]

    def weight(self) -> tuple[int, int, list[str]]:
        """(uncompressed body bytes, bytes on the wire, one line per response)."""
        plain = wire = 0
        lines = []
        for request in self.requests:
            response = request.response()
            if response is None or request.url.startswith("data:"):
                continue
            body = len(response.body())
            sent = request.sizes()["responseBodySize"]
            plain += body
            wire += sent
            lines.append(f"{body:>8} B ({sent:>7} B sent)  {request.method} {request.url}")
        return plain, wire, lines


@pytest.mark.parametrize("visitor_page", VISITOR_PAGES, ids=str)
def test_a_page_is_light_private_and_our_own(
    server: ServerProcess, new_page: NewPage, visitor_page: VisitorPage
) -> None:
    page = new_page(360)
    traffic = Traffic(page)
    # Until the network is quiet: the page's own follow-up requests (the opening status) count.
    response = page.goto(server.base_url + visitor_page.path, wait_until="networkidle")
    assert response is not None and response.ok

    # Not kept in any cache, and not named to anyone as a referrer.
    assert response.headers.get("cache-control") == "no-store"
    assert response.headers.get("referrer-policy") == "no-referrer"

    plain, wire, lines = traffic.weight()
    listing = "\n".join(lines)
    assert plain < BUDGET_BYTES, (
        f"{visitor_page.path} loads {plain} B uncompressed ({wire} B sent), over the "
        f"{BUDGET_BYTES} B budget:\n{listing}"
    )
    assert wire <= plain, listing
    assert traffic.foreign(server.base_url) == []
    assert page.context.cookies() == []

    if visitor_page.chat:
        join_queue(page, visitor_page.chat)
        assert traffic.sockets, "the chat opened no WebSocket"
        assert traffic.foreign(server.base_url) == []
        assert page.context.cookies() == []
        assert page.evaluate("document.cookie") == ""


@pytest.mark.parametrize("visitor_page", CHAT_PAGES, ids=str)
def test_the_chat_starts_on_a_slow_connection(
    server: ServerProcess, new_page: NewPage, visitor_page: VisitorPage
) -> None:
    assert visitor_page.chat is not None
    page = new_page(360)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW)

    page.goto(server.base_url + visitor_page.path)  # returns at the load event
    # Once the page has loaded, the start button is there and does its work.
    start = page.get_by_role("button", name=visitor_page.chat.start)
    assert start.is_visible() and start.is_enabled()
    join_queue(page, visitor_page.chat)

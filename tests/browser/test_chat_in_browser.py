"""The chat in a real browser: a visitor and a host, each in their own browser context, talk
through the real server process. Every check is something a person would see on the screen.

The browser, the server and the pages come from conftest.py; what the people do, from
people.py.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.browser.conftest import HOST_NAME
from tests.browser.people import (
    claim_the_visitor,
    host_box,
    host_log,
    log_in,
    send,
    start_chat,
    texts,
    visitor_box,
    visitor_log,
)
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

XSS = "<img src=x onerror=alert(1)>"


# -- the scenarios ---------------------------------------------------------------------------
def test_a_visitor_and_host_talk_and_html_stays_text(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    start_chat(visitor, server.base_url)
    history_length = visitor.evaluate("history.length")

    log_in(host, server.base_url)
    expect(host).to_have_title(re.compile(r"^\(1\) "))
    claim_the_visitor(host, visitor)
    expect(host).not_to_have_title(re.compile(r"^\("))

    send(visitor_box(visitor), visitor_log(visitor), "Hei, jeg lurer på noe om pappa.")
    expect(texts(host_log(host))).to_have_text(["Hei, jeg lurer på noe om pappa."])

    send(host_box(host), host_log(host), "Hei! Så fint at du skriver. Hva lurer du på?")
    expect(texts(visitor_log(visitor))).to_have_text(
        ["Hei, jeg lurer på noe om pappa.", "Hei! Så fint at du skriver. Hva lurer du på?"]
    )
    expect(visitor_log(visitor).locator("li.msg").last).to_contain_text(HOST_NAME)

    # Shift+Enter makes a new line; Enter sends.
    box = visitor_box(visitor)
    box.press_sequentially("Får jeg besøke ham?")
    box.press("Shift+Enter")
    box.press_sequentially("Han er i et fengsel langt unna.")
    expect(box).to_have_value("Får jeg besøke ham?\nHan er i et fengsel langt unna.")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(texts(host_log(host)).last).to_have_js_property(
        "textContent", "Får jeg besøke ham?\nHan er i et fengsel langt unna."
    )

    # HTML from the other side is shown as the characters it is made of.
    send(host_box(host), host_log(host), XSS)
    expect(texts(visitor_log(visitor)).last).to_have_js_property("textContent", XSS)
    expect(visitor_log(visitor).locator("img")).to_have_count(0)
    expect(host_log(host).locator("img")).to_have_count(0)
    send(visitor_box(visitor), visitor_log(visitor), "<b>fet</b> & <script>x()</script>")
    expect(texts(host_log(host)).last).to_have_js_property(
        "textContent", "<b>fet</b> & <script>x()</script>"
    )
    expect(host_log(host).locator("b, script")).to_have_count(0)
    expect(texts(visitor_log(visitor))).to_have_count(5)

    # Moving between the steps added nothing to the browser's history.
    assert visitor.evaluate("history.length") == history_length


def test_b_reload_resumes_the_same_conversation(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)

    earlier = ["Hei, er det noen der?", "Ja, jeg er her. Hva har skjedd?", "Mamma er i fengsel."]
    send(visitor_box(visitor), visitor_log(visitor), earlier[0])
    send(host_box(host), host_log(host), earlier[1])
    send(visitor_box(visitor), visitor_log(visitor), earlier[2])
    expect(texts(visitor_log(visitor))).to_have_text(earlier)
    expect(texts(host_log(host))).to_have_text(earlier)
    token = visitor.evaluate("sessionStorage.getItem('lykt.token')")
    assert token

    # The reload is held while the new page's script loads; meanwhile the host, who sees the
    # visitor go offline, writes one more message.
    during = "Er du der fortsatt? Jeg venter på deg."
    failures: list[BaseException] = []

    def host_writes_while_page_loads(route: Route) -> None:
        try:
            expect(host.get_by_text("Besøkende er ikke på nett nå")).to_be_visible()
            send(host_box(host), host_log(host), during)
        except BaseException as exc:
            failures.append(exc)
        finally:
            route.continue_()

    visitor.route("**/static/visitor.js", host_writes_while_page_loads)
    visitor.reload()
    visitor.unroute("**/static/visitor.js")
    if failures:
        raise failures[0]

    expect(visitor.get_by_role("heading", name=f"Du snakker med {HOST_NAME}")).to_be_visible()
    expect(texts(visitor_log(visitor))).to_have_text([*earlier, during])
    expect(host.get_by_text("Besøkende er på nett")).to_be_visible()

    # The resumed conversation goes on, both ways, without copies.
    after = "Ja, jeg er her. Siden lastet bare på nytt."
    send(visitor_box(visitor), visitor_log(visitor), after)
    expect(texts(host_log(host))).to_have_text([*earlier, during, after])
    expect(texts(visitor_log(visitor))).to_have_text([*earlier, during, after])

    # The token is in this tab's sessionStorage only: no cookie, nothing in localStorage.
    assert visitor.evaluate("sessionStorage.getItem('lykt.token')") == token
    assert visitor.evaluate("document.cookie") == ""
    assert visitor.evaluate("localStorage.length") == 0
    assert visitor.context.cookies() == []


def test_c_typing_shows_and_host_ends_the_chat(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)

    host_typing = host.get_by_role("tabpanel").get_by_text("Besøkende skriver …")
    visitor_typing = visitor.get_by_text(f"{HOST_NAME} skriver …")

    visitor_box(visitor).press_sequentially("Jeg vet ikke helt hvordan")
    expect(host_typing).to_be_visible()
    visitor_box(visitor).fill("Jeg vet ikke helt hvordan jeg skal si det.")
    visitor_box(visitor).press("Enter")
    expect(host_typing).to_be_hidden()
    expect(texts(host_log(host))).to_have_text(["Jeg vet ikke helt hvordan jeg skal si det."])

    host_box(host).press_sequentially("Ta den tiden du")
    expect(visitor_typing).to_be_visible()
    # After a few seconds without typing, the indicator goes away by itself.
    expect(visitor_typing).to_be_hidden()
    host_box(host).fill("")

    host.get_by_role("button", name="Avslutt").click()
    host.get_by_role("button", name="Ja, avslutt").click()
    expect(host.get_by_text("Samtalen er avsluttet av deg.")).to_be_visible()

    expect(visitor.get_by_role("heading", name="Samtalen er avsluttet")).to_be_visible()
    expect(visitor.get_by_text(f"{HOST_NAME} avsluttet samtalen.")).to_be_visible()
    expect(visitor_box(visitor)).to_be_hidden()
    expect(texts(visitor_log(visitor))).to_have_text(["Jeg vet ikke helt hvordan jeg skal si det."])

    # The ended chat stays until the host has wrapped it up, then folds away; the visitor may
    # start afresh.
    side = host.get_by_role("complementary")
    expect(side.get_by_role("heading", name="Oppsummering")).to_be_visible()
    side.get_by_role("checkbox", name="Følelser", exact=True).check()
    side.get_by_role("button", name="Lagre oppsummering").click()
    expect(host.get_by_text("Du har ingen samtaler nå.")).to_be_visible()
    expect(host.get_by_role("tab")).to_have_count(0)
    visitor.get_by_role("button", name="Start en ny chat").click()
    expect(visitor.get_by_role("heading", name="Før vi begynner")).to_be_visible()
    assert visitor.evaluate("sessionStorage.getItem('lykt.token')") is None


class FlakyLink:
    """Sits between the visitor's page and the server: every ``message.posted`` reaches the
    page twice (as after a resume), one ``message.send`` can be lost on the way, and the link
    can be cut (the page then reconnects into a socket nobody answers until it is restored)."""

    def __init__(self) -> None:
        self.down = False
        self.lose_next_send = False
        self.lost: list[str] = []
        self.current: tuple[WebSocketRoute, WebSocketRoute] | None = None
        self.hanging: list[WebSocketRoute] = []

    def handle(self, page_side: WebSocketRoute) -> None:
        if self.down:
            self.hanging.append(page_side)  # open for the page, but no server behind it
            return
        server_side = page_side.connect_to_server()
        self.current = (page_side, server_side)

        def to_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "message.send" and self.lose_next_send:
                self.lose_next_send = False
                self.lost.append(frame["text"])
                return
            server_side.send(message)

        def to_page(message: str | bytes) -> None:
            page_side.send(message)
            if json.loads(message).get("type") == "message.posted":
                page_side.send(message)

        page_side.on_message(to_server)
        server_side.on_message(to_page)

    def cut(self) -> None:
        assert self.current is not None
        self.down = True
        page_side, server_side = self.current
        server_side.close(code=1000)
        page_side.close(code=1012, reason="service restarting")

    def restore(self) -> None:
        self.down = False
        for page_side in self.hanging:
            page_side.close(code=1013, reason="try again")


def test_d_a_flaky_link_loses_nothing_and_shows_nothing_twice(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    link = FlakyLink()
    visitor.route_web_socket(re.compile(r"/ws/visitor$"), link.handle)
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)

    # Every message reaches the visitor's page twice, and is shown once.
    send(visitor_box(visitor), visitor_log(visitor), "Hei, kan jeg spørre om noe?")
    send(host_box(host), host_log(host), "Ja, selvfølgelig.")
    expect(texts(visitor_log(visitor))).to_have_text(
        ["Hei, kan jeg spørre om noe?", "Ja, selvfølgelig."]
    )

    # A message lost on the way stays pending ("Sender …"), in the tab's outbox.
    link.lose_next_send = True
    visitor_box(visitor).fill("Denne forsvant på veien.")
    visitor_box(visitor).press("Enter")
    pending = visitor_log(visitor).locator("li.pending")
    expect(pending).to_contain_text("Denne forsvant på veien.")
    expect(pending).to_contain_text("Sender …")
    assert link.lost == ["Denne forsvant på veien."]

    # The link drops; the page says it is reconnecting, and the host sees the visitor offline.
    link.cut()
    expect(visitor.get_by_text("Kobler til igjen …")).to_be_visible()
    expect(host.get_by_text("Besøkende er ikke på nett nå")).to_be_visible()
    visitor_box(visitor).fill("Denne skrev jeg mens linja var nede.")
    visitor_box(visitor).press("Enter")
    expect(pending).to_have_count(2)
    outbox = json.loads(visitor.evaluate("sessionStorage.getItem('lykt.outbox')"))
    assert [m["text"] for m in outbox] == [
        "Denne forsvant på veien.",
        "Denne skrev jeg mens linja var nede.",
    ]

    # Back again: both are sent with their first client ids, stored once, shown once.
    link.restore()
    everything = [
        "Hei, kan jeg spørre om noe?",
        "Ja, selvfølgelig.",
        "Denne forsvant på veien.",
        "Denne skrev jeg mens linja var nede.",
    ]
    expect(texts(host_log(host))).to_have_text(everything)
    expect(texts(visitor_log(visitor))).to_have_text(everything)
    expect(pending).to_have_count(0)
    expect(visitor.get_by_text("Kobler til igjen …")).to_be_hidden()
    expect(host.get_by_text("Besøkende er på nett")).to_be_visible()
    assert json.loads(visitor.evaluate("sessionStorage.getItem('lykt.outbox')")) == []


def test_e_a_conversation_that_is_gone_says_so(server: ServerProcess, visitor: Page) -> None:
    visitor.goto(server.base_url + "/")
    visitor.evaluate("sessionStorage.setItem('lykt.token', 'no-such-conversation')")
    visitor.reload()
    expect(visitor.get_by_role("heading", name="Samtalen finnes ikke lenger")).to_be_visible()
    assert visitor.evaluate("sessionStorage.getItem('lykt.token')") is None
    visitor.get_by_role("button", name="Start en ny chat").click()
    expect(visitor.get_by_role("heading", name="Før vi begynner")).to_be_visible()


def test_f_both_sides_come_back_after_a_server_restart(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)
    send(visitor_box(visitor), visitor_log(visitor), "Før omstarten.")
    expect(texts(host_log(host))).to_have_text(["Før omstarten."])

    server.kill()
    expect(visitor.get_by_text("Kobler til igjen …")).to_be_visible()
    expect(host.get_by_text("Kobler til igjen …")).to_be_visible()
    visitor_box(visitor).fill("Skrevet mens tjenesten var borte.")
    visitor_box(visitor).press("Enter")
    expect(visitor_log(visitor).locator("li.pending")).to_have_count(1)

    server.start()
    expect(host.get_by_text("Tilkoblet")).to_be_visible()
    expect(visitor.get_by_text("Kobler til igjen …")).to_be_hidden()
    expect(visitor_log(visitor).locator("li.pending")).to_have_count(0)
    both = ["Før omstarten.", "Skrevet mens tjenesten var borte."]
    expect(texts(host_log(host))).to_have_text(both)
    send(host_box(host), host_log(host), "Nå er alt i orden igjen.")
    expect(texts(visitor_log(visitor))).to_have_text([*both, "Nå er alt i orden igjen."])


def test_f_the_visitor_switches_to_english_and_back(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    visitor.goto(server.base_url + "/")
    expect(visitor.locator("html")).to_have_attribute("lang", "nb")
    visitor.get_by_role("link", name="English").click()
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.get_by_role("heading", name="Chat with us", level=1)).to_be_visible()
    # Every internal link keeps the language.
    visitor.get_by_role("navigation", name="About the chat").get_by_role(
        "link", name="Privacy and confidentiality"
    ).click()
    expect(visitor).to_have_url(re.compile(r"/personvern\?lang=en$"))
    expect(visitor.get_by_role("heading", name="You are anonymous")).to_be_visible()
    visitor.get_by_role("link", name="Chat with us").click()

    # The chat itself speaks English, words from the script included.
    visitor.get_by_role("button", name="Start the chat").click()
    visitor.get_by_role("button", name="Continue").click()
    expect(visitor.get_by_role("alert")).to_contain_text("Write how old you are")
    visitor.get_by_label("Age", exact=True).fill("15")
    visitor.get_by_label("A friend").check()
    visitor.get_by_role("button", name="Continue").click()
    expect(visitor.get_by_role("heading", name="Waiting for your turn")).to_be_visible()
    expect(visitor.get_by_text("You are number 1 in the queue")).to_be_visible()
    log_in(host, server.base_url)
    entries = host.locator("#queue-list").get_by_role("listitem")
    entries.get_by_role("button", name=re.compile("^Ta samtalen")).click()
    expect(visitor.get_by_role("heading", name=f"You are talking with {HOST_NAME}")).to_be_visible()
    box = visitor.get_by_role("textbox", name="Write a message")
    send(box, visitor.get_by_role("log", name="Messages in the conversation"), "Hello!")

    # Back to bokmål mid-chat: the same conversation, now in bokmål, and no cookie anywhere.
    visitor.get_by_role("link", name="Norsk bokmål").click()
    expect(visitor.get_by_role("heading", name=f"Du snakker med {HOST_NAME}")).to_be_visible()
    expect(texts(visitor_log(visitor))).to_have_text(["Hello!"])
    assert visitor.context.cookies() == []

"""The visitor's page when the person answering changes: someone takes over, a colleague joins
to help, or the host is gone and the visitor is back in front of the queue. Each is said
kindly in the transcript (the role=log region screen readers follow), the heading follows,
the box to write in stays usable, and axe-core finds nothing in these states.

The first test puts the server's frames (docs/protocol.md, "Visitor socket") into the real
server's stream on the way to the page, so the page is checked on its words in every
language and by axe in each state; the second has the real server send them: a supervisor
joins and takes over from a staff socket, then her connection is lost past the grace period.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import AXE_JS, HOST_EMAIL, HOST_NAME, NewPage, missing
from tests.browser.people import (
    claim_the_visitor,
    host_box,
    host_log,
    join_queue,
    log_in,
    send,
    start_chat,
    texts,
    visitor_box,
    visitor_log,
)
from tests.browser.site import CHAT_LANGUAGES, NB, Language, Words
from tests.browser.test_accessibility import Axe
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

SUPERVISOR_NAME = "Siri"


@dataclass(frozen=True)
class Said:
    """What the page says when the person answering changes ({name}: who)."""

    took_over: str
    joined_too: str
    host_left: str


SAID = {
    "nb": Said(
        took_over="Nå er det {name} som svarer deg. Du trenger ikke å skrive alt på nytt.",
        joined_too="{name} er også med i samtalen nå, for å hjelpe til.",
        host_left=(
            "{name} mistet kontakten med chatten. Det er ikke din feil. Du står fremst i køen "
            "igjen. Den første voksne som blir ledig, svarer deg."
        ),
    ),
    "en": Said(
        took_over="{name} is talking with you now. You do not need to write it all again.",
        joined_too="{name} has joined the chat too, to help.",
        host_left=(
            "{name} lost the connection to the chat. It is not your fault. You are at the front "
            "of the queue again. The first adult who is free will answer you."
        ),
    ),
}


@pytest.fixture
def axe() -> Axe:
    if not AXE_JS.exists():
        missing(f"axe-core is not installed at {AXE_JS} (see test_accessibility.py)")
    return Axe(str(AXE_JS))


class Relay:
    """Passes the visitor's socket through to the real server and can add frames of the
    server's own on the way to the page."""

    def __init__(self) -> None:
        self.page_side: WebSocketRoute | None = None

    def handle(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        page_side.on_message(server_side.send)
        server_side.on_message(page_side.send)
        self.page_side = page_side

    def tell(self, frame: dict[str, object]) -> None:
        assert self.page_side is not None, "the page has no socket"
        self.page_side.send(json.dumps(frame))


def notices(visitor: Page, words: Words = NB) -> Any:
    """The lines in the transcript about who is there (not messages)."""
    return visitor_log(visitor, words).locator("li.event")


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_take_over_a_colleague_and_a_lost_host_are_told_kindly(
    server: ServerProcess, new_page: NewPage, host: Page, axe: Axe, lang: Language
) -> None:
    words, said = lang.words, SAID[lang.code]
    visitor = new_page(360, bypass_csp=True)  # only so that axe can be injected
    relay = Relay()
    visitor.route_web_socket(re.compile(r"/ws/visitor$"), relay.handle)

    # The page sends its language with the new chat.
    visitor.goto(server.base_url + lang.chat_path)
    with visitor.expect_request(re.compile(r"/api/conversations$")) as started:
        join_queue(visitor, words)
    assert started.value.post_data_json["lang"] == lang.code

    log_in(host, server.base_url)
    claim_the_visitor(host, visitor, words)
    send(visitor_box(visitor, words), visitor_log(visitor, words), "Hei, er det noen der?")
    send(host_box(host), host_log(host), "Hei! Jeg er her.")
    expect(notices(visitor, words)).to_have_count(0)

    # A supervisor takes over: the heading names them, the transcript says so after the
    # messages, and what the visitor writes still goes.
    relay.tell({"type": "host.joined", "host_name": SUPERVISOR_NAME, "change": "took_over"})
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        words.talking_with.format(name=SUPERVISOR_NAME)
    )
    expect(notices(visitor, words)).to_have_text([said.took_over.format(name=SUPERVISOR_NAME)])
    expect(visitor_log(visitor, words).locator("li").last).to_have_class(re.compile(r"\bevent\b"))
    send(visitor_box(visitor, words), visitor_log(visitor, words), "Ok, hei Siri.")
    expect(visitor_log(visitor, words).locator("li").last).to_contain_text("Ok, hei Siri.")
    axe.check(visitor, "someone took over")

    # A colleague joins to help: said too, and the heading stays.
    relay.tell({"type": "host.joined", "host_name": HOST_NAME, "change": "joined"})
    expect(notices(visitor, words).last).to_have_text(said.joined_too.format(name=HOST_NAME))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        words.talking_with.format(name=SUPERVISOR_NAME)
    )

    # The host is gone: told kindly, back in the queue (in front), and still able to write.
    relay.tell({"type": "host.left"})
    relay.tell({"type": "queue.position", "position": 1, "estimated_minutes": None})
    expect(notices(visitor, words).last).to_have_text(said.host_left.format(name=SUPERVISOR_NAME))
    expect(visitor.get_by_role("heading", name=words.queue_heading)).to_be_visible()
    expect(visitor.get_by_text(words.first_in_queue)).to_be_visible()
    expect(visitor.get_by_role("button", name=words.end_chat)).to_be_hidden()
    expect(visitor_box(visitor, words)).to_be_editable()
    send(visitor_box(visitor, words), visitor_log(visitor, words), "Jeg venter.")
    expect(texts(visitor_log(visitor, words))).to_have_text(
        ["Hei, er det noen der?", "Hei! Jeg er her.", "Ok, hei Siri.", "Jeg venter."]
    )
    axe.check(visitor, "back in the queue after the host was lost")

    # Someone takes the chat again: the first-host words, and the notices stay where they were.
    relay.tell({"type": "host.joined", "host_name": HOST_NAME})
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        words.talking_with.format(name=HOST_NAME)
    )
    expect(visitor.get_by_role("button", name=words.end_chat)).to_be_visible()
    expect(notices(visitor, words)).to_have_count(3)
    axe.assert_none()


# -- with the real server's frames -------------------------------------------------------------
SUPERVISOR_EMAIL = "siri@example.org"

_OPEN_STAFF_SOCKET = """
() => new Promise((ready, failed) => {
  const socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/staff");
  socket.onmessage = (event) => {
    if (JSON.parse(event.data).type === "welcome") {
      window.testSocket = socket;
      ready();
    }
  };
  socket.onclose = (event) => failed(new Error("closed " + event.code));
})
"""


@pytest.fixture
def quick_grace_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The real server with a host (Kari) and a supervisor (Siri), where a host whose
    connection is gone for a second gives their chats back to the queue."""
    proc = ServerProcess(
        tmp_path / "data", LYKT_HOST_GRACE_SECONDS="1", LYKT_JOBS_INTERVAL_S="0.2"
    ).start()
    try:
        proc.add_staff(HOST_EMAIL, HOST_NAME)
        proc.add_staff(SUPERVISOR_EMAIL, SUPERVISOR_NAME, "supervisor")
        yield proc
    finally:
        proc.stop()


def test_a_supervisor_joins_and_takes_over_then_drops_and_the_visitor_is_told(
    quick_grace_server: ServerProcess, visitor: Page, host: Page, new_page: NewPage
) -> None:
    server, words, said = quick_grace_server, NB, SAID["nb"]
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)
    send(visitor_box(visitor), visitor_log(visitor), "Hei, er det noen der?")
    conversation_id = visitor.evaluate("sessionStorage.getItem('lykt.conversation_id')")

    # The supervisor, from a staff socket of her own (what the console's buttons send).
    siri = new_page(1280)
    log_in(siri, server.base_url, SUPERVISOR_EMAIL)
    siri.evaluate(_OPEN_STAFF_SOCKET)

    def staff_send(frame: dict[str, object]) -> None:
        siri.evaluate("frame => window.testSocket.send(JSON.stringify(frame))", frame)

    staff_send({"type": "supervisor.join", "conversation_id": conversation_id})
    expect(notices(visitor)).to_have_text([said.joined_too.format(name=SUPERVISOR_NAME)])
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        words.talking_with.format(name=HOST_NAME)
    )

    staff_send({"type": "supervisor.takeover", "conversation_id": conversation_id})
    expect(notices(visitor).last).to_have_text(said.took_over.format(name=SUPERVISOR_NAME))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        words.talking_with.format(name=SUPERVISOR_NAME)
    )
    send(visitor_box(visitor), visitor_log(visitor), "Hei Siri.")

    # Siri's connection is lost (her tab closes): past the grace period the visitor is told,
    # and waits in front of the queue with the box to write in still there.
    siri.close()
    expect(notices(visitor).last).to_have_text(said.host_left.format(name=SUPERVISOR_NAME))
    expect(visitor.get_by_role("heading", name=words.queue_heading)).to_be_visible()
    expect(visitor.get_by_text(words.first_in_queue)).to_be_visible()
    send(visitor_box(visitor), visitor_log(visitor), "Jeg venter her.")
    expect(texts(visitor_log(visitor))).to_have_text(
        ["Hei, er det noen der?", "Hei Siri.", "Jeg venter her."]
    )

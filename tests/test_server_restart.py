"""The real server process is killed (SIGKILL) mid-conversation and started again: both sides
resume, nothing acked is lost, nothing is doubled."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.serverproc import ServerProcess

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data")
    proc.data_dir.mkdir(parents=True)
    proc.add_staff("kari@example.org", "Kari")
    proc.start()
    yield proc
    proc.stop()


class Peer:
    """A minimal client: transcript by seq, outbox until acked, resume from last_seq."""

    def __init__(
        self,
        server: ServerProcess,
        path: str,
        hello: dict[str, Any] | None,
        cookie: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        self.server = server
        self.path = path
        self.hello = hello
        self.cookie = cookie
        self.conversation_id = conversation_id
        self.transcript: dict[int, str] = {}
        self.outbox: dict[str, str] = {}
        self.acked: dict[str, int] = {}
        self.ws: ClientConnection | None = None
        self.stack = contextlib.ExitStack()

    def last_seq(self) -> int:
        seq = 0
        while seq + 1 in self.transcript:
            seq += 1
        return seq

    def connect(self) -> dict[str, Any]:
        headers = {"Cookie": f"lykt_staff={self.cookie}"} if self.cookie else None
        self.stack.close()
        self.ws = self.stack.enter_context(
            connect(self.server.ws_url + self.path, additional_headers=headers, open_timeout=10)
        )
        if self.hello is not None:
            self.ws.send(json.dumps({**self.hello, "last_seq": self.last_seq()}))
        welcome = self.recv()
        assert welcome["type"] == "welcome"
        if self.hello is not None:
            messages = welcome["messages"]
        else:
            messages = [
                m
                for c in welcome["conversations"]
                if c["conversation_id"] == self.conversation_id
                for m in c["messages"]
            ]
        for m in messages:
            self.take(m)
        for client_id, text in list(self.outbox.items()):
            self.send_raw(client_id, text)
        return welcome

    def recv(self) -> dict[str, Any]:
        assert self.ws is not None
        frame: dict[str, Any] = json.loads(self.ws.recv(timeout=10))
        return frame

    def take(self, m: dict[str, Any]) -> None:
        if self.hello is not None:  # visitors resume from last_seq: a repeat is a bug
            assert m["seq"] not in self.transcript, f"seq {m['seq']} delivered twice"
        self.transcript[m["seq"]] = m["text"]

    def handle(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "message.posted":
            self.take(frame)
        elif frame["type"] == "message.ack":
            self.acked[frame["client_id"]] = frame["seq"]
            self.outbox.pop(frame["client_id"], None)
        elif frame["type"] == "ping":
            assert self.ws is not None
            self.ws.send('{"type": "pong"}')

    def send_raw(self, client_id: str, text: str) -> None:
        frame: dict[str, Any] = {"type": "message.send", "client_id": client_id, "text": text}
        if self.conversation_id and self.hello is None:
            frame["conversation_id"] = self.conversation_id
        assert self.ws is not None
        self.ws.send(json.dumps(frame))

    def send(self, client_id: str, text: str, wait: bool = True) -> None:
        self.outbox[client_id] = text
        self.send_raw(client_id, text)
        while wait and client_id not in self.acked:
            self.handle(self.recv())

    def settle(self, last_seq: int) -> None:
        while self.outbox or self.last_seq() < last_seq:
            self.handle(self.recv())


def start_chat(visitor_side: ServerProcess, host_side: ServerProcess) -> tuple[Peer, Peer]:
    """A visitor on one server, Kari logged in on the other (or the same) and holding the
    chat: both connected, the claim answered with the history."""
    conv = httpx.post(
        visitor_side.base_url + "/api/conversations", json={"age": 15, "about": "self"}
    ).json()
    login = httpx.post(
        host_side.base_url + "/api/staff/login",
        json=host_side.login_body("kari@example.org"),
    )
    cid = conv["conversation_id"]
    visitor = Peer(visitor_side, "/ws/visitor", {"type": "hello", "token": conv["token"]})
    host = Peer(
        host_side, "/ws/staff", None, cookie=login.cookies["lykt_staff"], conversation_id=cid
    )
    visitor.connect()
    host.connect()
    assert host.ws is not None
    host.ws.send(json.dumps({"type": "conversation.claim", "conversation_id": cid}))
    while host.recv()["type"] != "conversation.history":
        pass
    return visitor, host


def test_killed_server_restarts_and_both_sides_resume_with_nothing_lost(
    server: ServerProcess,
) -> None:
    visitor, host = start_chat(server, server)
    for i in range(5):
        visitor.send(f"v{i}", f"visitor says {i}")
        host.send(f"h{i}", f"host says {i}")
    # In flight at the moment of the crash: sent, not yet acked.
    visitor.send("v-crash", "sent as the power went", wait=False)
    host.send("h-crash", "host sent as the power went", wait=False)
    acked_before = {**visitor.acked, **host.acked}

    server.kill()
    for peer in (visitor, host):
        with pytest.raises((ConnectionClosed, TimeoutError, OSError)):  # the link is gone
            while True:
                peer.handle(peer.recv())
    server.start()

    visitor.connect()
    host.connect()
    total = 12  # 5 + 5 + the two that were in flight
    visitor.settle(total)
    host.settle(total)
    assert visitor.transcript == host.transcript
    assert sorted(visitor.transcript) == list(range(1, total + 1))
    texts = list(visitor.transcript.values())
    assert len(texts) == len(set(texts)), "a message was stored twice"
    assert "sent as the power went" in texts
    assert "host sent as the power went" in texts
    # whatever was acked before the crash kept its seq
    for client_id, seq in acked_before.items():
        assert {**visitor.acked, **host.acked}[client_id] == seq
    assert not visitor.outbox and not host.outbox
    visitor.stack.close()
    host.stack.close()

"""Property: whatever the order of sends, drops, duplicates and reconnects, each side ends with
exactly the database's transcript, and no socket ever delivers a seq twice or out of order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lykt.actions.conversations import conversation_view
from lykt.app import create_app
from lykt.settings import Settings
from tests.conftest import (
    add_staff,
    database_for,
    new_conversation,
    staff_socket,
    staff_token,
)


@dataclass
class Side:
    """A client as the browser is one: an outbox of unacked messages, a transcript by seq."""

    name: str
    client: TestClient
    path: str
    first_frame: dict[str, Any] | None
    conversation_id: str
    headers: dict[str, str] = field(default_factory=dict)
    ws: Any = None
    cm: Any = None
    transcript: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    outbox: dict[str, str] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    counter: int = 0
    socket_seqs: list[int] = field(default_factory=list)

    def last_seq(self) -> int:
        seq = 0
        while seq + 1 in self.transcript:
            seq += 1
        return seq

    def connect(self) -> None:
        assert self.ws is None
        self.cm = self.client.websocket_connect(self.path, headers=self.headers)
        self.ws = self.cm.__enter__()
        self.socket_seqs = []
        if self.first_frame is not None:  # visitor
            self.ws.send_json({**self.first_frame, "last_seq": self.last_seq()})
        welcome = self.ws.receive_json()
        assert welcome["type"] == "welcome"
        if self.first_frame is None:  # staff: the welcome carries whole chats; it replaces state
            self.transcript = {}
            [conv] = [
                c for c in welcome["conversations"] if c["conversation_id"] == self.conversation_id
            ]
            messages = conv["messages"]
        else:
            messages = welcome["messages"]
        for m in messages:
            self.record(m)
        for client_id, text in list(self.outbox.items()):
            self._send(client_id, text)
            self.read_until_ack(client_id)

    def drop(self) -> None:
        if self.ws is not None:
            self.cm.__exit__(None, None, None)
            self.ws = None
            self.cm = None

    def record(self, m: dict[str, Any]) -> None:
        seq = m["seq"]
        assert not self.socket_seqs or seq > self.socket_seqs[-1], (
            f"{self.name} got seq {seq} after {self.socket_seqs[-1]} on one socket"
        )
        self.socket_seqs.append(seq)
        entry = (m["sender"], m["client_id"], m["text"])
        if seq in self.transcript:
            raise AssertionError(f"{self.name} received seq {seq} twice")
        self.transcript[seq] = entry

    def handle(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "message.posted":
            self.record(frame)
        elif frame["type"] == "message.ack":
            self.acked[frame["client_id"]] = frame["seq"]
            self.outbox.pop(frame["client_id"], None)
        elif frame["type"] == "error":
            raise AssertionError(f"{self.name} got an error: {frame}")

    def _send(self, client_id: str, text: str) -> None:
        frame = {"type": "message.send", "client_id": client_id, "text": text}
        if self.first_frame is None:
            frame["conversation_id"] = self.conversation_id
        self.ws.send_json(frame)

    def read_until_ack(self, client_id: str) -> int:
        while client_id not in self.acked:
            self.handle(self.ws.receive_json())
        return self.acked[client_id]

    def send(self, text: str, *, drop_before_ack: bool = False) -> None:
        self.counter += 1
        client_id = f"{self.name}-{self.counter}"
        self.outbox[client_id] = text
        if self.ws is None:
            return  # offline: stays in the outbox until the next connect
        self._send(client_id, text)
        if drop_before_ack:
            self.drop()
        else:
            self.read_until_ack(client_id)

    def resend_last_acked(self) -> None:
        if self.ws is None or not self.acked:
            return
        client_id, seq = max(self.acked.items(), key=lambda kv: kv[1])
        sender = "visitor" if self.first_frame is not None else "host"
        text = (
            next(t for s, c, t in self.transcript.values() if c == client_id and s == sender)
            if any(c == client_id for _, c, _ in self.transcript.values())
            else "resend"
        )
        del self.acked[client_id]
        self._send(client_id, text)
        assert self.read_until_ack(client_id) == seq  # the original seq, not a new one

    def catch_up(self, last_seq: int) -> None:
        if self.ws is None:
            self.connect()
        while self.outbox:
            self.read_until_ack(next(iter(self.outbox)))
        while self.last_seq() < last_seq:
            self.handle(self.ws.receive_json())


OPS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["visitor", "host"]),
            st.just("send"),
            # Any text the service stores (U+0000 is refused, see test_messages.py).
            st.text(
                st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30
            ).filter(lambda s: s.strip() != ""),
        ),
        st.tuples(
            st.sampled_from(["visitor", "host"]),
            st.sampled_from(["send_then_drop", "drop", "reconnect", "resend"]),
            st.just("x"),
        ),
    ),
    max_size=25,
)


@pytest.fixture(scope="module")
def shared_client(
    request: pytest.FixtureRequest, db_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    data = Path(tmp_path_factory.mktemp("prop")) / "data"
    with database_for(request, db_backend, data) as url:
        app = create_app(
            Settings(
                data_dir=data,
                database_url=url,
                max_chats_per_host=20,
                opening_hours="always",
                source_conversations_burst=10_000,
                source_messages_burst=100_000,
                source_logins_burst=100_000,
            )
        )
        with TestClient(app) as client:
            add_staff(client, "host@example.org", "Host")
            yield client


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_each_side_ends_with_the_database_transcript(
    shared_client: TestClient, ops: list[tuple[str, str, str]]
) -> None:
    client = shared_client
    conv = new_conversation(client)
    cid = conv["conversation_id"]
    token = staff_token(client, "host@example.org")
    with staff_socket(client, token) as ws:
        ws.send_json({"type": "conversation.claim", "conversation_id": cid})
        while ws.receive_json()["type"] != "conversation.history":
            pass
    visitor = Side("visitor", client, "/ws/visitor", {"type": "hello", "token": conv["token"]}, cid)
    host = Side("host", client, "/ws/staff", None, cid, headers={"cookie": f"lykt_staff={token}"})
    sides = {"visitor": visitor, "host": host}
    visitor.connect()
    host.connect()
    try:
        for who, op, text in ops:
            side = sides[who]
            if op == "send":
                side.send(text)
            elif op == "send_then_drop":
                side.send("sent just before a drop", drop_before_ack=True)
            elif op == "drop":
                side.drop()
            elif op == "reconnect":
                side.drop()
                side.connect()
            elif op == "resend":
                side.resend_last_acked()
        ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
        # Both sides come back, send what they still hold, and read up to the newest seq.
        for _ in range(2):
            view = client.portal.call(conversation_view, ctx, cid, 0)  # type: ignore[union-attr]
            for side in (visitor, host):
                side.catch_up(view.conversation.last_seq)
        view = client.portal.call(conversation_view, ctx, cid, 0)  # type: ignore[union-attr]
        database = {m.seq: (m.sender, m.client_id, m.text) for m in view.messages}
        assert sorted(database) == list(range(1, len(database) + 1)), "seq has a gap"
        assert visitor.transcript == database
        assert host.transcript == database
        # every message a side sent is stored exactly once
        for side, sender in ((visitor, "visitor"), (host, "host")):
            stored = [c for s, c, _ in database.values() if s == sender]
            assert len(stored) == len(set(stored)) == side.counter
    finally:
        try:
            visitor.drop()  # re-raises what the app raised, if it failed
        finally:
            host.drop()  # an open socket would hang the app's shutdown
        with staff_socket(client, token) as ws:
            ws.receive_json()
            ws.send_json({"type": "conversation.end", "conversation_id": cid})
            while ws.receive_json()["type"] != "conversation.ended":
                pass
    asyncio.set_event_loop_policy(None)

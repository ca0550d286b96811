"""A shift on the staff socket: availability, transfer, notes, wrap-up, the supervisor's
watch, join and take-over, help and escalation, and hosts whose connection is lost. Runs on
SQLite and on PostgreSQL (there with the Redis bus, as in production)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lykt.actions.audit import audit_log
from lykt.actions.statistics import statistics
from lykt.actions.transfers import requeue_dropped_hosts
from lykt.app import create_app
from lykt.clock import ManualClock
from tests.conftest import (
    add_staff,
    make_settings,
    new_conversation,
    receive_until,
    staff_socket,
    staff_token,
)
from tests.web.test_visitor_socket import hello

NOTE = "NOTAT-hemmelig: moren er syk"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def shift(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[TestClient]:
    """An app on a clock the test moves; its jobs run once at start and then stay out of the
    way (the test runs them when it wants)."""
    settings = make_settings(tmp_path, database_url, jobs_interval_s=3600)
    with TestClient(create_app(settings, clock=clock)) as client:
        add_staff(client, "kari@example.org", "Kari")
        add_staff(client, "ola@example.org", "Ola")
        add_staff(client, "sara@example.org", "Sara", "supervisor")
        yield client


def ctx_of(client: TestClient) -> Any:
    return client.app.state.services.ctx  # type: ignore[attr-defined]


def hub_of(client: TestClient) -> Any:
    return client.app.state.services.hub  # type: ignore[attr-defined]


def call(client: TestClient, fn: Any, *args: Any) -> Any:
    return client.portal.call(fn, *args)  # type: ignore[union-attr]


class Recorder:
    """A visitor socket whose every frame is kept, to search them all at the end."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    def send_json(self, frame: dict[str, Any]) -> None:
        self.ws.send_json(frame)

    def receive_json(self) -> dict[str, Any]:
        frame: dict[str, Any] = self.ws.receive_json()
        self.frames.append(frame)
        return frame


def staff_id(client: TestClient, email: str) -> int:
    from lykt.actions.staff import list_staff

    return next(s.id for s in call(client, list_staff, ctx_of(client)) if s.email == email)


def claim(ws: Any, conversation_id: str) -> dict[str, Any]:
    ws.send_json({"type": "conversation.claim", "conversation_id": conversation_id})
    return receive_until(ws, "conversation.history")


def until(ws: Any, wanted: str, **match: Any) -> dict[str, Any]:
    """The next frame of type ``wanted`` whose fields match (others are skipped)."""
    for _ in range(200):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == wanted and all(frame.get(k) == v for k, v in match.items()):
            return frame
    raise AssertionError(f"no {wanted} {match}")


def error_for(ws: Any, request: str) -> dict[str, Any]:
    return until(ws, "error", request=request)


@contextlib.contextmanager
def on_shift(client: TestClient, *emails: str) -> Iterator[list[Any]]:
    tokens = [staff_token(client, e) for e in emails]
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(staff_socket(client, t)) for t in tokens]
        for ws in sockets:
            receive_until(ws, "welcome")
        yield sockets


def test_a_host_on_a_break_gets_no_transfers_and_shows_so_to_colleagues(
    shift: TestClient,
) -> None:
    conv = new_conversation(shift)
    with on_shift(shift, "kari@example.org", "ola@example.org") as (kari, ola):
        ola.send_json({"type": "staff.availability", "status": "break"})
        assert until(ola, "staff.availability") == {"type": "staff.availability", "status": "break"}
        board = until(kari, "staff.colleagues")
        while {h["display_name"]: h["status"] for h in board["hosts"]}.get("Ola") != "break":
            board = until(kari, "staff.colleagues")
        ola_id = next(h["id"] for h in board["hosts"] if h["display_name"] == "Ola")
        claim(kari, conv["conversation_id"])
        kari.send_json(
            {
                "type": "conversation.transfer",
                "conversation_id": conv["conversation_id"],
                "to_staff_id": ola_id,
                "note": "",
            }
        )
        refused = error_for(kari, "conversation.transfer")
        assert refused["code"] == "conflict"
        assert "break" in refused["message"]


def test_transfer_to_a_colleague_carries_the_note_and_tells_the_visitor(
    shift: TestClient,
) -> None:
    conv = new_conversation(shift, age=15, about="friend")
    cid = conv["conversation_id"]
    with (
        on_shift(shift, "kari@example.org", "ola@example.org") as (kari, ola),
        shift.websocket_connect("/ws/visitor") as raw_visitor,
    ):
        visitor = Recorder(raw_visitor)
        hello(visitor, conv["token"])
        history = claim(kari, cid)
        assert history["number"] >= 1 and history["lang"] == "nb" and history["mode"] == "host"
        ola.send_json({"type": "conversation.sync", "conversation_id": cid, "last_seq": 0})
        assert error_for(ola, "conversation.sync")["code"] == "not_found"  # not hers yet
        ola_id = staff_id(shift, "ola@example.org")
        kari.send_json(
            {
                "type": "conversation.transfer",
                "conversation_id": cid,
                "to_staff_id": ola_id,
                "note": NOTE,
            }
        )
        gone = until(kari, "conversation.transferred", conversation_id=cid)
        assert gone["to_staff_id"] == ola_id and gone["to_name"] == "Ola"
        given = until(ola, "conversation.claimed", conversation_id=cid)
        assert given["lang"] == "nb" and given["number"] == history["number"]
        handed = until(ola, "conversation.history", conversation_id=cid)
        assert [n["text"] for n in handed["notes"]] == [NOTE]
        assert handed["notes"][0]["author_name"] == "Kari"
        joined = until(visitor, "host.joined", change="took_over")
        assert joined == {"type": "host.joined", "host_name": "Ola", "change": "took_over"}
        # Ola writes; Kari no longer can.
        ola.send_json(
            {
                "type": "message.send",
                "conversation_id": cid,
                "client_id": "o1",
                "text": "Hei, jeg heter Ola.",
            }
        )
        assert until(ola, "message.ack", conversation_id=cid)["seq"] == 1
        kari.send_json(
            {"type": "message.send", "conversation_id": cid, "client_id": "k1", "text": "hallo?"}
        )
        assert error_for(kari, "message.send")["code"] == "not_found"
        assert until(visitor, "message.posted")["host_name"] == "Ola"
    assert NOTE not in json.dumps(visitor.frames)


def test_back_to_the_queue_goes_in_front_and_the_visitor_is_told(shift: TestClient) -> None:
    talking = new_conversation(shift)
    earlier_waiting = new_conversation(shift)  # came first of those still waiting
    with (
        on_shift(shift, "kari@example.org") as (kari,),
        shift.websocket_connect("/ws/visitor") as visitor,
    ):
        hello(visitor, talking["token"])
        claim(kari, talking["conversation_id"])
        kari.send_json(
            {
                "type": "conversation.transfer",
                "conversation_id": talking["conversation_id"],
                "to_staff_id": None,
                "note": "Trenger en som kan engelsk",
            }
        )
        assert until(kari, "conversation.transferred")["to_staff_id"] is None
        assert until(visitor, "host.left") == {"type": "host.left"}
        assert until(visitor, "queue.position")["position"] == 1
        queue = until(kari, "queue.updated")
        while queue["total"] != 2:
            queue = until(kari, "queue.updated")
        ids = [e["conversation_id"] for e in queue["queue"]]
        assert ids == [talking["conversation_id"], earlier_waiting["conversation_id"]]
        assert [e["returned"] for e in queue["queue"]] == [True, False]
        # The next host to take it finds the note.
        history = claim(kari, talking["conversation_id"])
        assert [n["text"] for n in history["notes"]] == ["Trenger en som kan engelsk"]


def test_the_queue_shows_the_first_words_a_visitor_wrote_while_waiting(
    shift: TestClient,
) -> None:
    conv = new_conversation(shift, age=13)
    with (
        on_shift(shift, "kari@example.org") as (kari,),
        shift.websocket_connect("/ws/visitor") as visitor,
    ):
        hello(visitor, conv["token"])
        words = "Pappa er i fengsel og jeg vet ikke hva jeg skal si til vennene mine " * 3
        visitor.send_json({"type": "message.send", "client_id": "v1", "text": words})
        receive_until(visitor, "message.ack")
        entry = {"preview": None}
        while not entry["preview"]:
            [entry] = until(kari, "queue.updated")["queue"]
        assert entry["preview"] == " ".join(words.split())[:100]
        assert entry["lang"] == "nb"


def test_notes_reach_staff_who_follow_and_never_the_visitor(shift: TestClient) -> None:
    conv = new_conversation(shift)
    cid = conv["conversation_id"]
    with (
        on_shift(shift, "kari@example.org", "sara@example.org", "ola@example.org") as (
            kari,
            sara,
            ola,
        ),
        shift.websocket_connect("/ws/visitor") as raw_visitor,
    ):
        visitor = Recorder(raw_visitor)
        hello(visitor, conv["token"])
        claim(kari, cid)
        sara.send_json({"type": "supervisor.watch", "conversation_id": cid})
        assert until(sara, "conversation.history", conversation_id=cid)["mode"] == "watching"
        kari.send_json({"type": "note.add", "conversation_id": cid, "text": NOTE})
        for ws in (kari, sara):
            assert until(ws, "note.added", conversation_id=cid)["note"]["text"] == NOTE
        # A colleague who does not hold the chat can neither add nor read notes.
        ola.send_json({"type": "note.add", "conversation_id": cid, "text": "x"})
        assert error_for(ola, "note.add")["code"] == "not_found"
        kari.send_json({"type": "note.add", "conversation_id": cid, "text": "   "})
        assert error_for(kari, "note.add")["code"] == "invalid"
        kari.send_json(
            {
                "type": "message.send",
                "conversation_id": cid,
                "client_id": "k1",
                "text": "Takk for at du skrev.",
            }
        )
        receive_until(visitor, "message.posted")
    assert NOTE not in json.dumps(visitor.frames)


def test_wrap_up_counts_topics_once_and_flags_for_the_supervisor(shift: TestClient) -> None:
    conv = new_conversation(shift)
    cid = conv["conversation_id"]
    with on_shift(shift, "kari@example.org", "sara@example.org") as (kari, sara):
        welcome_topics = ["Besøk i fengsel", "Følelser"]
        claim(kari, cid)
        kari.send_json(
            {
                "type": "conversation.wrapup",
                "conversation_id": cid,
                "topics": welcome_topics,
                "flag": True,
            }
        )
        assert error_for(kari, "conversation.wrapup")["code"] == "conflict"  # not ended yet
        kari.send_json({"type": "conversation.end", "conversation_id": cid})
        until(kari, "conversation.ended", conversation_id=cid)
        kari.send_json(
            {
                "type": "conversation.wrapup",
                "conversation_id": cid,
                "topics": ["Noe ingen har valgt"],
                "flag": False,
            }
        )
        assert error_for(kari, "conversation.wrapup")["code"] == "invalid"
        kari.send_json(
            {
                "type": "conversation.wrapup",
                "conversation_id": cid,
                "topics": welcome_topics,
                "flag": True,
            }
        )
        assert until(kari, "conversation.wrapped_up") == {
            "type": "conversation.wrapped_up",
            "conversation_id": cid,
        }
        kari.send_json(
            {
                "type": "conversation.wrapup",
                "conversation_id": cid,
                "topics": welcome_topics,
                "flag": True,
            }
        )
        assert error_for(kari, "conversation.wrapup")["code"] == "conflict"  # once only
        board = until(sara, "staff.overview")
        while not board["flagged"]:
            board = until(sara, "staff.overview")
        assert [f["conversation_id"] for f in board["flagged"]] == [cid]
    counted = {(c.dimension, c.bucket): c.count for c in call(shift, statistics, ctx_of(shift))}
    assert counted[("topic", "Besøk i fengsel")] == 1
    assert counted[("topic", "Følelser")] == 1
    # A reconnecting host no longer gets the wrapped-up chat as a tab.
    token = staff_token(shift, "kari@example.org")
    with staff_socket(shift, token) as again:
        assert receive_until(again, "welcome")["conversations"] == []


def test_supervisor_watches_joins_and_takes_over_and_each_is_audited(
    shift: TestClient,
) -> None:
    conv = new_conversation(shift)
    cid = conv["conversation_id"]
    with (
        on_shift(shift, "kari@example.org", "sara@example.org") as (kari, sara),
        shift.websocket_connect("/ws/visitor") as raw_visitor,
    ):
        visitor = Recorder(raw_visitor)
        hello(visitor, conv["token"])
        claim(kari, cid)
        # Hosts may not use the supervisor's frames.
        for kind in ("supervisor.watch", "supervisor.join", "supervisor.takeover"):
            kari.send_json({"type": kind, "conversation_id": cid})
            assert error_for(kari, kind)["code"] == "forbidden"
        board = until(sara, "staff.overview")
        while cid not in {c["conversation_id"] for c in board["conversations"]}:
            board = until(sara, "staff.overview")
        [row] = board["conversations"]
        assert row["host_name"] == "Kari" and row["status"] == "active"

        sara.send_json({"type": "supervisor.watch", "conversation_id": cid})
        until(sara, "conversation.history", conversation_id=cid)
        visitor.send_json({"type": "message.send", "client_id": "v1", "text": "hei"})
        assert until(sara, "message.posted", conversation_id=cid)["text"] == "hei"
        # Watching is read-only.
        sara.send_json(
            {"type": "message.send", "conversation_id": cid, "client_id": "s0", "text": "hei"}
        )
        assert error_for(sara, "message.send")["code"] == "not_found"
        # ...and silent: the visitor never sees a watcher typing.
        sara.send_json({"type": "typing", "conversation_id": cid, "typing": True})
        kari.send_json(
            {"type": "message.send", "conversation_id": cid, "client_id": "k1", "text": "ja?"}
        )
        until(visitor, "message.posted", client_id="k1")
        assert not [f for f in visitor.frames if f["type"] == "typing"]

        sara.send_json({"type": "supervisor.join", "conversation_id": cid})
        assert until(sara, "conversation.history", conversation_id=cid)["mode"] == "joined"
        assert until(visitor, "host.joined", change="joined") == {
            "type": "host.joined",
            "host_name": "Sara",
            "change": "joined",
        }
        joined = until(kari, "conversation.joined", conversation_id=cid)
        assert joined["name"] == "Sara"
        sara_id = joined["staff_id"]
        sara.send_json(
            {
                "type": "message.send",
                "conversation_id": cid,
                "client_id": "s1",
                "text": "Jeg er her også.",
            }
        )
        assert until(sara, "message.ack", conversation_id=cid)["seq"] >= 2

        sara.send_json({"type": "supervisor.takeover", "conversation_id": cid})
        assert until(kari, "conversation.transferred", conversation_id=cid)["to_name"] == "Sara"
        assert until(sara, "conversation.history", conversation_id=cid)["mode"] == "host"
        assert until(visitor, "host.joined", change="took_over")["host_name"] == "Sara"
        kari.send_json({"type": "conversation.end", "conversation_id": cid})
        assert error_for(kari, "conversation.end")["code"] == "not_found"
    actions = [
        (e.action, e.subject, e.detail)
        for e in call(shift, audit_log, ctx_of(shift))
        if e.action.startswith("supervisor.")
    ]
    assert actions == [
        ("supervisor.watch", cid, ""),
        ("supervisor.join", cid, ""),
        ("supervisor.takeover", cid, ""),
    ]
    assert all(
        e.actor == f"staff:{sara_id}"
        for e in call(shift, audit_log, ctx_of(shift))
        if e.action.startswith("supervisor.")
    )
    sent = json.dumps(visitor.frames)
    assert "sara@example.org" not in sent and "kari@example.org" not in sent


def test_help_requests_and_long_waits_reach_every_supervisor(
    shift: TestClient, clock: ManualClock
) -> None:
    talking = new_conversation(shift)
    waiting = new_conversation(shift)
    with on_shift(shift, "kari@example.org", "sara@example.org") as (kari, sara):
        claim(kari, talking["conversation_id"])
        kari.send_json({"type": "help.request", "conversation_id": talking["conversation_id"]})
        asked = until(sara, "help.requested")
        assert asked["conversation_id"] == talking["conversation_id"]
        assert asked["host_name"] == "Kari"
        kari.send_json({"type": "duty.flag", "conversation_id": talking["conversation_id"]})
        assert until(sara, "duty.flagged")["conversation_id"] == talking["conversation_id"]
        # Only the chat's own host can call for help on it.
        kari.send_json({"type": "help.request", "conversation_id": waiting["conversation_id"]})
        assert error_for(kari, "help.request")["code"] == "not_found"

        clock.advance(timedelta(minutes=6))  # past LYKT_ESCALATE_AFTER_MINUTES (5)
        new_conversation(shift)  # the queue changes: it is read again
        escalated = until(sara, "queue.escalated")
        assert escalated["conversation_id"] == waiting["conversation_id"]
    # A supervisor who arrives while the visitor still waits is told too.
    with on_shift(shift, "sara@example.org") as (sara_again,):
        assert until(sara_again, "queue.escalated")["conversation_id"] == waiting["conversation_id"]


def test_a_dropped_host_gets_their_chats_back_in_time_or_the_queue_takes_them(
    shift: TestClient, clock: ManualClock
) -> None:
    kept = new_conversation(shift)
    with on_shift(shift, "kari@example.org") as (kari,):
        claim(kari, kept["conversation_id"])
    # Kari's connection is gone. Within the grace period she comes back: all as it was.
    clock.advance(timedelta(seconds=100))
    assert call(shift, requeue_dropped_hosts, ctx_of(shift)) == 0
    token = staff_token(shift, "kari@example.org")
    with staff_socket(shift, token) as kari:
        welcome = receive_until(kari, "welcome")
        assert [c["conversation_id"] for c in welcome["conversations"]] == [kept["conversation_id"]]
        clock.advance(timedelta(seconds=500))  # connected all along
        call(shift, hub_of(shift).refresh_presence)  # what every process's jobs tick does
        assert call(shift, requeue_dropped_hosts, ctx_of(shift)) == 0
    # Gone for good this time: after the grace period the visitor goes back, in front.
    with shift.websocket_connect("/ws/visitor") as visitor:
        hello(visitor, kept["token"])
        clock.advance(timedelta(seconds=119))
        assert call(shift, requeue_dropped_hosts, ctx_of(shift)) == 0
        clock.advance(timedelta(seconds=2))
        assert call(shift, requeue_dropped_hosts, ctx_of(shift)) == 1
        assert until(visitor, "host.left") == {"type": "host.left"}
        assert until(visitor, "queue.position")["position"] == 1


def test_a_supervisor_who_joined_steps_back_to_reading_along(shift: TestClient) -> None:
    conv = new_conversation(shift)
    cid = conv["conversation_id"]
    with on_shift(shift, "kari@example.org", "sara@example.org") as (kari, sara):
        claim(kari, cid)
        sara.send_json({"type": "supervisor.join", "conversation_id": cid})
        until(sara, "conversation.history", conversation_id=cid)
        sara.send_json({"type": "supervisor.leave", "conversation_id": cid})
        left = until(kari, "conversation.left", conversation_id=cid)
        assert left["name"] == "Sara"
        sara.send_json(
            {"type": "message.send", "conversation_id": cid, "client_id": "s1", "text": "hei"}
        )
        assert error_for(sara, "message.send")["code"] == "not_found"
        kari.send_json({"type": "supervisor.leave", "conversation_id": cid})
        assert error_for(kari, "supervisor.leave")["code"] == "forbidden"
    actions = [e.action for e in call(shift, audit_log, ctx_of(shift))]
    assert actions[-2:] == ["supervisor.join", "supervisor.leave"]

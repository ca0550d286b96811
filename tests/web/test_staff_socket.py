from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from lykt.app import create_app
from lykt.realtime import QUEUE_SHOWN
from tests.conftest import (
    add_staff,
    login,
    make_settings,
    new_conversation,
    receive_until,
    staff_socket,
    staff_token,
)


def test_host_sees_the_queue_without_anything_that_identifies_a_device(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    new_conversation(client, age=11, about="friend")
    login(client, "kari@example.org")
    with client.websocket_connect("/ws/staff") as ws:
        welcome = receive_until(ws, "welcome")
        assert welcome["staff"]["display_name"] == "Kari"
        assert welcome["max_chats"] == 3
        [entry] = welcome["queue"]
        assert set(entry) == {
            "conversation_id",
            "age_group",
            "about",
            "lang",
            "waiting_since",
            "returned",
            "preview",
        }
        assert entry["age_group"] == "under13"
        assert entry["about"] == "friend"
        new_conversation(client, age=None)
        queue = receive_until(ws, "queue.updated")["queue"]
        assert [e["age_group"] for e in queue] == ["under13", "unknown"]


def test_two_hosts_claiming_the_same_visitor_one_wins_the_other_is_told(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    add_staff(client, "ola@example.org", "Ola")
    conv = new_conversation(client)
    kari = staff_token(client, "kari@example.org")
    ola = staff_token(client, "ola@example.org")
    with staff_socket(client, kari) as k, staff_socket(client, ola) as o:
        receive_until(k, "welcome")
        receive_until(o, "welcome")
        claim = {"type": "conversation.claim", "conversation_id": conv["conversation_id"]}
        k.send_json(claim)
        o.send_json(claim)
        outcomes = []
        for ws in (k, o):
            while True:
                frame = ws.receive_json()
                if frame["type"] in ("conversation.history", "error"):
                    outcomes.append(frame)
                    break
        kinds = sorted(f["type"] for f in outcomes)
        assert kinds == ["conversation.history", "error"]
        [error] = [f for f in outcomes if f["type"] == "error"]
        assert error["code"] == "conflict"
        assert error["conversation_id"] == conv["conversation_id"]


def test_host_cannot_take_more_chats_than_the_maximum(tmp_path: Any, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url, max_chats_per_host=2))
    with TestClient(app) as client:
        add_staff(client, "kari@example.org", "Kari")
        for _ in range(3):
            new_conversation(client)
        login(client, "kari@example.org")
        with client.websocket_connect("/ws/staff") as ws:
            receive_until(ws, "welcome")
            for _ in range(2):
                ws.send_json({"type": "conversation.claim"})
                receive_until(ws, "conversation.history")
            ws.send_json({"type": "conversation.claim"})
            error = receive_until(ws, "error")
            assert error["code"] == "conflict"
            assert "2" in error["message"]


def test_empty_queue_claim_says_nobody_is_waiting(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    with client.websocket_connect("/ws/staff") as ws:
        receive_until(ws, "welcome")
        ws.send_json({"type": "conversation.claim"})
        assert receive_until(ws, "error")["code"] == "not_found"


def test_host_cannot_write_in_or_end_another_hosts_conversation(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    add_staff(client, "ola@example.org", "Ola")
    conv = new_conversation(client)
    cid = conv["conversation_id"]
    kari = staff_token(client, "kari@example.org")
    ola = staff_token(client, "ola@example.org")
    with staff_socket(client, kari) as k:
        receive_until(k, "welcome")
        k.send_json({"type": "conversation.claim", "conversation_id": cid})
        receive_until(k, "conversation.history")
    with staff_socket(client, ola) as o:
        receive_until(o, "welcome")
        o.send_json(
            {"type": "message.send", "conversation_id": cid, "client_id": "x", "text": "hei"}
        )
        assert receive_until(o, "error")["code"] == "not_found"
        o.send_json({"type": "conversation.end", "conversation_id": cid})
        assert receive_until(o, "error")["code"] == "not_found"
        o.send_json({"type": "conversation.sync", "conversation_id": cid, "last_seq": 0})
        assert receive_until(o, "error")["code"] == "not_found"
        # An id no database can hold (U+0000) is just another unknown conversation.
        bad = cid + "\x00"
        o.send_json({"type": "message.send", "conversation_id": bad, "client_id": "y", "text": "a"})
        assert receive_until(o, "error")["code"] == "not_found"
        o.send_json({"type": "conversation.end", "conversation_id": bad})
        assert receive_until(o, "error")["code"] == "not_found"
        o.send_json({"type": "conversation.claim", "conversation_id": bad})
        assert receive_until(o, "error")["code"] == "conflict"
    with client.websocket_connect("/ws/visitor") as v:
        v.send_json({"type": "hello", "token": conv["token"]})
        welcome = v.receive_json()
        assert welcome["state"] == "active"
        assert welcome["messages"] == []


def test_host_runs_several_chats_and_gets_them_back_after_reconnecting(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    convs = [new_conversation(client, age=a) for a in (10, 14, 17)]
    login(client, "kari@example.org")
    with client.websocket_connect("/ws/staff") as ws:
        receive_until(ws, "welcome")
        for conv in convs:
            ws.send_json({"type": "conversation.claim", "conversation_id": conv["conversation_id"]})
            receive_until(ws, "conversation.history")
        for i, conv in enumerate(convs):
            ws.send_json(
                {
                    "type": "message.send",
                    "conversation_id": conv["conversation_id"],
                    "client_id": f"h{i}",
                    "text": f"Hei nummer {i}",
                }
            )
            ack = receive_until(ws, "message.ack")
            assert ack["conversation_id"] == conv["conversation_id"]
            assert ack["seq"] == 1
    with client.websocket_connect("/ws/staff") as ws:
        welcome = receive_until(ws, "welcome")
        got = {c["conversation_id"]: c for c in welcome["conversations"]}
        assert set(got) == {c["conversation_id"] for c in convs}
        for i, conv in enumerate(convs):
            assert [m["text"] for m in got[conv["conversation_id"]]["messages"]] == [
                f"Hei nummer {i}"
            ]
        assert sorted(c["age"] for c in got.values()) == [10, 14, 17]


def test_host_ends_a_chat_and_the_visitor_is_told(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as v:
        v.send_json({"type": "hello", "token": conv["token"]})
        receive_until(v, "welcome")
        login(client, "kari@example.org")
        with client.websocket_connect("/ws/staff") as ws:
            receive_until(ws, "welcome")
            ws.send_json({"type": "conversation.claim"})
            receive_until(ws, "conversation.history")
            ws.send_json({"type": "conversation.end", "conversation_id": conv["conversation_id"]})
            ended = receive_until(ws, "conversation.ended")
            assert ended["reason"] == "ended_by_host"
        assert receive_until(v, "conversation.ended") == {
            "type": "conversation.ended",
            "by": "host",
            "reason": "ended_by_host",
        }


def test_host_sees_the_visitor_come_and_go(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    conv = new_conversation(client)
    login(client, "kari@example.org")
    with client.websocket_connect("/ws/staff") as ws:
        receive_until(ws, "welcome")
        ws.send_json({"type": "conversation.claim"})
        assert receive_until(ws, "conversation.history")["visitor_online"] is False
        with client.websocket_connect("/ws/visitor") as v:
            v.send_json({"type": "hello", "token": conv["token"]})
            receive_until(v, "welcome")
            assert receive_until(ws, "visitor.presence")["online"] is True
        assert receive_until(ws, "visitor.presence")["online"] is False


def test_staff_socket_needs_a_session(client: TestClient) -> None:
    with client.websocket_connect("/ws/staff") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 4401


def test_staff_socket_from_a_foreign_origin_is_refused(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws/staff", headers={"origin": "https://evil.example"}) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403


def test_logging_out_closes_the_open_staff_socket(tmp_path: Any, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url, heartbeat_interval_s=0.2))
    with TestClient(app) as client:
        add_staff(client, "kari@example.org", "Kari")
        token = staff_token(client, "kari@example.org")
        with staff_socket(client, token) as ws:
            receive_until(ws, "welcome")
            assert receive_until(ws, "ping") == {"type": "ping"}
            ws.send_json({"type": "pong"})
            client.post("/api/staff/logout", headers={"cookie": f"lykt_staff={token}"})
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    frame = ws.receive_json()
                    if frame["type"] == "ping":
                        ws.send_json({"type": "pong"})
            assert closed.value.code == 4401


def test_a_silent_client_is_disconnected_by_the_heartbeat(tmp_path: Any, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url, heartbeat_interval_s=0.1))
    with TestClient(app) as client:
        conv = new_conversation(client)
        with client.websocket_connect("/ws/visitor") as ws:
            ws.send_json({"type": "hello", "token": conv["token"]})
            receive_until(ws, "welcome")
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:  # read, but never answer a ping
                    ws.receive_json()
            assert closed.value.code == 4408


def test_a_long_queue_lists_the_first_fifty_and_counts_everyone(
    tmp_path: Any, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, source_conversations_burst=100)
    with TestClient(create_app(settings)) as client:
        add_staff(client, "kari@example.org", "Kari")
        first = [new_conversation(client)["conversation_id"] for _ in range(QUEUE_SHOWN + 5)]
        token = staff_token(client, "kari@example.org")
        with staff_socket(client, token) as ws:
            welcome = receive_until(ws, "welcome")
            queue, total = welcome["queue"], welcome["queue_total"]
            while total != QUEUE_SHOWN + 5:  # the welcome may predate the last arrival
                update = receive_until(ws, "queue.updated")
                queue, total = update["queue"], update["total"]
            shown = [e["conversation_id"] for e in queue]
            assert shown == first[:QUEUE_SHOWN]  # the front of the queue, in order
            new_conversation(client)
            update = receive_until(ws, "queue.updated")
            while update["total"] != QUEUE_SHOWN + 6:
                update = receive_until(ws, "queue.updated")
            assert [e["conversation_id"] for e in update["queue"]] == first[:QUEUE_SHOWN]

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import (
    add_staff,
    login,
    new_conversation,
    receive_until,
    staff_socket,
    staff_token,
)


def hello(ws: Any, token: str, last_seq: int = 0) -> dict[str, Any]:
    ws.send_json({"type": "hello", "token": token, "last_seq": last_seq})
    welcome = ws.receive_json()
    assert welcome["type"] == "welcome"
    return welcome


def test_waiting_visitor_sees_their_place_in_the_queue(client: TestClient) -> None:
    first = new_conversation(client)
    second = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        welcome = hello(ws, second["token"])
        assert welcome["state"] == "waiting"
        assert receive_until(ws, "queue.position")["position"] == 2
        with client.websocket_connect("/ws/visitor") as ws1:
            hello(ws1, first["token"])
            ws1.send_json({"type": "conversation.end"})
            assert receive_until(ws1, "conversation.ended")["reason"] == "left_queue"
        assert receive_until(ws, "queue.position")["position"] == 1


def test_message_is_acked_with_its_seq_and_resend_is_not_stored_twice(
    client: TestClient,
) -> None:
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        ws.send_json({"type": "message.send", "client_id": "c1", "text": "hei"})
        assert receive_until(ws, "message.ack") == {
            "type": "message.ack",
            "client_id": "c1",
            "seq": 1,
        }
        ws.send_json({"type": "message.send", "client_id": "c1", "text": "hei"})
        assert receive_until(ws, "message.ack")["seq"] == 1
        ws.send_json({"type": "message.send", "client_id": "c2", "text": "er noen der?"})
        assert receive_until(ws, "message.ack")["seq"] == 2
    with client.websocket_connect("/ws/visitor") as ws:
        welcome = hello(ws, conv["token"])
        assert [m["text"] for m in welcome["messages"]] == ["hei", "er noen der?"]
        assert welcome["last_seq"] == 2


def test_resume_replays_exactly_what_was_missed(client: TestClient) -> None:
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        for i in range(5):
            ws.send_json({"type": "message.send", "client_id": f"m{i}", "text": f"nr {i}"})
            receive_until(ws, "message.ack")
    with client.websocket_connect("/ws/visitor") as ws:
        welcome = hello(ws, conv["token"], last_seq=3)
        assert [m["seq"] for m in welcome["messages"]] == [4, 5]
        assert [m["text"] for m in welcome["messages"]] == ["nr 3", "nr 4"]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json at all", "bad_json"),
        ("[1, 2, 3]", "bad_frame"),
        ('{"type": "launch.rockets"}', "unknown_type"),
        ('{"type": "message.send", "client_id": 7, "text": "x"}', "bad_field"),
        ('{"type": "message.send", "client_id": "a", "text": ["x"]}', "bad_field"),
        ('{"type": "message.send", "client_id": "a", "text": "   "}', "invalid"),
        ('{"type": "message.send", "client_id": "a", "text": "' + "x" * 4001 + '"}', "invalid"),
        ('{"type": "typing", "typing": "yes"}', "bad_field"),
    ],
)
def test_bad_frames_get_an_error_and_the_socket_stays_usable(
    client: TestClient, frame: str, code: str
) -> None:
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        ws.send_text(frame)
        error = receive_until(ws, "error")
        assert error["code"] == code
        assert error["message"]
        ws.send_json({"type": "message.send", "client_id": "after", "text": "still here"})
        assert receive_until(ws, "message.ack")["seq"] == 1


def test_text_of_exactly_4000_characters_is_accepted(client: TestClient) -> None:
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        ws.send_json({"type": "message.send", "client_id": "long", "text": "å" * 4000})
        assert receive_until(ws, "message.posted")["text"] == "å" * 4000


def test_a_frame_over_64_kib_closes_the_socket_with_1009(client: TestClient) -> None:
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        ws.send_text('{"type": "typing", "pad": "' + "x" * 70_000 + '"}')
        with pytest.raises(WebSocketDisconnect) as closed:
            receive_until(ws, "never")
        assert closed.value.code == 1009


@pytest.mark.parametrize(
    "first",
    [
        {"type": "hello", "token": "not-a-real-token", "last_seq": 0},
        {"type": "hello", "token": "", "last_seq": 0},
        {"type": "hello", "token": 12345},
        {"type": "message.send", "client_id": "x", "text": "hi"},
        "garbage",
    ],
)
def test_a_wrong_token_or_missing_hello_closes_with_4401(client: TestClient, first: Any) -> None:
    new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        if isinstance(first, str):
            ws.send_text(first)
        else:
            ws.send_json(first)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401


def test_a_visitor_token_opens_no_staff_socket(client: TestClient) -> None:
    conv = new_conversation(client)
    client.cookies.set("lykt_staff", conv["token"])
    with client.websocket_connect("/ws/staff") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 4401


def test_visitor_cannot_reach_another_conversation(client: TestClient) -> None:
    mine = new_conversation(client)
    other = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        ws.send_json({"type": "hello", "token": other["token"]})
        ws.receive_json()
    with client.websocket_connect("/ws/visitor") as ws:
        welcome = hello(ws, mine["token"])
        assert welcome["conversation_id"] == mine["conversation_id"]
        # the frame format has no way to name another conversation; an extra field is ignored
        ws.send_json(
            {
                "type": "message.send",
                "client_id": "x",
                "text": "hei",
                "conversation_id": other["conversation_id"],
            }
        )
        receive_until(ws, "message.ack")
    with client.websocket_connect("/ws/visitor") as ws:
        assert hello(ws, other["token"])["messages"] == []


def test_message_to_an_ended_conversation_is_refused(client: TestClient) -> None:
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        ws.send_json({"type": "conversation.end"})
        receive_until(ws, "conversation.ended")
        ws.send_json({"type": "message.send", "client_id": "late", "text": "hallo?"})
        error = receive_until(ws, "error")
        assert error["code"] == "conflict"
        assert error["client_id"] == "late"


def test_host_typing_and_joining_reach_the_visitor(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    conv = new_conversation(client)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        login(client, "kari@example.org")
        with client.websocket_connect("/ws/staff") as staff:
            receive_until(staff, "welcome")
            staff.send_json({"type": "conversation.claim"})
            receive_until(staff, "conversation.history")
            assert receive_until(ws, "host.joined")["host_name"] == "Kari"
            staff.send_json(
                {"type": "typing", "conversation_id": conv["conversation_id"], "typing": True}
            )
            assert receive_until(ws, "typing") == {
                "type": "typing",
                "sender": "host",
                "typing": True,
            }
            ws.send_json({"type": "typing", "typing": True})
            typing = receive_until(staff, "typing")
            assert typing["sender"] == "visitor"
            assert typing["conversation_id"] == conv["conversation_id"]


def test_flooding_visitor_is_told_to_slow_down_and_nothing_accepted_is_lost(
    client: TestClient,
) -> None:
    conv = new_conversation(client)
    acked: dict[str, int] = {}
    limited: set[str] = set()
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conv["token"])
        for i in range(60):
            ws.send_json({"type": "message.send", "client_id": f"f{i}", "text": f"flood {i}"})
        while len(acked) + len(limited) < 60:
            frame = ws.receive_json()
            if frame["type"] == "message.ack":
                acked[frame["client_id"]] = frame["seq"]
            elif frame["type"] == "error":
                assert frame["code"] == "rate_limited"
                limited.add(frame["client_id"])
    assert limited, "a flood of 60 messages at once should be limited"
    with client.websocket_connect("/ws/visitor") as ws:
        stored = hello(ws, conv["token"])["messages"]
    assert {m["client_id"]: m["seq"] for m in stored} == acked


def test_a_waiting_visitor_is_not_told_their_place_again_when_it_did_not_change(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    token = staff_token(client, "kari@example.org")
    first = new_conversation(client)
    with staff_socket(client, token) as host, client.websocket_connect("/ws/visitor") as ws1:
        receive_until(host, "welcome")
        hello(ws1, first["token"])
        assert receive_until(ws1, "queue.position")["position"] == 1
        new_conversation(client)  # someone new joins behind
        # One push tells the consoles and the waiting visitors; once the console has it, any
        # frame for the first visitor from the same push is already on its way...
        while len(receive_until(host, "queue.updated")["queue"]) != 2:
            pass
        # ...and there is none: their place did not change. The next frame they get is the
        # answer to a bad frame they send now.
        ws1.send_text("{not json")
        assert ws1.receive_json()["type"] == "error"


def test_a_visitor_the_server_cannot_welcome_now_is_asked_to_come_back(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A swamped database (thousands reconnecting after a restart) is not a lost chat: the
    socket closes with 1013, which the page answers by coming back after its backoff."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from lykt.actions import conversations

    conv = new_conversation(client)

    async def swamped(*_args: Any) -> None:
        raise PoolTimeout("QueuePool limit reached")

    with monkeypatch.context() as patch:
        patch.setattr(conversations, "access_conversation_by_token", swamped)
        with client.websocket_connect("/ws/visitor") as ws:
            ws.send_json({"type": "hello", "token": conv["token"]})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1013
    with client.websocket_connect("/ws/visitor") as ws:  # and it works when it comes back
        assert hello(ws, conv["token"])["type"] == "welcome"


def test_when_too_many_wait_to_be_welcomed_a_newcomer_is_asked_to_come_back(
    client: TestClient,
) -> None:
    """The line of sockets waiting to be welcomed is long but not endless: beyond it a
    visitor gets 1013 at once and comes back after its backoff. Counted in /metrics."""
    hub = client.app.state.services.hub  # type: ignore[attr-defined]
    conv = new_conversation(client)
    hub.welcomes.waiting = hub.welcomes.max_waiting  # as if that many were waiting now
    with client.websocket_connect("/ws/visitor") as ws:
        ws.send_json({"type": "hello", "token": conv["token"]})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1013
    assert "lykt_welcomes_turned_away_total 1.0" in client.get("/metrics").text
    hub.welcomes.waiting = 0
    with client.websocket_connect("/ws/visitor") as ws:
        assert hello(ws, conv["token"])["type"] == "welcome"
    assert hub.welcomes.waiting == 0

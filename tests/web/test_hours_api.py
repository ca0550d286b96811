"""Opening hours seen from outside: the status API, refusals when closed, closing time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from lykt.app import create_app
from lykt.clock import ManualClock
from tests.conftest import add_staff, make_settings, new_conversation, receive_until, staff_socket
from tests.conftest import staff_token as log_in_staff
from tests.web.test_visitor_socket import hello

OSLO = ZoneInfo("Europe/Oslo")
WEDNESDAY = date(2026, 12, 2)  # a weekly opening day, 15:00-22:00 (+01:00)


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(oslo(WEDNESDAY, 14, 0))


@pytest.fixture
def scheduled(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[TestClient]:
    """An app that keeps the opening hours, on a clock the test moves; jobs run often."""
    settings = make_settings(tmp_path, database_url, opening_hours="schedule", jobs_interval_s=0.02)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def move_to(client: TestClient, clock: ManualClock, moment: datetime) -> None:
    from lykt.actions.hours import forget_cache

    clock.advance(moment - clock.now())
    forget_cache(client.app.state.services.ctx)  # type: ignore[attr-defined]


def test_status_when_closed_names_the_next_opening_with_its_offset(
    scheduled: TestClient,
) -> None:
    response = scheduled.get("/api/status")
    assert response.status_code == 200
    assert response.json() == {
        "open": False,
        "closes_at": None,
        "next_opening": "2026-12-02T15:00:00+01:00",
        "hosts_available": False,
    }


def test_status_when_open_says_when_it_closes(scheduled: TestClient, clock: ManualClock) -> None:
    move_to(scheduled, clock, oslo(WEDNESDAY, 15))
    assert scheduled.get("/api/status").json() == {
        "open": True,
        "closes_at": "2026-12-02T22:00:00+01:00",
        "next_opening": None,
        "hosts_available": False,
    }


def test_starting_a_chat_when_closed_gets_409_with_the_next_opening(
    scheduled: TestClient, clock: ManualClock
) -> None:
    response = scheduled.post("/api/conversations", json={"age": 12, "about": "self"})
    assert response.status_code == 409
    assert response.json() == {"error": "closed", "next_opening": "2026-12-02T15:00:00+01:00"}
    move_to(scheduled, clock, oslo(WEDNESDAY, 15))
    assert new_conversation(scheduled)["token"]


def test_at_closing_time_the_waiting_visitor_is_told_when_we_open_and_chats_go_on(
    scheduled: TestClient, clock: ManualClock
) -> None:
    move_to(scheduled, clock, oslo(WEDNESDAY, 21, 40))
    add_staff(scheduled, "kari@example.org", "Kari")
    token = log_in_staff(scheduled, "kari@example.org")
    talking = new_conversation(scheduled)
    waiting = new_conversation(scheduled, age=10, about="friend")
    with (
        staff_socket(scheduled, token) as host,
        scheduled.websocket_connect("/ws/visitor") as visitor,
        scheduled.websocket_connect("/ws/visitor") as talker,
    ):
        welcome = receive_until(host, "welcome")
        assert welcome["hours"]["closes_at"] == "2026-12-02T22:00:00+01:00"
        host.send_json(
            {"type": "conversation.claim", "conversation_id": talking["conversation_id"]}
        )
        receive_until(host, "conversation.claimed")
        hello(visitor, waiting["token"])
        hello(talker, talking["token"])

        move_to(scheduled, clock, oslo(WEDNESDAY, 21, 45))
        assert receive_until(host, "hours.closing_soon") == {
            "type": "hours.closing_soon",
            "closes_at": "2026-12-02T22:00:00+01:00",
        }

        move_to(scheduled, clock, oslo(WEDNESDAY, 22))
        ended = receive_until(visitor, "conversation.ended")
        assert ended == {
            "type": "conversation.ended",
            "by": "system",
            "reason": "closed",
            "next_opening": "2026-12-04T15:00:00+01:00",
        }
        refused = scheduled.post("/api/conversations", json={"age": 12, "about": "self"})
        assert refused.status_code == 409

        # The chat under way goes on after closing time.
        talker.send_json({"type": "message.send", "client_id": "late-1", "text": "er du der?"})
        assert receive_until(talker, "message.ack")["seq"] == 1
        posted = receive_until(host, "message.posted")
        assert posted["text"] == "er du der?"

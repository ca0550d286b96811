"""The Redis bus: events reach every process, nothing is lost to a Redis outage that the
database cannot give back, and the bus says when fan-out is degraded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lykt.bus import RedisBus, decode_event, encode_event
from lykt.events import (
    ClosingSoon,
    ConversationClaimed,
    ConversationDeleted,
    ConversationEnded,
    Event,
    MessagePosted,
    QueueChanged,
    TypingChanged,
    VisitorPresenceChanged,
)
from tests.redisproc import RedisProcess, require_redis

NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


def every_kind_of_event() -> list[Event]:
    return [
        MessagePosted("c1", 1, "host", "hei æøå", "m1", NOW, "Kari"),
        ConversationClaimed("c1", 7, "Kari", 12, "self", NOW),
        ConversationEnded("c1", "system", "closed", NOW, NOW),
        TypingChanged("c1", "visitor", True),
        VisitorPresenceChanged("c1", False),
        QueueChanged(),
        ClosingSoon(NOW),
        ConversationDeleted("c1"),
    ]


def test_every_event_survives_the_wire_unchanged() -> None:
    for event in every_kind_of_event():
        node, back = decode_event(encode_event("n1", event))
        assert (node, back) == ("n1", event)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    require_redis()
    server = RedisProcess(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait for a condition, checking as events arrive (a deadline, not a guess)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
    assert condition(), what


def test_events_reach_the_other_process_once_and_outages_are_reported(
    redis_server: RedisProcess,
) -> None:
    async def main() -> None:
        a, b = RedisBus(redis_server.url, "t1"), RedisBus(redis_server.url, "t1")
        seen_a: list[Event] = []
        seen_b: list[Event] = []
        reconnected: list[str] = []
        a.subscribe(seen_a.append)
        b.subscribe(seen_b.append)
        b.on_reconnect.append(lambda: reconnected.append("b"))
        a.reconnect_delay_s = b.reconnect_delay_s = 0.05
        await a.start()
        await b.start()
        try:
            await until(lambda: a.healthy and b.healthy, "both connected")
            events = every_kind_of_event()
            for event in events:
                a.publish(event)
            assert seen_a == events  # at once, in order, once
            await until(lambda: len(seen_b) == len(events), "all events at b")
            assert seen_b == events

            redis_server.stop()
            await until(lambda: not a.healthy and not b.healthy, "outage reported")
            a.publish(QueueChanged())  # still delivered here; the others catch up later
            assert seen_a[-1] == QueueChanged()

            redis_server.start()
            await until(lambda: a.healthy and b.healthy, "both back")
            await until(lambda: reconnected == ["b"], "b told to catch up")
            a.publish(TypingChanged("c2", "host", False))
            await until(lambda: seen_b[-1] == TypingChanged("c2", "host", False), "after")
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(main())


def test_a_burst_reaches_the_other_process_whole_and_in_order(
    redis_server: RedisProcess,
) -> None:
    """Events published faster than Redis answers go out in pipelined batches: every one
    arrives once, in the order it was published, and none comes back to its sender."""

    async def main() -> None:
        a, b = RedisBus(redis_server.url, "burst"), RedisBus(redis_server.url, "burst")
        seen_a: list[Event] = []
        seen_b: list[Event] = []
        a.subscribe(seen_a.append)
        b.subscribe(seen_b.append)
        await a.start()
        await b.start()
        try:
            await until(lambda: a.healthy and b.healthy, "both subscribed")
            burst = [
                MessagePosted("c1", i, "visitor", f"m{i}", f"id{i}", NOW) for i in range(1, 1001)
            ]
            for event in burst:
                a.publish(event)
            await until(lambda: len(seen_b) >= len(burst), "the whole burst arrived")
            assert seen_b == burst
            assert seen_a == burst  # delivered locally once, not again from Redis
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(main())

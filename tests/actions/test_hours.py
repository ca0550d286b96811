"""Opening hours kept in the database, and what happens at closing time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from lykt.actions import hours
from lykt.actions.context import Context, Rules
from lykt.actions.conversations import (
    access_conversation_by_token,
    claim_conversation,
    open_conversation,
)
from lykt.actions.staff import add_staff
from lykt.clock import ManualClock
from lykt.errors import Closed, Invalid
from lykt.events import ClosingSoon, ConversationEnded, Event
from tests.actions.test_messages import run_with_context
from tests.conftest import PASSWORD

T = TypeVar("T")
OSLO = ZoneInfo("Europe/Oslo")
# Wednesday 2 December 2026: a weekly opening day (15:00-22:00, winter time, +01:00).
WEDNESDAY = date(2026, 12, 2)


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def run_at(
    database_url: str,
    start: datetime,
    work: Callable[[Context, ManualClock, list[Event]], Awaitable[T]],
    *,
    always_open: bool = False,
) -> T:
    """Run ``work`` on a clock that starts at ``start`` and moves only when told."""
    clock = ManualClock(start)
    return run_with_context(
        database_url,
        lambda ctx, published: work(ctx, clock, published),
        clock=clock,
        rules=Rules(always_open=always_open),
    )


def test_a_new_database_has_the_helplines_hours_wednesday_and_friday_15_to_22(
    database_url: str,
) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        status = await hours.opening_status(ctx)
        assert status.open and status.closes_at == oslo(WEDNESDAY, 22)
        assert status.closes_at.isoformat() == "2026-12-02T22:00:00+01:00"
        clock.advance(timedelta(hours=7))  # 22:00: closed until Friday 15:00
        hours.forget_cache(ctx)
        status = await hours.opening_status(ctx)
        assert not status.open and status.next_opening == oslo(date(2026, 12, 4), 15)

    run_at(database_url, oslo(WEDNESDAY, 15), work)


def test_changes_reach_the_status_and_holidays_close_the_chat(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        # 2027-05-17 (Constitution Day) is a Monday: open Mondays, but not on the holiday.
        await hours.set_weekly(ctx, "mon 10:00-12:00")
        status = await hours.opening_status(ctx)
        assert not status.open and status.next_opening == oslo(date(2027, 5, 24), 10)
        await hours.add_extra_opening(ctx, date(2027, 5, 17), "10:00-11:00", "17. mai")
        assert (await hours.opening_status(ctx)).open
        await hours.remove_day(ctx, date(2027, 5, 17))
        await hours.set_norwegian_holidays(ctx, False)
        assert (await hours.opening_status(ctx)).open
        await hours.add_closed_day(ctx, date(2027, 5, 17), "stengt")
        assert not (await hours.opening_status(ctx)).open
        with pytest.raises(Invalid):
            await hours.set_weekly(ctx, "someday 10-11")
        with pytest.raises(Invalid):
            await hours.add_extra_opening(ctx, date(2027, 5, 18), "12:00-11:00")
        with pytest.raises(Invalid):
            await hours.set_timezone(ctx, "Mars/Olympus")

    run_at(database_url, oslo(date(2027, 5, 17), 10, 30), work)


def test_the_status_is_right_across_the_spring_daylight_saving_change(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        # Sunday 28 March 2027 the clocks go from 02:00 to 03:00 in Oslo. It is Easter Sunday
        # too, a public holiday: closed, until the operator opens on holidays.
        await hours.set_weekly(ctx, "sun 01:00-04:00")
        assert not (await hours.opening_status(ctx)).open
        await hours.set_norwegian_holidays(ctx, False)
        status = await hours.opening_status(ctx)
        assert status.open
        assert status.closes_at is not None
        assert status.closes_at.isoformat() == "2027-03-28T04:00:00+02:00"
        # Three hours on the wall clock, two hours of real time (Python subtracts aware
        # datetimes with the same tzinfo by wall time, so compare in UTC).
        assert status.closes_at.astimezone(UTC) - clock.now().astimezone(UTC) == timedelta(hours=2)

    run_at(database_url, oslo(date(2027, 3, 28), 1, 0), work)


def test_a_closed_chat_refuses_new_visitors_and_says_when_it_opens(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        with pytest.raises(Closed) as refused:
            await open_conversation(ctx, 12, "self")
        assert refused.value.next_opening == oslo(WEDNESDAY, 15)

    run_at(database_url, oslo(WEDNESDAY, 14, 59), work)


def test_at_closing_time_waiting_visitors_are_told_and_chats_under_way_go_on(
    database_url: str,
) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        host = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        talking, _ = await open_conversation(ctx, 14, "self")
        await claim_conversation(ctx, host, talking.id)
        waiting, waiting_token = await open_conversation(ctx, 11, "friend")
        assert await hours.end_queue_if_closed(ctx) == 0  # still open: nothing happens
        clock.advance(timedelta(hours=6, minutes=59, seconds=59))  # 21:59:59
        hours.forget_cache(ctx)
        assert await hours.end_queue_if_closed(ctx) == 0
        clock.advance(timedelta(seconds=1))  # 22:00
        hours.forget_cache(ctx)
        assert await hours.end_queue_if_closed(ctx) == 1
        assert await hours.end_queue_if_closed(ctx) == 0  # twice is harmless
        ended = [e for e in published if isinstance(e, ConversationEnded)]
        assert [(e.conversation_id, e.reason, e.by) for e in ended] == [
            (waiting.id, "closed", "system")
        ]
        assert ended[0].next_opening == oslo(date(2026, 12, 4), 15)
        assert ended[0].visitor_frame() == {
            "type": "conversation.ended",
            "by": "system",
            "reason": "closed",
            "next_opening": "2026-12-04T15:00:00+01:00",
        }
        assert (await access_conversation_by_token(ctx, waiting_token)).status == "ended"
        views = await access_conversation_by_token(ctx, waiting_token)
        assert views.end_reason == "closed"

    run_at(database_url, oslo(WEDNESDAY, 15), work)


def test_hosts_are_warned_once_fifteen_minutes_before_closing(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        assert await hours.warn_before_closing(ctx) is None  # 21:44: too early
        clock.advance(timedelta(minutes=1))  # 21:45
        hours.forget_cache(ctx)
        assert await hours.warn_before_closing(ctx) == oslo(WEDNESDAY, 22)
        clock.advance(timedelta(minutes=5))
        assert await hours.warn_before_closing(ctx) is None  # once per closing time
        warnings = [e for e in published if isinstance(e, ClosingSoon)]
        assert warnings == [ClosingSoon(oslo(WEDNESDAY, 22))]
        assert warnings[0].staff_frame() == {
            "type": "hours.closing_soon",
            "closes_at": "2026-12-02T22:00:00+01:00",
        }

    run_at(database_url, oslo(WEDNESDAY, 21, 44), work)


def test_always_open_ignores_the_schedule(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        status = await hours.opening_status(ctx)
        assert status.open and status.closes_at is None
        await open_conversation(ctx, None, "self")
        assert await hours.end_queue_if_closed(ctx) == 0

    run_at(database_url, oslo(date(2026, 12, 1), 3), work, always_open=True)


def test_a_change_is_not_hidden_by_a_read_that_began_before_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        real_load = hours.load_config
        old_read = asyncio.Event()
        release = asyncio.Event()

        async def slow_load(ctx: Context) -> hours.HoursConfig:
            config = await real_load(ctx)
            if not old_read.is_set():
                old_read.set()  # this read saw the hours before the change
                await release.wait()
            return config

        monkeypatch.setattr(hours, "load_config", slow_load)
        reader = asyncio.create_task(hours.current_schedule(ctx))  # e.g. a job's look
        await old_read.wait()
        await hours.set_weekly(ctx, "mon 10:00-12:00")  # the CLI changes the hours
        release.set()
        await reader
        schedule = await hours.current_schedule(ctx)
        assert [slot.weekday for slot in schedule.weekly] == [0]

    run_at(database_url, oslo(WEDNESDAY, 12), work)

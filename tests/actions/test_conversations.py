from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lykt.actions.context import Context
from lykt.actions.conversations import (
    access_conversation_by_token,
    claim_conversation,
    end_conversation,
    open_conversation,
    queue_snapshot,
)
from lykt.actions.shift import refresh_presence, set_availability, start_shift
from lykt.actions.staff import add_staff
from lykt.clock import ManualClock
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import Event, age_group
from tests.actions.test_messages import run_with_context


@pytest.mark.parametrize(
    ("age", "group"),
    [
        (None, "unknown"),
        (8, "under13"),
        (12, "under13"),
        (13, "13-15"),
        (15, "13-15"),
        (16, "16-18"),
        (18, "16-18"),
        (19, "19-25"),
        (25, "19-25"),
        (26, "over25"),
    ],
)
def test_age_groups_have_clear_edges(age: int | None, group: str) -> None:
    assert age_group(age) == group


def test_of_two_hosts_claiming_at_once_exactly_one_wins(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", "correct horse battery")
        ola = await add_staff(ctx, "ola@example.org", "Ola", "host", "correct horse battery")
        for _ in range(20):
            conversation, _ = await open_conversation(ctx, 12, "self")
            results = await asyncio.gather(
                claim_conversation(ctx, kari, conversation.id),
                claim_conversation(ctx, ola, conversation.id),
                return_exceptions=True,
            )
            wins = [r for r in results if not isinstance(r, BaseException)]
            losses = [r for r in results if isinstance(r, Conflict)]
            assert len(wins) == 1 and len(losses) == 1
            await end_conversation(ctx, wins[0].id, by="host")

    run_with_context(database_url, work)


def test_queue_is_first_come_first_served_and_the_estimate_follows_recent_claims(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        clock = ctx.clock
        assert isinstance(clock, ManualClock)
        host = await add_staff(ctx, "kari@example.org", "Kari", "host", "correct horse battery")
        await start_shift(ctx, "node-1", host)  # connected, and available as at login
        first, _ = await open_conversation(ctx, 9, "self")
        clock.advance(timedelta(seconds=1))
        second, _ = await open_conversation(ctx, None, "friend")
        snapshot = await queue_snapshot(ctx)
        assert [e.conversation_id for e in snapshot.entries] == [first.id, second.id]
        assert snapshot.position_of(second.id) == 2
        assert snapshot.estimate_minutes(2) is None  # nothing to go by yet: say so
        # Two visitors claimed after four minutes each: the queue moves.
        for _ in range(2):
            conversation, _ = await open_conversation(ctx, 14, "self")
            clock.advance(timedelta(minutes=4))
            await claim_conversation(ctx, host, conversation.id)
            await end_conversation(ctx, conversation.id, by="host")
        await refresh_presence(ctx, "node-1", [host.id])  # as every process does each tick
        snapshot = await queue_snapshot(ctx)
        estimate = snapshot.estimate_minutes(1)
        assert estimate is not None and 1 <= estimate <= 60
        # Only available hosts count: with the one host on a break nobody can say.
        await set_availability(ctx, host, "break")
        assert (await queue_snapshot(ctx)).estimate_minutes(1) is None
        await set_availability(ctx, host, "available")
        # A second host available: the queue moves faster than it did with one.
        other = await add_staff(ctx, "ola@example.org", "Ola", "host", "correct horse battery")
        await start_shift(ctx, "node-2", other)
        faster = (await queue_snapshot(ctx)).estimate_minutes(2)
        slower = snapshot.estimate_minutes(2)
        assert faster is not None and slower is not None and faster < slower
        claimed = await claim_conversation(ctx, host, None)
        assert claimed.id == first.id  # the one who waited longest

    run_with_context(database_url, work)


def test_a_token_opens_only_its_own_conversation_and_a_wrong_one_says_nothing(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        mine, token = await open_conversation(ctx, 12, "self")
        assert (await access_conversation_by_token(ctx, token)).id == mine.id
        for wrong in ("", token[:-1], token + "x", "x" * 500):
            with pytest.raises(NotFound) as err:
                await access_conversation_by_token(ctx, wrong)
            assert err.value.message == "Not found."
        with pytest.raises(Invalid):
            await open_conversation(ctx, 3, "self")
        with pytest.raises(Invalid):
            await open_conversation(ctx, 12, "parents")

    run_with_context(database_url, work)

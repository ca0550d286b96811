"""Forgetting for real: the purge, legal holds and the statistics that survive them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from lykt.actions import hours
from lykt.actions.audit import audit_log
from lykt.actions.context import Context
from lykt.actions.conversations import (
    access_conversation_by_token,
    claim_conversation,
    end_conversation,
    open_conversation,
)
from lykt.actions.messages import post_message
from lykt.actions.notes import add_note
from lykt.actions.retention import place_hold, purge_expired, release_hold
from lykt.actions.staff import add_staff
from lykt.actions.statistics import statistics
from lykt.actions.supervision import raise_alert
from lykt.actions.wrapups import wrap_up_conversation
from lykt.clock import ManualClock
from lykt.errors import Forbidden, Invalid, NotFound
from lykt.events import ConversationDeleted, Event
from tests.actions.test_hours import oslo, run_at
from tests.conftest import PASSWORD
from tests.databases import sqlite_url

WEDNESDAY = date(2026, 12, 2)
RETENTION = timedelta(hours=72)
MINUTE = timedelta(minutes=1)
# The rules run on both databases; the bytes-on-disk test is about SQLite's files.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def sqlite_files(data_dir: Path) -> bytes:
    return b"".join(
        (data_dir / name).read_bytes()
        for name in ("lykt.db", "lykt.db-wal", "lykt.db-shm")
        if (data_dir / name).exists()
    )


def test_purged_words_are_gone_from_every_byte_of_the_sqlite_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    canary = f"KANARI-{uuid.uuid4().hex}"

    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        host = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        conversation, token = await open_conversation(ctx, 14, "self")
        await claim_conversation(ctx, host, conversation.id)
        for i in range(30):
            await post_message(ctx, conversation.id, "visitor", f"c{i}", f"{canary} nr {i}")
        # An internal note goes with the conversation, as do the staff-only marks.
        note = f"NOTAT-{canary}"
        await add_note(ctx, host, conversation.id, note)
        await raise_alert(ctx, host, conversation.id, "duty.flagged")
        clock.advance(timedelta(minutes=20))
        await end_conversation(ctx, conversation.id, by="visitor")
        await wrap_up_conversation(ctx, host, conversation.id, ["Følelser"], True)
        # A legal hold's reason is kept with the hold only: released, it goes; never in the
        # audit log, which outlives the conversation.
        boss = await add_staff(ctx, "sara@example.org", "Sara", "supervisor", PASSWORD)
        await place_hold(ctx, boss, conversation.id, f"HOLD-{canary}")
        assert f"HOLD-{canary}".encode() in sqlite_files(data)
        await release_hold(ctx, boss, conversation.id)
        assert canary.encode() in sqlite_files(data)  # the test can see the words
        assert note.encode() in sqlite_files(data)

        clock.advance(RETENTION - MINUTE)
        assert (await purge_expired(ctx)).conversations == 0  # not yet: 71 h 59 min
        clock.advance(2 * MINUTE)  # 72 h 1 min after it ended
        result = await purge_expired(ctx)
        assert (result.conversations, result.messages) == (1, 30)
        assert ConversationDeleted(conversation.id) in published
        with pytest.raises(NotFound):
            await access_conversation_by_token(ctx, token)

        # Still counted, as one answered chat that lasted 10-30 minutes.
        counted = {(c.dimension, c.bucket): c.count for c in await statistics(ctx)}
        assert counted == {
            ("age_group", "13-15"): 1,
            ("about", "self"): 1,
            ("outcome", "answered"): 1,
            ("wait", "under 1 min"): 1,
            ("duration", "10-30 min"): 1,
            ("topic", "Følelser"): 1,
        }

    run_at(sqlite_url(data), oslo(WEDNESDAY, 16), work, always_open=True)
    files = sqlite_files(data)
    assert files, "no database files found"
    assert canary.encode() not in files  # the messages and the note (it carries it too)
    wal = data / "lykt.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # the log was cut after the purge


def test_a_conversation_never_ended_goes_72_hours_after_its_last_word(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        conversation, _ = await open_conversation(ctx, None, "friend")
        clock.advance(timedelta(hours=1))
        await post_message(ctx, conversation.id, "visitor", "c1", "hallo?")
        clock.advance(RETENTION - MINUTE)
        assert (await purge_expired(ctx)).conversations == 0
        clock.advance(2 * MINUTE)
        assert (await purge_expired(ctx)).conversations == 1
        counted = {(c.dimension, c.bucket): c.count for c in await statistics(ctx)}
        assert counted == {
            ("age_group", "unknown"): 1,
            ("about", "friend"): 1,
            ("outcome", "left_queue"): 1,
        }
        assert "2026-W49" in {c.week for c in await statistics(ctx)}

    run_at(database_url, oslo(WEDNESDAY, 16), work, always_open=True)


def test_a_backlog_is_purged_in_many_batches_oldest_first_and_nothing_is_left(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After days switched off, the purge takes the backlog in batches (here tiny ones) so
    chats get the write lock in between; every conversation and message goes all the same,
    and a conversation still within the period stays."""
    from lykt.actions import retention

    monkeypatch.setattr(retention, "PURGE_BATCH", 3)
    monkeypatch.setattr(retention, "PURGE_MESSAGES_FIRST", 4)
    monkeypatch.setattr(retention, "PURGE_MESSAGES_RANGE", (1, 6))
    deleted: list[str] = []

    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        ended = []
        for n in range(8):
            conversation, _ = await open_conversation(ctx, 15, "self")
            for i in range(n % 3 + 1):
                await post_message(ctx, conversation.id, "visitor", f"c{i}", f"melding {i}")
            await end_conversation(ctx, conversation.id, by="visitor")
            ended.append(conversation.id)
            clock.advance(MINUTE)
        clock.advance(RETENTION)
        recent, token = await open_conversation(ctx, 15, "self")
        await post_message(ctx, recent.id, "visitor", "r", "fortsatt her")
        result = await purge_expired(ctx)
        assert (result.conversations, result.messages) == (8, sum(n % 3 + 1 for n in range(8)))
        deleted.extend(e.conversation_id for e in published if isinstance(e, ConversationDeleted))
        assert deleted == ended  # oldest first
        assert (await purge_expired(ctx)).conversations == 0
        assert (await access_conversation_by_token(ctx, token)).id == recent.id

    run_at(database_url, oslo(WEDNESDAY, 16), work, always_open=True)


def test_a_legal_hold_keeps_a_conversation_until_released_and_is_audited(
    database_url: str,
) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        host = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        boss = await add_staff(ctx, "siri@example.org", "Siri", "supervisor", PASSWORD)
        held, token = await open_conversation(ctx, 12, "self")
        other, _ = await open_conversation(ctx, 12, "self")
        await end_conversation(ctx, held.id, by="visitor")
        await end_conversation(ctx, other.id, by="visitor")

        with pytest.raises(Forbidden):
            await place_hold(ctx, host, held.id, "barnet er i fare")
        with pytest.raises(Invalid):
            await place_hold(ctx, boss, held.id, "   ")
        with pytest.raises(NotFound):
            await place_hold(ctx, boss, "0" * 32, "feil samtale")
        hold = await place_hold(ctx, boss, held.id, "avvergingsplikt: sak 2026-17")
        assert hold.expires_at == clock.now() + timedelta(days=30)

        clock.advance(RETENTION + MINUTE)
        assert (await purge_expired(ctx)).conversations == 1  # only the other one
        assert (await access_conversation_by_token(ctx, token)).id == held.id
        clock.advance(timedelta(days=10))
        assert (await purge_expired(ctx)).conversations == 0

        with pytest.raises(Forbidden):
            await release_hold(ctx, host, held.id)
        await release_hold(ctx, boss, held.id)
        assert (await purge_expired(ctx)).conversations == 1
        with pytest.raises(NotFound):
            await access_conversation_by_token(ctx, token)

        entries = [
            (e.actor, e.action, e.subject)
            for e in await audit_log(ctx)
            if e.action.startswith("hold.")
        ]
        assert entries == [
            (f"staff:{boss.id}", "hold.placed", held.id),
            (f"staff:{boss.id}", "hold.released", held.id),
        ]
        # The reason lived with the hold and went with it; the audit log, which outlives the
        # conversation, never had it.
        assert not any("sak 2026-17" in e.detail for e in await audit_log(ctx))

    run_at(database_url, oslo(WEDNESDAY, 16), work, always_open=True)


def test_a_hold_lapses_after_its_maximum(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        boss = await add_staff(ctx, "siri@example.org", "Siri", "supervisor", PASSWORD)
        held, _ = await open_conversation(ctx, 12, "self")
        await end_conversation(ctx, held.id, by="visitor")
        await place_hold(ctx, boss, held.id, "avvergingsplikt")
        clock.advance(timedelta(days=30) - MINUTE)
        assert (await purge_expired(ctx)).conversations == 0
        clock.advance(2 * MINUTE)
        assert (await purge_expired(ctx)).conversations == 1

    run_at(database_url, oslo(WEDNESDAY, 16), work, always_open=True)


def test_waiting_visitors_ended_at_closing_time_count_as_closed_unanswered(
    database_url: str,
) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        for _ in range(6):
            await open_conversation(ctx, 16, "self")
        clock.advance(timedelta(minutes=1))
        hours.forget_cache(ctx)
        assert await hours.end_queue_if_closed(ctx) == 6
        cells = {(c.dimension, c.bucket): c for c in await statistics(ctx)}
        assert cells[("outcome", "closed_unanswered")].shown == "6"
        assert cells[("age_group", "16-18")].count == 6
        assert ("wait", "under 1 min") not in cells

    run_at(database_url, oslo(WEDNESDAY, 21, 59), work)


def test_small_cells_are_shown_as_under_five(database_url: str) -> None:
    async def work(ctx: Context, clock: ManualClock, published: list[Event]) -> None:
        conversation, _ = await open_conversation(ctx, 9, "self")
        await end_conversation(ctx, conversation.id, by="visitor")
        shown = {(c.dimension, c.bucket): c.shown for c in await statistics(ctx)}
        assert shown[("age_group", "under13")] == "<5"

    run_at(database_url, datetime(2026, 12, 2, 15, tzinfo=UTC), work, always_open=True)

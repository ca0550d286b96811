"""Statistics that cannot point back to anyone.

When a conversation ends (or is deleted without ever ending) it adds one to a few counters of
its ISO week, each dimension on its own: age group, for me / for a friend, outcome, waiting
time and duration in broad buckets. Counters are never crossed with one another, and no row
per conversation is kept, so after the purge nothing links a count to a person. Cells under
``SMALL_CELL`` are shown as "<5"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from lykt.actions.context import Context, Tx
from lykt.events import age_group
from lykt.models import Conversation
from lykt.store import statistics as statistics_store

SMALL_CELL = 5
WAIT_BUCKETS = ((1, "under 1 min"), (5, "1-5 min"), (15, "5-15 min"), (30, "15-30 min"))
DURATION_BUCKETS = ((10, "under 10 min"), (30, "10-30 min"), (60, "30-60 min"))


def _bucket(span: timedelta, buckets: tuple[tuple[int, str], ...], last: str) -> str:
    minutes = span.total_seconds() / 60
    for limit, name in buckets:
        if minutes < limit:
            return name
    return last


def outcome(conversation: Conversation, end_reason: str | None) -> str:
    if conversation.claimed_at is not None:
        return "answered"
    if end_reason == "closed":
        return "closed_unanswered"
    return "left_queue"


def cells(
    conversation: Conversation, end_reason: str | None, ended_at: datetime
) -> list[tuple[str, str]]:
    """The counters one conversation adds to (``end_reason`` None: deleted, never ended)."""
    result = [
        ("age_group", age_group(conversation.age)),
        ("about", conversation.about),
        ("outcome", outcome(conversation, end_reason)),
    ]
    if conversation.claimed_at is not None:
        waited = conversation.claimed_at - conversation.created_at
        result.append(("wait", _bucket(waited, WAIT_BUCKETS, "over 30 min")))
        lasted = ended_at - conversation.claimed_at
        result.append(("duration", _bucket(lasted, DURATION_BUCKETS, "over 60 min")))
    return result


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


async def count_conversation(
    tx: Tx, conversation: Conversation, end_reason: str | None, ended_at: datetime, tz: tzinfo
) -> None:
    """Add a conversation that has just ended to the counters, in the same transaction (so it
    is counted exactly once: when it ends, or when it is deleted without having ended). The
    week is the one it started in, in the helpline's timezone ``tz``."""
    week = iso_week(conversation.created_at.astimezone(tz))
    await statistics_store.add(tx.session, week, cells(conversation, end_reason, ended_at))


@dataclass(frozen=True)
class Cell:
    week: str
    dimension: str
    bucket: str
    count: int

    @property
    def shown(self) -> str:
        return f"<{SMALL_CELL}" if self.count < SMALL_CELL else str(self.count)


async def statistics(
    ctx: Context, first_week: str | None = None, last_week: str | None = None
) -> list[Cell]:
    async with ctx.db.read() as session:
        rows = await statistics_store.all_counts(session, first_week, last_week)
    return [Cell(*row) for row in rows]

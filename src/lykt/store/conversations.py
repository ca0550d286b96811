from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Conversation


async def insert(session: AsyncSession, conversation: Conversation) -> None:
    session.add(conversation)
    await session.flush()


async def get(
    session: AsyncSession, conversation_id: str, *, lock: bool = False
) -> Conversation | None:
    """With ``lock``, the row stays locked until the transaction ends (PostgreSQL)."""
    return await session.get(Conversation, conversation_id, with_for_update=lock or None)


async def get_by_token_hash(session: AsyncSession, token_hash: str) -> Conversation | None:
    result = await session.execute(
        select(Conversation).where(Conversation.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def waiting(session: AsyncSession) -> Sequence[Conversation]:
    """The queue, first come first served."""
    result = await session.execute(
        select(Conversation)
        .where(Conversation.status == "waiting")
        .order_by(Conversation.created_at, Conversation.id)
    )
    return result.scalars().all()


@dataclass(frozen=True, slots=True)
class Waiting:
    """A place in the queue: just what the queue shows, read without the ORM's bookkeeping
    (the queue can be thousands long and is read on every change)."""

    id: str
    age: int | None
    about: str
    created_at: datetime


async def queue(session: AsyncSession, limit: int | None = None) -> list[Waiting]:
    """The queue, first come first served (the first ``limit`` places, or all)."""
    query = (
        select(Conversation.id, Conversation.age, Conversation.about, Conversation.created_at)
        .where(Conversation.status == "waiting")
        .order_by(Conversation.created_at, Conversation.id)
    )
    if limit is not None:
        query = query.limit(limit)
    result = await session.execute(query)
    return [Waiting(*row) for row in result.all()]


async def active_for_host(session: AsyncSession, host_id: int) -> Sequence[Conversation]:
    result = await session.execute(
        select(Conversation)
        .where(Conversation.status == "active", Conversation.host_id == host_id)
        .order_by(Conversation.claimed_at)
    )
    return result.scalars().all()


async def count_active_for_host(session: AsyncSession, host_id: int) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.status == "active", Conversation.host_id == host_id)
    )
    return int(result.scalar_one())


async def mark_claimed(
    session: AsyncSession, conversation_id: str, host_id: int, now: datetime
) -> bool:
    """Claim only if still waiting. Exactly one of two racing claims changes the row."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == "waiting")
        .values(status="active", host_id=host_id, claimed_at=now, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def mark_ended(
    session: AsyncSession, conversation_id: str, reason: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status != "ended")
        .values(status="ended", ended_at=now, end_reason=reason, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def recent_claim_waits_s(session: AsyncSession, since: datetime) -> list[float]:
    """Seconds from arrival to claim, for conversations claimed since ``since``."""
    result = await session.execute(
        select(Conversation.created_at, Conversation.claimed_at).where(
            Conversation.claimed_at.is_not(None), Conversation.claimed_at >= since
        )
    )
    waits: list[float] = []
    for created_at, claimed_at in result.all():
        if claimed_at is not None:
            waits.append((claimed_at - created_at).total_seconds())
    return waits


@dataclass
class PostingState:
    status: str
    host_id: int | None
    last_seq: int
    changed_from: int = field(init=False)

    def __post_init__(self) -> None:
        self.changed_from = self.last_seq


async def lock_for_posting(
    session: AsyncSession, conversation_ids: set[str]
) -> dict[str, PostingState]:
    """Read (and on PostgreSQL lock, in id order) what posting needs of each conversation."""
    result = await session.execute(
        select(Conversation.id, Conversation.status, Conversation.host_id, Conversation.last_seq)
        .where(Conversation.id.in_(conversation_ids))
        .order_by(Conversation.id)
        .with_for_update()
    )
    return {row[0]: PostingState(row[1], row[2], row[3]) for row in result.all()}


async def set_last_seqs(session: AsyncSession, last_seqs: dict[str, int], now: datetime) -> None:
    if not last_seqs:
        return
    await session.execute(
        update(Conversation.__table__)  # type: ignore[arg-type]
        .where(Conversation.__table__.c.id == bindparam("b_id"))
        .values(last_seq=bindparam("b_seq"), last_activity_at=bindparam("b_now")),
        [{"b_id": cid, "b_seq": seq, "b_now": now} for cid, seq in last_seqs.items()],
    )


async def existing_ids(session: AsyncSession, ids: set[str]) -> set[str]:
    result = await session.execute(select(Conversation.id).where(Conversation.id.in_(ids)))
    return set(result.scalars().all())

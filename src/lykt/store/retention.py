"""What the purge deletes, legal holds and the audit log: SQL only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Conversation, LegalHold, Message


async def expired(
    session: AsyncSession, cutoff: datetime, now: datetime, limit: int
) -> Sequence[Conversation]:
    """Conversations that ended (or, never ended, went quiet) at or before ``cutoff`` and are
    not under a legal hold in force at ``now``."""
    held = select(LegalHold.conversation_id).where(LegalHold.expires_at > now)
    result = await session.execute(
        select(Conversation)
        .where(
            or_(
                and_(Conversation.status == "ended", Conversation.ended_at <= cutoff),
                and_(Conversation.status != "ended", Conversation.last_activity_at <= cutoff),
            ),
            Conversation.id.not_in(held),
        )
        # Oldest first: their messages were written about the same time, so they sit
        # together on disk and a batch touches fewer pages.
        .order_by(Conversation.ended_at, Conversation.last_activity_at, Conversation.id)
        .limit(limit)
    )
    return result.scalars().all()


async def delete_conversations(session: AsyncSession, ids: Sequence[str]) -> int:
    """Delete conversations and everything tied to them; returns how many messages went."""
    if not ids:
        return 0
    messages = await session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    await session.execute(delete(LegalHold).where(LegalHold.conversation_id.in_(ids)))
    await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
    return int(messages.rowcount or 0)  # type: ignore[attr-defined]


async def put_hold(session: AsyncSession, hold: LegalHold) -> None:
    await session.merge(hold)
    await session.flush()


async def delete_hold(session: AsyncSession, conversation_id: str) -> bool:
    result = await session.execute(
        delete(LegalHold).where(LegalHold.conversation_id == conversation_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def holds(session: AsyncSession) -> Sequence[LegalHold]:
    result = await session.execute(select(LegalHold).order_by(LegalHold.placed_at))
    return result.scalars().all()

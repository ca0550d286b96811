from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Message


async def after(session: AsyncSession, conversation_id: str, last_seq: int) -> Sequence[Message]:
    """Every message after ``last_seq``, in order: what a resuming client missed."""
    result = await session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > last_seq)
        .order_by(Message.seq)
    )
    return result.scalars().all()


async def by_client_ids(
    session: AsyncSession, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], Message]:
    """The stored messages among ``(conversation_id, client_id)`` pairs: resends."""
    if not keys:
        return {}
    # Two plain IN lists, not a row-value IN: SQLite answers the latter with a scan of the
    # whole table (seconds with a million messages), the former from the unique index on
    # (conversation_id, client_id). The few extra pairs it may match are dropped here.
    result = await session.execute(
        select(Message).where(
            Message.conversation_id.in_({c for c, _ in keys}),
            Message.client_id.in_({m for _, m in keys}),
        )
    )
    found = ((m.conversation_id, m.client_id, m) for m in result.scalars().all())
    return {(c, m_id): m for c, m_id, m in found if (c, m_id) in keys}


async def insert_many(session: AsyncSession, messages: list[Message]) -> None:
    """One multi-row INSERT; the objects are not tracked by the session."""
    await session.execute(
        insert(Message),
        [
            {
                "conversation_id": m.conversation_id,
                "seq": m.seq,
                "sender": m.sender,
                "staff_id": m.staff_id,
                "client_id": m.client_id,
                "text": m.text,
                "sent_at": m.sent_at,
                "card": m.card,
            }
            for m in messages
        ],
    )

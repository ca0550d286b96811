from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, tuple_
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
    result = await session.execute(
        select(Message).where(tuple_(Message.conversation_id, Message.client_id).in_(keys))
    )
    return {(m.conversation_id, m.client_id): m for m in result.scalars().all()}


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
            }
            for m in messages
        ],
    )

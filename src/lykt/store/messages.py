from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Message


async def insert(session: AsyncSession, message: Message) -> None:
    session.add(message)
    await session.flush()


async def get_by_client_id(
    session: AsyncSession, conversation_id: str, client_id: str
) -> Message | None:
    result = await session.execute(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.client_id == client_id
        )
    )
    return result.scalar_one_or_none()


async def after(session: AsyncSession, conversation_id: str, last_seq: int) -> Sequence[Message]:
    """Every message after ``last_seq``, in order: what a resuming client missed."""
    result = await session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > last_seq)
        .order_by(Message.seq)
    )
    return result.scalars().all()

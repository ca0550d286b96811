"""Sealed address records: SQL only. Reached from the visitor socket, the purge and the
operator's CLI, never from staff-facing code."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import EscrowRecord


async def insert(session: AsyncSession, record: EscrowRecord) -> None:
    session.add(record)
    await session.flush()


async def for_conversation(session: AsyncSession, conversation_id: str) -> Sequence[EscrowRecord]:
    result = await session.execute(
        select(EscrowRecord)
        .where(EscrowRecord.conversation_id == conversation_id)
        .order_by(EscrowRecord.id)
    )
    return result.scalars().all()


async def conversation_ids(session: AsyncSession) -> set[str]:
    result = await session.execute(select(EscrowRecord.conversation_id).distinct())
    return set(result.scalars().all())


async def delete_for(session: AsyncSession, conversation_ids: Sequence[str]) -> int:
    if not conversation_ids:
        return 0
    result = await session.execute(
        delete(EscrowRecord).where(EscrowRecord.conversation_id.in_(conversation_ids))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

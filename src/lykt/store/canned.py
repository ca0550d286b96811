"""Canned replies: SQL only. Shared ones have no owner; personal ones belong to one staff
member."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import CannedReply


async def insert(session: AsyncSession, reply: CannedReply) -> None:
    session.add(reply)
    await session.flush()


async def visible_to(session: AsyncSession, staff_id: int) -> Sequence[CannedReply]:
    """The shared replies and ``staff_id``'s own, never anyone else's."""
    result = await session.execute(
        select(CannedReply)
        .where(or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == staff_id))
        .order_by(CannedReply.id)
    )
    return result.scalars().all()


async def shared(session: AsyncSession) -> Sequence[CannedReply]:
    result = await session.execute(
        select(CannedReply).where(CannedReply.owner_id.is_(None)).order_by(CannedReply.id)
    )
    return result.scalars().all()


async def delete_reply(session: AsyncSession, reply_id: int, owner_id: int | None) -> bool:
    """Delete the reply ``reply_id`` only if it belongs to ``owner_id`` (None: only if it is
    shared). Whether one was deleted."""
    owner = CannedReply.owner_id.is_(None) if owner_id is None else CannedReply.owner_id == owner_id
    result = await session.execute(delete(CannedReply).where(CannedReply.id == reply_id, owner))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]

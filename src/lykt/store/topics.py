"""Wrap-up topics: SQL only."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import WrapupTopic


async def names(session: AsyncSession) -> list[str]:
    """The topics a host can tick at wrap-up, in the order they are shown."""
    result = await session.execute(
        select(WrapupTopic.name).order_by(WrapupTopic.position, WrapupTopic.id)
    )
    return list(result.scalars().all())


async def next_position(session: AsyncSession) -> int:
    """The position after the last topic (0 when there are none)."""
    result = await session.execute(select(func.max(WrapupTopic.position)))
    last = result.scalar_one_or_none()
    return 0 if last is None else int(last) + 1


async def insert(session: AsyncSession, name: str, position: int) -> None:
    session.add(WrapupTopic(name=name, position=position))
    await session.flush()


async def delete_topic(session: AsyncSession, name: str) -> bool:
    """Delete the topic called exactly ``name``; whether there was one."""
    result = await session.execute(delete(WrapupTopic).where(WrapupTopic.name == name))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]

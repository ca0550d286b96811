"""Wrap-up topics: SQL only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import WrapupTopic


async def names(session: AsyncSession) -> list[str]:
    """The topics a host can tick at wrap-up, in the order they are shown."""
    result = await session.execute(
        select(WrapupTopic.name).order_by(WrapupTopic.position, WrapupTopic.id)
    )
    return list(result.scalars().all())

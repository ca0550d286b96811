"""Information cards: SQL only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import InfoCard


async def all_cards(session: AsyncSession) -> Sequence[InfoCard]:
    """Every card, in the order they are shown (position, then slug), each language."""
    result = await session.execute(
        select(InfoCard).order_by(InfoCard.position, InfoCard.slug, InfoCard.lang)
    )
    return result.scalars().all()


async def get(session: AsyncSession, slug: str, lang: str) -> InfoCard | None:
    result = await session.execute(
        select(InfoCard).where(InfoCard.slug == slug, InfoCard.lang == lang)
    )
    return result.scalar_one_or_none()


async def next_position(session: AsyncSession, slug: str) -> int:
    """The position of the slug's other languages, or one after the last card."""
    same = await session.execute(select(func.min(InfoCard.position)).where(InfoCard.slug == slug))
    position = same.scalar_one_or_none()
    if position is not None:
        return int(position)
    last = await session.execute(select(func.max(InfoCard.position)))
    highest = last.scalar_one_or_none()
    return 0 if highest is None else int(highest) + 1


async def insert(session: AsyncSession, card: InfoCard) -> None:
    session.add(card)
    await session.flush()


async def delete_card(session: AsyncSession, slug: str, lang: str) -> bool:
    result = await session.execute(
        delete(InfoCard).where(InfoCard.slug == slug, InfoCard.lang == lang)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]

"""Aggregate counters: SQL only."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import StatsCounter


async def add(session: AsyncSession, week: str, cells: Iterable[tuple[str, str]]) -> None:
    """Add one to each (dimension, bucket) cell of ``week``."""
    rows = [{"week": week, "dimension": d, "bucket": b, "count": 1} for d, b in cells]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(StatsCounter).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["week", "dimension", "bucket"],
        set_={"count": StatsCounter.count + 1},
    )
    await session.execute(statement)


async def all_counts(
    session: AsyncSession, first_week: str | None = None, last_week: str | None = None
) -> list[tuple[str, str, str, int]]:
    query = select(
        StatsCounter.week, StatsCounter.dimension, StatsCounter.bucket, StatsCounter.count
    ).order_by(StatsCounter.week, StatsCounter.dimension, StatsCounter.bucket)
    if first_week:
        query = query.where(StatsCounter.week >= first_week)
    if last_week:
        query = query.where(StatsCounter.week <= last_week)
    result = await session.execute(query)
    return [(w, d, b, int(c)) for w, d, b, c in result.all()]

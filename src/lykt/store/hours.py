"""Opening rules and operator settings: SQL only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import OpeningRule, Setting


async def all_rules(session: AsyncSession) -> Sequence[OpeningRule]:
    result = await session.execute(
        select(OpeningRule).order_by(
            OpeningRule.kind, OpeningRule.weekday, OpeningRule.day, OpeningRule.opens
        )
    )
    return result.scalars().all()


async def replace_weekly(session: AsyncSession, rules: Sequence[OpeningRule]) -> None:
    await session.execute(delete(OpeningRule).where(OpeningRule.kind == "weekly"))
    session.add_all(rules)
    await session.flush()


async def add_rule(session: AsyncSession, rule: OpeningRule) -> None:
    session.add(rule)
    await session.flush()


async def delete_dated(session: AsyncSession, day: date) -> int:
    result = await session.execute(
        delete(OpeningRule).where(OpeningRule.day == day, OpeningRule.kind != "weekly")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def all_settings(session: AsyncSession) -> dict[str, str]:
    result = await session.execute(select(Setting.key, Setting.value))
    return {key: value for key, value in result.all()}


async def put_setting(session: AsyncSession, key: str, value: str) -> None:
    row = await session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    await session.flush()

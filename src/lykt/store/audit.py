"""The audit log, a hash chain: SQL only (the hashing is ``privacy.audit``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import AuditEntry, Setting
from lykt.privacy.audit import GENESIS, row_hash

ANCHOR_KEY = "audit_anchor"  # the hash of the last row pruned: the chain goes on from it
APPEND_LOCK = 0x4C59_4B54_4155  # PostgreSQL advisory lock: one append at a time


async def anchor(session: AsyncSession) -> str:
    value = await session.scalar(select(Setting.value).where(Setting.key == ANCHOR_KEY))
    return value or GENESIS


async def append(session: AsyncSession, entry: AuditEntry) -> None:
    """Add a row at the end of the chain. Appends are serialised: SQLite's write lock, or an
    advisory lock held to the end of the transaction on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})
    last = await session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    entry.prev_hash = last or await anchor(session)
    entry.hash = row_hash(
        entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.detail
    )
    session.add(entry)
    await session.flush()


async def entries(
    session: AsyncSession, limit: int | None = None, newest_first: bool = False, offset: int = 0
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    result = await session.execute(query)
    return result.scalars().all()


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def prune(session: AsyncSession, before: datetime) -> int:
    """Delete the rows older than ``before`` (from the start of the chain only) and keep the
    hash of the last one deleted as the new anchor, so what remains still verifies."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})
    last = (
        await session.execute(
            select(AuditEntry.id, AuditEntry.hash)
            .where(AuditEntry.at < before)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
    ).first()
    if last is None:
        return 0
    result = await session.execute(delete(AuditEntry).where(AuditEntry.id <= last[0]))
    await session.merge(Setting(key=ANCHOR_KEY, value=last[1]))
    await session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

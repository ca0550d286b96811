"""The audit log: who did what that the helpline's promises depend on (logins, holds, a
supervisor reading along, escrow exports, changes to accounts and settings), with actor and
time and never free text about a conversation. A hash chain makes a changed, removed or
reordered row show (``verify_audit``); rows older than ``audit_days`` are pruned so that what
remains still verifies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions.context import Context
from lykt.models import AuditEntry
from lykt.privacy.audit import row_hash
from lykt.store import audit as audit_store


async def record(
    session: AsyncSession,
    ctx: Context,
    actor: str,
    action: str,
    subject: str = "",
    detail: str = "",
) -> None:
    """Append a row in the caller's transaction (so it stands or falls with what it says)."""
    await audit_store.append(
        session,
        AuditEntry(at=ctx.clock.now(), actor=actor, action=action, subject=subject, detail=detail),
    )


async def audit_log(
    ctx: Context, limit: int | None = None, newest_first: bool = False, offset: int = 0
) -> list[AuditEntry]:
    """The rows in the order of the chain (or newest first), ``offset`` rows skipped."""
    async with ctx.db.read() as session:
        return list(await audit_store.entries(session, limit, newest_first, max(0, offset)))


async def count_audit(ctx: Context) -> int:
    async with ctx.db.read() as session:
        return await audit_store.count(session)


@dataclass(frozen=True)
class Verdict:
    rows: int
    bad_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.bad_id is None


async def verify_audit(ctx: Context) -> Verdict:
    """Walk the chain from its anchor; the first row that does not follow is reported."""
    async with ctx.db.read() as session, session.begin():
        previous = await audit_store.anchor(session)
        rows = await audit_store.entries(session)
    for count, row in enumerate(rows):
        if row.prev_hash != previous:
            return Verdict(
                count, row.id, "a row before it was removed, or rows were put in another order"
            )
        expected = row_hash(row.prev_hash, row.at, row.actor, row.action, row.subject, row.detail)
        if row.hash != expected:
            return Verdict(count, row.id, "the row was changed")
        previous = row.hash
    return Verdict(len(rows))


async def prune_audit(ctx: Context) -> int:
    """Delete the rows older than ``audit_days`` (a job); the chain stays verifiable."""
    before = ctx.clock.now() - timedelta(days=ctx.rules.audit_days)
    async with ctx.transaction() as tx:
        return await audit_store.prune(tx.session, before)

"""Whether anyone can answer now: the visitor's page says so honestly while they wait."""

from __future__ import annotations

from datetime import timedelta

from lykt.actions.context import Context
from lykt.store import shift as shift_store


async def hosts_available(ctx: Context) -> bool:
    """True when at least one active staff member who is "available" (not on a break) has a
    live socket on some process (its presence refreshed within ``presence_fresh_s``)."""
    since = ctx.clock.now() - timedelta(seconds=ctx.rules.presence_fresh_s)
    async with ctx.db.read() as session:
        return await shift_store.count_available(session, since) > 0

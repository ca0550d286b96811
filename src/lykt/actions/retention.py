"""Forgetting, for real: the purge after the retention period, and legal holds.

A conversation and everything tied to it (messages, hold) is deleted ``retention_hours``
after it ended; one that never ended, that long after its last activity. A legal hold placed
by a supervisor (the duty to avert) keeps it until released or until the hold expires
(at most ``max_hold_days``). Placing and releasing a hold go into the audit log."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.actions.escrow import delete_orphans
from lykt.actions.escrow import delete_records as delete_escrow_records
from lykt.actions.escrow import forget_deleted_bytes as forget_escrow_bytes
from lykt.actions.hours import current_schedule
from lykt.actions.statistics import count_conversation
from lykt.errors import Forbidden, Invalid, NotFound
from lykt.events import ConversationDeleted
from lykt.models import Conversation, LegalHold, Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store import retention as retention_store

# A purge goes in batches, each one transaction: conversations (at most PURGE_BATCH) whose
# messages add up to about a target that adapts so a batch takes about PURGE_BATCH_S. The
# write lock is free between batches, so chats go on while a backlog (say, after days
# switched off) is purged; a bigger batch would purge faster and stall them longer.
PURGE_BATCH = 500
PURGE_BATCH_S = 0.25
PURGE_MESSAGES_FIRST = 5_000
PURGE_MESSAGES_RANGE = (500, 100_000)
MAX_REASON_CHARS = 1000
HOLD_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    messages: int


async def purge_expired(ctx: Context, as_of: datetime | None = None) -> PurgeResult:
    """Delete what is past the retention period at ``as_of`` (default: now). Safe to run on
    several processes at once: each batch is one transaction, and a row deleted by another
    is simply not there."""
    now = as_of or ctx.clock.now()
    cutoff = now - timedelta(hours=ctx.rules.retention_hours)
    tz = (await current_schedule(ctx)).tz
    conversations = messages = 0
    target = PURGE_MESSAGES_FIRST
    while True:
        started = time.monotonic()
        async with ctx.transaction() as tx:
            found = await retention_store.expired(tx.session, cutoff, now, PURGE_BATCH)
            if not found:
                break
            batch = _up_to(found, target)
            for conversation in batch:
                if conversation.status != "ended":  # never ended: count it as it goes
                    await count_conversation(
                        tx, conversation, None, conversation.last_activity_at, tz
                    )
                tx.publish_on_commit(ConversationDeleted(conversation.id))
            ids = [c.id for c in batch]
            messages += await retention_store.delete_conversations(tx.session, ids)
            conversations += len(batch)
        # After the commit: an address record never outlives its conversation for long (a
        # crash right here leaves orphans, which delete_orphans removes at the next run).
        await delete_escrow_records(ctx, ids, forget=False)
        if len(found) < PURGE_BATCH and len(batch) == len(found):
            break
        took = max(time.monotonic() - started, 0.001)
        low, high = PURGE_MESSAGES_RANGE
        target = int(min(high, max(low, target * min(4.0, PURGE_BATCH_S / took))))
    if conversations:
        await ctx.db.forget_deleted_bytes()
        await forget_escrow_bytes(ctx)
    await delete_orphans(ctx)
    return PurgeResult(conversations, messages)


def _up_to(found: Sequence[Conversation], messages: int) -> Sequence[Conversation]:
    """The first conversations whose messages add up to at most ``messages`` (at least one)."""
    total = 0
    for index, conversation in enumerate(found):
        total += conversation.last_seq
        if total > messages and index > 0:
            return found[:index]
    return found


def _check_supervisor(staff: Staff) -> None:
    if staff.role not in HOLD_ROLES:
        raise Forbidden("only a supervisor can place or release a legal hold")


async def place_hold(ctx: Context, staff: Staff, conversation_id: str, reason: str) -> LegalHold:
    """Keep a conversation past the retention period because the duty to avert applies."""
    _check_supervisor(staff)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS or not storable(reason):
        raise Invalid(f"give the reason for the hold (at most {MAX_REASON_CHARS} characters)")
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        if await conversations_store.get(tx.session, conversation_id) is None:
            raise NotFound()
        hold = LegalHold(
            conversation_id=conversation_id,
            placed_by=staff.id,
            reason=reason,
            placed_at=now,
            expires_at=now + timedelta(days=ctx.rules.max_hold_days),
        )
        await retention_store.put_hold(tx.session, hold)
        # The reason stays with the hold (and goes with it): the audit log outlives the
        # conversation and must say nothing about what was in it.
        await record(
            tx.session,
            ctx,
            f"staff:{staff.id}",
            "hold.placed",
            conversation_id,
            f"until {hold.expires_at.isoformat()}",
        )
    return hold


async def release_hold(ctx: Context, staff: Staff, conversation_id: str) -> None:
    _check_supervisor(staff)
    async with ctx.transaction() as tx:
        if not await retention_store.delete_hold(tx.session, conversation_id):
            raise NotFound()
        await record(tx.session, ctx, f"staff:{staff.id}", "hold.released", conversation_id)


async def list_holds(ctx: Context) -> list[LegalHold]:
    async with ctx.db.read() as session:
        return list(await retention_store.holds(session))

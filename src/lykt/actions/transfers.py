"""A chat changes hands: to a colleague, back to the front of the queue, or to a supervisor
who takes over; and the chats of a host whose connection was lost past the grace period go
back to the queue by themselves."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from lykt.actions.context import Context, Tx
from lykt.actions.hours import current_schedule
from lykt.actions.notes import MAX_NOTE_CHARS, insert_note
from lykt.actions.supervision import day_numbers, transferred
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import QueueChanged, StaffChanged
from lykt.models import Conversation, Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store import shift as shift_store
from lykt.store import staff as staff_store


async def _requeue(tx: Tx, conversation: Conversation, from_id: int, now: datetime) -> bool:
    if not await conversations_store.mark_requeued(tx.session, conversation.id, from_id, now):
        return False
    tx.publish_on_commit(transferred(conversation, from_id, None))
    tx.publish_on_commit(QueueChanged())
    tx.publish_on_commit(StaffChanged())
    return True


async def transfer_conversation(
    ctx: Context, host: Staff, conversation_id: str, to_staff_id: int | None, note: str
) -> Conversation:
    """The host gives the chat to a colleague (connected, available and under their
    maximum, else Conflict) or, with ``to_staff_id`` None, back to the front of the queue.
    The note goes with it as an internal note."""
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS or not storable(note):
        raise Invalid(f"a note is at most {MAX_NOTE_CHARS} characters")
    if to_staff_id == host.id:
        raise Invalid("the chat is already yours")
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        conversation = None
        if storable(conversation_id):
            conversation = await conversations_store.get(tx.session, conversation_id, lock=True)
        if conversation is None or conversation.host_id != host.id:
            raise NotFound("no such conversation among yours")
        if conversation.status != "active":
            raise Conflict("the conversation has ended")
        if note:
            await insert_note(tx, conversation.id, host, note, now)
        if to_staff_id is None:
            await _requeue(tx, conversation, host.id, now)
            return conversation
        await staff_store.lock(tx.session, to_staff_id)
        target = await staff_store.get(tx.session, to_staff_id)
        since = now - timedelta(seconds=ctx.rules.presence_fresh_s)
        if (
            target is None
            or not target.active
            or target.id not in await shift_store.present_ids(tx.session, since)
        ):
            raise Conflict("that colleague is not on shift now")
        if target.availability != "available":
            raise Conflict(f"{target.display_name} is on a break")
        limit = target.max_chats or ctx.rules.max_chats_per_host
        if await conversations_store.count_active_for_host(tx.session, target.id) >= limit:
            raise Conflict(f"{target.display_name} already has {limit} chats")
        if not await conversations_store.set_host(tx.session, conversation.id, host.id, target.id):
            raise Conflict("the conversation has changed; try again")
        await conversations_store.remove_helper(tx.session, conversation.id, target.id)
        tz = (await current_schedule(ctx)).tz
        numbers = await day_numbers(tx.session, [conversation], tz)
        tx.publish_on_commit(
            transferred(conversation, host.id, target, numbers.get(conversation.id))
        )
        tx.publish_on_commit(StaffChanged())
    return conversation


async def requeue_dropped_hosts(ctx: Context, connected: Collection[int] = ()) -> int:
    """Chats whose host has had no socket on any process for the grace period go back to
    the front of the queue. Idempotent; run by one process (``jobs``), safe on several.
    ``connected``: hosts with a socket on the calling process, never requeued by it (its own
    knowledge beats the marks in the database)."""
    now = ctx.clock.now()
    grace = timedelta(seconds=ctx.rules.host_grace_s)
    fresh = timedelta(seconds=ctx.rules.presence_fresh_s)
    async with ctx.db.read() as session:
        # A mark refreshed within the grace period still counts: its process may just be
        # slow to refresh it; a live host's marks are never older than a heartbeat or two.
        found = await shift_store.dropped_chats(session, now - max(grace, fresh), now - grace)
    count = 0
    for conversation_id, host_id in found:
        if host_id in connected:
            continue
        async with ctx.transaction() as tx:
            conversation = await conversations_store.get(tx.session, conversation_id, lock=True)
            if conversation is not None and await _requeue(tx, conversation, host_id, now):
                count += 1
    return count

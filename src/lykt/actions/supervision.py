"""What a supervisor does on a shift: read along (watch), write beside the host (join), take
over; and what brings them: a host asking for help, a possible duty-to-avert case. Every
watch, join and take-over is audited (who, which conversation, when; never what was said).

Who may reach a chat (``access_chat``): its host; a supervisor who joined it; any supervisor or
admin to read it. Anyone else gets NotFound, as if it did not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.actions.hours import current_schedule
from lykt.errors import Conflict, Forbidden, NotFound
from lykt.events import (
    ConversationTransferred,
    StaffChanged,
    SupervisorAlert,
    SupervisorJoined,
    SupervisorLeft,
    age_group,
    iso,
)
from lykt.models import Conversation, Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store import staff as staff_store

SUPERVISOR_ROLES = ("supervisor", "admin")


def is_supervisor(staff: Staff) -> bool:
    return staff.role in SUPERVISOR_ROLES


def require_supervisor(staff: Staff) -> None:
    if not is_supervisor(staff):
        raise Forbidden("only supervisors and admins may do that")


async def access_chat(
    session: AsyncSession, staff: Staff, conversation_id: str, *, write: bool = False
) -> tuple[Conversation, str]:
    """The chat and this staff member's part in it: ``host``, ``joined`` or ``watching``
    (supervisors read any chat; ``write`` asks for host or joined)."""
    conversation = None
    if storable(conversation_id):
        conversation = await conversations_store.get(session, conversation_id)
    if conversation is None:
        raise NotFound("no such conversation among yours")
    if conversation.host_id == staff.id:
        return conversation, "host"
    if await conversations_store.is_helper(session, conversation.id, staff.id):
        return conversation, "joined"
    if is_supervisor(staff) and not write:
        return conversation, "watching"
    raise NotFound("no such conversation among yours")  # hide that it exists


def transferred(
    conversation: Conversation, from_id: int | None, to: Staff | None, number: int | None = None
) -> ConversationTransferred:
    return ConversationTransferred(
        number=number,
        conversation_id=conversation.id,
        from_id=from_id,
        host_id=to.id if to is not None else None,
        host_name=to.display_name if to is not None else None,
        age=conversation.age,
        about=conversation.about,
        created_at=conversation.created_at,
        lang=conversation.lang,
    )


async def _audit(ctx: Context, session: AsyncSession, staff: Staff, action: str, cid: str) -> None:
    await record(session, ctx, f"staff:{staff.id}", action, cid)


async def watch_conversation(ctx: Context, staff: Staff, conversation_id: str) -> Conversation:
    """Read along, silently: the visitor is not told. Audited."""
    require_supervisor(staff)
    async with ctx.transaction() as tx:
        conversation, _ = await access_chat(tx.session, staff, conversation_id)
        await _audit(ctx, tx.session, staff, "supervisor.watch", conversation.id)
    return conversation


async def join_conversation(ctx: Context, staff: Staff, conversation_id: str) -> Conversation:
    """Write beside the host; the visitor is told someone has joined. Audited."""
    require_supervisor(staff)
    async with ctx.transaction() as tx:
        conversation, mode = await access_chat(tx.session, staff, conversation_id)
        if conversation.status != "active":
            raise Conflict("only a chat under way can be joined")
        if mode == "watching":
            await conversations_store.add_helper(
                tx.session, conversation.id, staff.id, ctx.clock.now()
            )
            tx.publish_on_commit(
                SupervisorJoined(
                    conversation_id=conversation.id, staff_id=staff.id, name=staff.display_name
                )
            )
        await _audit(ctx, tx.session, staff, "supervisor.join", conversation.id)
    return conversation


async def leave_conversation(ctx: Context, staff: Staff, conversation_id: str) -> None:
    """A supervisor who joined stops writing in the chat (they may still read along)."""
    require_supervisor(staff)
    async with ctx.transaction() as tx:
        conversation, mode = await access_chat(tx.session, staff, conversation_id)
        if mode != "joined":
            raise Conflict("you have not joined this chat")
        await conversations_store.remove_helper(tx.session, conversation.id, staff.id)
        tx.publish_on_commit(
            SupervisorLeft(
                conversation_id=conversation.id, staff_id=staff.id, name=staff.display_name
            )
        )
        await _audit(ctx, tx.session, staff, "supervisor.leave", conversation.id)


async def take_over_conversation(ctx: Context, staff: Staff, conversation_id: str) -> Conversation:
    """Become the chat's host (past the usual maximum if need be); the host who had it is
    told, and so is the visitor. Audited."""
    require_supervisor(staff)
    tz = (await current_schedule(ctx)).tz
    async with ctx.transaction() as tx:
        conversation, mode = await access_chat(tx.session, staff, conversation_id)
        if conversation.status != "active":
            raise Conflict("only a chat under way can be taken over")
        if mode != "host":
            locked = await conversations_store.get(tx.session, conversation.id, lock=True)
            assert locked is not None
            previous = locked.host_id
            if not await conversations_store.set_host(
                tx.session, conversation.id, previous, staff.id
            ):
                raise Conflict("the conversation has changed; try again")
            await conversations_store.remove_helper(tx.session, conversation.id, staff.id)
            numbers = await day_numbers(tx.session, [conversation], tz)
            tx.publish_on_commit(
                transferred(conversation, previous, staff, numbers.get(conversation.id))
            )
            tx.publish_on_commit(StaffChanged())
        await _audit(ctx, tx.session, staff, "supervisor.takeover", conversation.id)
    return conversation


async def raise_alert(ctx: Context, staff: Staff, conversation_id: str, kind: str) -> None:
    """``help.requested`` ("I need my supervisor") or ``duty.flagged`` (a possible
    duty-to-avert case), from the chat's host or a supervisor who joined it: every
    supervisor online is alerted, and the chat carries the mark."""
    column = {"help.requested": "help_requested_at", "duty.flagged": "duty_flagged_at"}[kind]
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        conversation, _ = await access_chat(tx.session, staff, conversation_id, write=True)
        await conversations_store.set_mark(tx.session, conversation.id, **{column: now})
        tx.publish_on_commit(
            SupervisorAlert(
                kind=kind,
                conversation_id=conversation.id,
                host_id=staff.id,
                host_name=staff.display_name,
                at=now,
            )
        )
        tx.publish_on_commit(StaffChanged())


# -- numbers and the board -------------------------------------------------------------------
def _day_bounds(moment: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    local = moment.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)
    return start, end


async def day_numbers(
    session: AsyncSession, conversations: list[Conversation], tz: tzinfo
) -> dict[str, int]:
    """Each conversation's short number: its place among those started the same day in the
    helpline's timezone (1, 2, 3 …). Stable: earlier ones are never deleted before it."""
    numbers: dict[str, int] = {}
    days: dict[datetime, tuple[datetime, datetime]] = {}
    for c in conversations:
        start, end = _day_bounds(c.created_at, tz)
        days[start] = (start, end)
    for start, end in days.values():
        ids = await conversations_store.ids_between(session, start, end)
        numbers.update({cid: i + 1 for i, cid in enumerate(ids)})
    return numbers


@dataclass(frozen=True)
class Overview:
    conversations: list[dict[str, object]]
    flagged: list[dict[str, object]]


async def overview(ctx: Context, tz: tzinfo) -> Overview:
    """Every chat under way, with its timers, and the ended ones flagged for a supervisor."""
    async with ctx.db.read() as session, session.begin():
        live = list(await conversations_store.active(session))
        flagged = list(await conversations_store.flagged(session))
        numbers = await day_numbers(session, live + flagged, tz)
        waiting = await conversations_store.waiting_for_reply_since(session, [c.id for c in live])
        ids = {c.host_id for c in live + flagged if c.host_id is not None}
        names = await staff_store.names(session, ids)
    return Overview(
        conversations=[
            {
                "conversation_id": c.id,
                "number": numbers.get(c.id),
                "host_id": c.host_id,
                "host_name": names.get(c.host_id) if c.host_id is not None else None,
                "age": c.age,
                "age_group": age_group(c.age),
                "about": c.about,
                "lang": c.lang,
                "status": c.status,
                "claimed_at": iso(c.claimed_at),
                "last_message_at": iso(c.last_activity_at),
                "waiting_for_reply_since": iso(waiting.get(c.id)),
                "help_requested_at": iso(c.help_requested_at),
                "duty_flagged_at": iso(c.duty_flagged_at),
            }
            for c in live
        ],
        flagged=[
            {
                "conversation_id": c.id,
                "number": numbers.get(c.id),
                "host_name": names.get(c.host_id) if c.host_id is not None else None,
                "ended_at": iso(c.ended_at),
            }
            for c in flagged
        ],
    )

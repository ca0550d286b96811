"""A conversation's life: open, wait in the queue, be claimed by a host, end."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from lykt.actions.context import Context
from lykt.actions.hours import current_schedule, opening_status
from lykt.actions.statistics import count_conversation
from lykt.errors import Closed, Conflict, Invalid, NotFound
from lykt.events import ConversationClaimed, ConversationEnded, QueueChanged, age_group
from lykt.models import Conversation, Message, Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store import messages as messages_store
from lykt.store import staff as staff_store

ABOUT_CHOICES = ("self", "friend")
AGE_MIN, AGE_MAX = 5, 99
ESTIMATE_WINDOW = timedelta(hours=2)
# "Take next" tries the longest-waiting few; another host may take one meanwhile.
CLAIM_CANDIDATES = 20


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def open_conversation(ctx: Context, age: int | None, about: str) -> tuple[Conversation, str]:
    """A visitor arrives. Returns the conversation and its token (>= 128 random bits), which is
    never stored: the database keeps only its hash."""
    if age is not None and not (AGE_MIN <= age <= AGE_MAX):
        raise Invalid(f"age must be between {AGE_MIN} and {AGE_MAX}, or null")
    if about not in ABOUT_CHOICES:
        raise Invalid("about must be 'self' or 'friend'")
    status = await opening_status(ctx)
    if not status.open:
        raise Closed(status.next_opening)
    token = secrets.token_urlsafe(32)  # 256 bits
    now = ctx.clock.now()
    conversation = Conversation(
        id=uuid.uuid4().hex,
        token_hash=token_hash(token),
        age=age,
        about=about,
        status="waiting",
        last_seq=0,
        created_at=now,
        last_activity_at=now,
    )
    async with ctx.transaction() as tx:
        await conversations_store.insert(tx.session, conversation)
        tx.publish_on_commit(QueueChanged())
    return conversation, token


async def access_conversation_by_token(ctx: Context, token: str) -> Conversation:
    """Raises NotFound for a wrong token and for a deleted conversation alike."""
    if not token or len(token) > 200:
        raise NotFound()
    async with ctx.db.read() as session:
        conversation = await conversations_store.get_by_token_hash(session, token_hash(token))
    if conversation is None:
        raise NotFound()  # hide whether such a conversation ever existed
    return conversation


async def access_conversation_for_host(
    ctx: Context, staff: Staff, conversation_id: str
) -> Conversation:
    """A host reaches only the conversations they hold; anything else is NotFound."""
    conversation = None
    if storable(conversation_id):
        async with ctx.db.read() as session:
            conversation = await conversations_store.get(session, conversation_id)
    if conversation is None or conversation.host_id != staff.id:
        raise NotFound("no such conversation among yours")
    return conversation


async def claim_conversation(
    ctx: Context, host: Staff, conversation_id: str | None
) -> Conversation:
    """A host takes a visitor from the queue: the one named, or the one waiting longest.
    Of two hosts claiming the same visitor, exactly one wins; the other gets Conflict."""
    limit = host.max_chats or ctx.rules.max_chats_per_host
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        # One claim per host at a time, also across processes (a row lock on PostgreSQL; the
        # write lock on SQLite), so two tabs of one host cannot both pass the limit.
        await staff_store.lock(tx.session, host.id)
        if await conversations_store.count_active_for_host(tx.session, host.id) >= limit:
            raise Conflict(f"you already have {limit} chats; end one first")
        if conversation_id is None:
            waiting = await conversations_store.queue(tx.session, limit=CLAIM_CANDIDATES)
            if not waiting:
                raise NotFound("nobody is waiting")
            # Whoever waited longest; one another host takes meanwhile (on another process:
            # SQLite's write lock rules that out within one) is passed over, not a conflict.
            for candidate in waiting:
                if await conversations_store.mark_claimed(tx.session, candidate.id, host.id, now):
                    conversation_id = candidate.id
                    break
            else:
                raise NotFound("nobody is waiting")
        elif not storable(conversation_id) or not await conversations_store.mark_claimed(
            tx.session, conversation_id, host.id, now
        ):
            raise Conflict("another host has already taken this visitor")
        conversation = await conversations_store.get(tx.session, conversation_id)
        assert conversation is not None
        await tx.session.refresh(conversation)
        tx.publish_on_commit(
            ConversationClaimed(
                conversation_id=conversation.id,
                host_id=host.id,
                host_name=host.display_name,
                age=conversation.age,
                about=conversation.about,
                created_at=conversation.created_at,
            )
        )
        tx.publish_on_commit(QueueChanged())
    return conversation


async def end_conversation(
    ctx: Context, conversation_id: str, by: str, *, quick_exit: bool = False
) -> bool:
    """End a conversation. A visitor who ends it while still waiting has left the queue; one
    who used the quick exit left in a hurry (the host is told so). Returns False if it had
    already ended (ending twice is harmless)."""
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        # Locked, so a claim at the same moment (on PostgreSQL) cannot change the status
        # between reading it here and ending the conversation.
        current = await conversations_store.get(tx.session, conversation_id, lock=True)
        if current is None:
            raise NotFound()
        was_waiting = current.status == "waiting"
        if quick_exit and by == "visitor":
            reason = "quick_exit"
        elif by == "visitor" and was_waiting:
            reason = "left_queue"
        else:
            reason = f"ended_by_{by}"
        changed = await conversations_store.mark_ended(tx.session, conversation_id, reason, now)
        if changed:
            tz = (await current_schedule(ctx)).tz
            await count_conversation(tx, current, reason, now, tz)
            tx.publish_on_commit(
                ConversationEnded(
                    conversation_id=conversation_id, by=by, reason=reason, ended_at=now
                )
            )
            if was_waiting:
                tx.publish_on_commit(QueueChanged())
    return changed


@dataclass(frozen=True)
class QueueEntry:
    conversation_id: str
    age_group: str
    about: str
    waiting_since: datetime


@dataclass(frozen=True)
class QueueSnapshot:
    entries: tuple[QueueEntry, ...]
    # Seconds a visitor waits per place in the queue, from recent claims; None if unknown.
    seconds_per_place: float | None

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {e.conversation_id: i + 1 for i, e in enumerate(self.entries)}

    def position_of(self, conversation_id: str) -> int | None:
        return self._positions.get(conversation_id)

    def estimate_minutes(self, position: int) -> int | None:
        if self.seconds_per_place is None:
            return None
        return max(1, math.ceil(position * self.seconds_per_place / 60))


async def queue_snapshot(ctx: Context) -> QueueSnapshot:
    now = ctx.clock.now()
    async with ctx.db.read() as session:
        waiting = await conversations_store.queue(session)
        waits = await conversations_store.recent_claim_waits_s(session, now - ESTIMATE_WINDOW)
    # Claims per second over the window tells how fast the queue moves.
    seconds_per_place = ESTIMATE_WINDOW.total_seconds() / len(waits) if len(waits) >= 2 else None
    if seconds_per_place is not None and waits:
        # Never promise less than what visitors recently waited at the front of the queue.
        seconds_per_place = min(seconds_per_place, max(30.0, sorted(waits)[len(waits) // 2]))
    return QueueSnapshot(
        entries=tuple(
            QueueEntry(
                conversation_id=c.id,
                age_group=age_group(c.age),
                about=c.about,
                waiting_since=c.created_at,
            )
            for c in waiting
        ),
        seconds_per_place=seconds_per_place,
    )


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    host_name: str | None
    messages: Sequence[Message]
    host_names: dict[int, str]

    @property
    def last_seq(self) -> int:
        """The newest seq this view has seen. (SQLite reads outside a write transaction are not
        one snapshot, so a message may be newer than the conversation row read before it.)"""
        newest = self.messages[-1].seq if self.messages else 0
        return max(self.conversation.last_seq, newest)


async def conversation_view(ctx: Context, conversation_id: str, last_seq: int) -> ConversationView:
    """The state of one conversation and the messages after ``last_seq``, read in one
    snapshot: what a (re)connecting client needs."""
    async with ctx.db.read() as session, session.begin():
        conversation = await conversations_store.get(session, conversation_id)
        if conversation is None:
            raise NotFound()
        messages = await messages_store.after(session, conversation_id, max(0, last_seq))
        ids = {m.staff_id for m in messages if m.staff_id is not None}
        if conversation.host_id is not None:
            ids.add(conversation.host_id)
        names = await staff_store.names(session, ids)
    host_name = names.get(conversation.host_id) if conversation.host_id is not None else None
    return ConversationView(conversation, host_name, messages, names)


async def host_conversations(ctx: Context, host: Staff) -> Sequence[Conversation]:
    async with ctx.db.read() as session:
        return await conversations_store.active_for_host(session, host.id)

"""A conversation's life: open, wait in the queue, be claimed by a host, end."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property

from lykt.actions.context import Context
from lykt.actions.hours import current_schedule, opening_status
from lykt.actions.notes import notes_for
from lykt.actions.statistics import count_conversation
from lykt.actions.supervision import access_chat, day_numbers
from lykt.errors import Closed, Conflict, Invalid, NotFound
from lykt.events import (
    ConversationClaimed,
    ConversationEnded,
    QueueChanged,
    StaffChanged,
    age_group,
)
from lykt.models import Conversation, Message, Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store import messages as messages_store
from lykt.store import shift as shift_store
from lykt.store import staff as staff_store

ABOUT_CHOICES = ("self", "friend")
AGE_MIN, AGE_MAX = 5, 99
ESTIMATE_WINDOW = timedelta(hours=2)
# "Take next" tries the longest-waiting few; another host may take one meanwhile.
CLAIM_CANDIDATES = 20


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def open_conversation(
    ctx: Context, age: int | None, about: str, lang: str = "nb"
) -> tuple[Conversation, str]:
    """A visitor arrives. Returns the conversation and its token (>= 128 random bits), which is
    never stored: the database keeps only its hash. ``lang`` is the visitor page's language
    (a code the web layer has checked), shown to the host."""
    if not (2 <= len(lang) <= 8 and lang.isascii() and lang.isalpha()):
        raise Invalid("lang must be a language code")
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
        lang=lang,
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
    ctx: Context, staff: Staff, conversation_id: str, *, write: bool = True
) -> tuple[Conversation, str]:
    """A host reaches only the conversations they hold (a supervisor also those they joined,
    and, without ``write``, any to read); anything else is NotFound. With the staff member's
    part in it: ``host``, ``joined`` or ``watching``."""
    async with ctx.db.read() as session:
        return await access_chat(session, staff, conversation_id, write=write)


async def claim_conversation(
    ctx: Context, host: Staff, conversation_id: str | None
) -> Conversation:
    """A host takes a visitor from the queue: the one named, or the one waiting longest.
    Of two hosts claiming the same visitor, exactly one wins; the other gets Conflict."""
    limit = host.max_chats or ctx.rules.max_chats_per_host
    now = ctx.clock.now()
    tz = (await current_schedule(ctx)).tz
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
                lang=conversation.lang,
                number=(await day_numbers(tx.session, [conversation], tz)).get(conversation.id),
            )
        )
        tx.publish_on_commit(QueueChanged())
        tx.publish_on_commit(StaffChanged())
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
            else:
                tx.publish_on_commit(StaffChanged())
    return changed


@dataclass(frozen=True)
class QueueEntry:
    conversation_id: str
    age_group: str
    about: str
    waiting_since: datetime
    lang: str = "nb"
    returned: bool = False  # given back to the queue: in front
    preview: str | None = None  # the first words the visitor wrote while waiting


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


PREVIEW_CHARS = 100


def preview_of(texts: list[str] | None) -> str | None:
    """The first ``PREVIEW_CHARS`` characters of what a visitor wrote while waiting."""
    if not texts:
        return None
    joined = " ".join(" ".join(t.split()) for t in texts)
    return joined[:PREVIEW_CHARS]


async def queue_snapshot(ctx: Context, previews: int = 50) -> QueueSnapshot:
    """The queue, with the wait estimate, and for the first ``previews`` places what those
    visitors wrote while waiting (for triage).

    The estimate: how fast visitors were taken in the last two hours, scaled by how many hosts
    can take them now against how many took them then; unknown when no host is available."""
    now = ctx.clock.now()
    async with ctx.db.read() as session:
        waiting = await conversations_store.queue(session)
        waits = await conversations_store.recent_claim_waits_s(session, now - ESTIMATE_WINDOW)
        available = await shift_store.count_available(
            session, now - timedelta(seconds=ctx.rules.presence_fresh_s)
        )
        recent_hosts = await conversations_store.recent_claim_hosts(session, now - ESTIMATE_WINDOW)
        openings = await conversations_store.visitor_openings(
            session, [c.id for c in waiting[:previews]]
        )
    seconds_per_place: float | None = None
    if available and len(waits) >= 2:
        # Claims per second over the window tells how fast the queue moves.
        seconds_per_place = ESTIMATE_WINDOW.total_seconds() / len(waits)
        # Never promise less than what visitors recently waited at the front of the queue.
        seconds_per_place = min(seconds_per_place, max(30.0, sorted(waits)[len(waits) // 2]))
        # Fewer hosts now than took visitors then: slower (and more now: faster).
        seconds_per_place *= max(1, recent_hosts) / available
    return QueueSnapshot(
        entries=tuple(
            QueueEntry(
                conversation_id=c.id,
                age_group=age_group(c.age),
                about=c.about,
                waiting_since=c.created_at,
                lang=c.lang,
                returned=c.returned,
                preview=preview_of(openings.get(c.id)),
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
    # For staff only (``staff_view``): the internal notes and the chat's short number.
    notes: list[dict[str, object]] = field(default_factory=list)
    number: int | None = None

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


async def staff_view(ctx: Context, conversation_id: str, last_seq: int) -> ConversationView:
    """``conversation_view`` with what only staff see: the notes and the short number. The
    caller has checked access (``access_conversation_for_host``)."""
    view = await conversation_view(ctx, conversation_id, last_seq)
    tz = (await current_schedule(ctx)).tz
    async with ctx.db.read() as session:
        notes = await notes_for(session, conversation_id)
        numbers = await day_numbers(session, [view.conversation], tz)
    return replace(view, notes=notes, number=numbers.get(conversation_id))


async def host_conversations(ctx: Context, host: Staff) -> Sequence[Conversation]:
    """The chats a staff member's console shows: held, ended but not wrapped up, joined."""
    async with ctx.db.read() as session:
        return await conversations_store.open_for_staff(session, host.id)

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, case, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Conversation, ConversationHelper, Message, UTCDateTime

# Visitors given back to the queue go in front of it, among themselves first come first.
QUEUE_ORDER = (
    case((Conversation.requeued_at.is_(None), 1), else_=0),
    Conversation.requeued_at,
    Conversation.created_at,
    Conversation.id,
)


async def insert(session: AsyncSession, conversation: Conversation) -> None:
    session.add(conversation)
    await session.flush()


async def get(
    session: AsyncSession, conversation_id: str, *, lock: bool = False
) -> Conversation | None:
    """With ``lock``, the row stays locked until the transaction ends (PostgreSQL)."""
    return await session.get(Conversation, conversation_id, with_for_update=lock or None)


async def get_by_token_hash(session: AsyncSession, token_hash: str) -> Conversation | None:
    result = await session.execute(
        select(Conversation).where(Conversation.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def waiting(session: AsyncSession) -> Sequence[Conversation]:
    """The queue, first come first served."""
    result = await session.execute(
        select(Conversation).where(Conversation.status == "waiting").order_by(*QUEUE_ORDER)
    )
    return result.scalars().all()


@dataclass(frozen=True, slots=True)
class Waiting:
    """A place in the queue: just what the queue shows, read without the ORM's bookkeeping
    (the queue can be thousands long and is read on every change)."""

    id: str
    age: int | None
    about: str
    created_at: datetime
    lang: str
    returned: bool


async def queue(session: AsyncSession, limit: int | None = None) -> list[Waiting]:
    """The queue: those given back first, then first come first served (the first ``limit``
    places, or all)."""
    query = (
        select(
            Conversation.id,
            Conversation.age,
            Conversation.about,
            Conversation.created_at,
            Conversation.lang,
            Conversation.requeued_at.is_not(None),
        )
        .where(Conversation.status == "waiting")
        .order_by(*QUEUE_ORDER)
    )
    if limit is not None:
        query = query.limit(limit)
    result = await session.execute(query)
    return [Waiting(*row) for row in result.all()]


async def count_active_for_host(session: AsyncSession, host_id: int) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.status == "active", Conversation.host_id == host_id)
    )
    return int(result.scalar_one())


async def mark_claimed(
    session: AsyncSession, conversation_id: str, host_id: int, now: datetime
) -> bool:
    """Claim only if still waiting. Exactly one of two racing claims changes the row. A
    visitor given back to the queue keeps the time of their first claim (the statistics'
    waiting time)."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == "waiting")
        .values(
            status="active",
            host_id=host_id,
            claimed_at=func.coalesce(Conversation.claimed_at, literal(now, UTCDateTime())),
            requeued_at=None,
            last_activity_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def mark_requeued(
    session: AsyncSession, conversation_id: str, host_id: int, now: datetime
) -> bool:
    """Back to the front of the queue, if ``host_id`` still holds it."""
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == "active",
            Conversation.host_id == host_id,
        )
        .values(status="waiting", host_id=None, requeued_at=now, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        delete(ConversationHelper).where(ConversationHelper.conversation_id == conversation_id)
    )
    return True


async def set_host(
    session: AsyncSession, conversation_id: str, from_id: int | None, to_id: int
) -> bool:
    """Hand an active chat to ``to_id``, if ``from_id`` still holds it."""
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == "active",
            Conversation.host_id == from_id,
        )
        .values(host_id=to_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def set_mark(session: AsyncSession, conversation_id: str, **values: object) -> None:
    """Staff-only marks: ``help_requested_at``, ``duty_flagged_at``, ``wrapped_up_at``,
    ``flagged``."""
    await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def add_helper(
    session: AsyncSession, conversation_id: str, staff_id: int, now: datetime
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(ConversationHelper)
        .values(conversation_id=conversation_id, staff_id=staff_id, joined_at=now)
        .on_conflict_do_nothing()
    )


async def remove_helper(session: AsyncSession, conversation_id: str, staff_id: int) -> None:
    await session.execute(
        delete(ConversationHelper).where(
            ConversationHelper.conversation_id == conversation_id,
            ConversationHelper.staff_id == staff_id,
        )
    )


async def is_helper(session: AsyncSession, conversation_id: str, staff_id: int) -> bool:
    result = await session.execute(
        select(ConversationHelper.staff_id).where(
            ConversationHelper.conversation_id == conversation_id,
            ConversationHelper.staff_id == staff_id,
        )
    )
    return result.first() is not None


async def open_for_staff(session: AsyncSession, staff_id: int) -> Sequence[Conversation]:
    """What a staff member's console shows as tabs: the chats they hold, the ones they hold
    that ended but are not wrapped up yet, and live ones they joined as a supervisor."""
    joined = select(ConversationHelper.conversation_id).where(
        ConversationHelper.staff_id == staff_id
    )
    result = await session.execute(
        select(Conversation)
        .where(
            or_(
                (Conversation.host_id == staff_id)
                & (
                    (Conversation.status == "active")
                    | ((Conversation.status == "ended") & Conversation.wrapped_up_at.is_(None))
                ),
                (Conversation.status == "active") & Conversation.id.in_(joined),
            )
        )
        .order_by(Conversation.claimed_at, Conversation.id)
    )
    return result.scalars().all()


async def active(session: AsyncSession) -> Sequence[Conversation]:
    result = await session.execute(
        select(Conversation)
        .where(Conversation.status == "active")
        .order_by(Conversation.claimed_at, Conversation.id)
    )
    return result.scalars().all()


async def flagged(session: AsyncSession) -> Sequence[Conversation]:
    result = await session.execute(
        select(Conversation)
        .where(Conversation.status == "ended", Conversation.flagged.is_(True))
        .order_by(Conversation.ended_at.desc())
    )
    return result.scalars().all()


async def ids_between(session: AsyncSession, start: datetime, end: datetime) -> list[str]:
    """Conversations started in [start, end), in the order they started."""
    result = await session.execute(
        select(Conversation.id)
        .where(Conversation.created_at >= start, Conversation.created_at < end)
        .order_by(Conversation.created_at, Conversation.id)
    )
    return list(result.scalars().all())


async def waiting_for_reply_since(session: AsyncSession, ids: list[str]) -> dict[str, datetime]:
    """For each chat whose visitor has written since the host last did: when the first of
    those messages came."""
    if not ids:
        return {}
    host = Message.__table__.alias("host_messages")
    last_host_seq = (
        select(func.coalesce(func.max(host.c.seq), 0))
        .where(host.c.conversation_id == Message.conversation_id, host.c.sender == "host")
        .scalar_subquery()
    )
    result = await session.execute(
        select(Message.conversation_id, func.min(Message.sent_at))
        .where(
            Message.conversation_id.in_(ids),
            Message.sender == "visitor",
            Message.seq > last_host_seq,
        )
        .group_by(Message.conversation_id)
    )
    found: dict[str, datetime] = {}
    for cid, at in result.all():
        if at is not None:
            found[cid] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return found


PREVIEW_MESSAGES = 5


async def visitor_openings(session: AsyncSession, ids: list[str]) -> dict[str, list[str]]:
    """The first few messages each visitor wrote (what they wrote while waiting)."""
    if not ids:
        return {}
    result = await session.execute(
        select(Message.conversation_id, Message.text)
        .where(
            Message.conversation_id.in_(ids),
            Message.sender == "visitor",
            Message.seq <= PREVIEW_MESSAGES,
        )
        .order_by(Message.conversation_id, Message.seq)
    )
    found: dict[str, list[str]] = {}
    for cid, text in result.all():
        found.setdefault(cid, []).append(text)
    return found


async def mark_ended(
    session: AsyncSession, conversation_id: str, reason: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status != "ended")
        .values(status="ended", ended_at=now, end_reason=reason, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def recent_claim_waits_s(session: AsyncSession, since: datetime) -> list[float]:
    """Seconds from arrival to claim, for conversations claimed since ``since``."""
    result = await session.execute(
        select(Conversation.created_at, Conversation.claimed_at).where(
            Conversation.claimed_at.is_not(None), Conversation.claimed_at >= since
        )
    )
    waits: list[float] = []
    for created_at, claimed_at in result.all():
        if claimed_at is not None:
            waits.append((claimed_at - created_at).total_seconds())
    return waits


async def recent_claim_hosts(session: AsyncSession, since: datetime) -> int:
    """How many hosts took visitors since ``since``."""
    result = await session.execute(
        select(func.count(func.distinct(Conversation.host_id))).where(
            Conversation.claimed_at.is_not(None), Conversation.claimed_at >= since
        )
    )
    return int(result.scalar_one())


@dataclass
class PostingState:
    status: str
    host_id: int | None
    last_seq: int
    changed_from: int = field(init=False)

    def __post_init__(self) -> None:
        self.changed_from = self.last_seq


async def lock_for_posting(
    session: AsyncSession, conversation_ids: set[str]
) -> dict[str, PostingState]:
    """Read (and on PostgreSQL lock, in id order) what posting needs of each conversation."""
    result = await session.execute(
        select(Conversation.id, Conversation.status, Conversation.host_id, Conversation.last_seq)
        .where(Conversation.id.in_(conversation_ids))
        .order_by(Conversation.id)
        .with_for_update()
    )
    return {row[0]: PostingState(row[1], row[2], row[3]) for row in result.all()}


async def set_last_seqs(session: AsyncSession, last_seqs: dict[str, int], now: datetime) -> None:
    if not last_seqs:
        return
    await session.execute(
        update(Conversation.__table__)  # type: ignore[arg-type]
        .where(Conversation.__table__.c.id == bindparam("b_id"))
        .values(last_seq=bindparam("b_seq"), last_activity_at=bindparam("b_now")),
        [{"b_id": cid, "b_seq": seq, "b_now": now} for cid, seq in last_seqs.items()],
    )


async def existing_ids(session: AsyncSession, ids: set[str]) -> set[str]:
    result = await session.execute(select(Conversation.id).where(Conversation.id.in_(ids)))
    return set(result.scalars().all())

"""Who is on shift: availability, presence per server process, load. SQL only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Conversation, Staff, StaffPresence


async def set_availability(session: AsyncSession, staff_id: int, status: str) -> None:
    await session.execute(update(Staff).where(Staff.id == staff_id).values(availability=status))


async def mark_present(
    session: AsyncSession, node: str, staff_ids: Iterable[int], now: datetime
) -> None:
    """These staff have a socket on ``node`` now (insert, or refresh ``seen_at``)."""
    rows = [{"node": node, "staff_id": staff_id, "seen_at": now} for staff_id in staff_ids]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(StaffPresence).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["node", "staff_id"], set_={"seen_at": statement.excluded.seen_at}
    )
    await session.execute(statement)
    await session.execute(
        update(Staff)
        .where(Staff.id.in_([r["staff_id"] for r in rows]))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


async def mark_gone(session: AsyncSession, node: str, staff_id: int, now: datetime) -> None:
    """The last socket of ``staff_id`` on ``node`` has closed: the grace period counts from
    ``now``."""
    await session.execute(
        delete(StaffPresence).where(StaffPresence.node == node, StaffPresence.staff_id == staff_id)
    )
    await session.execute(
        update(Staff)
        .where(Staff.id == staff_id)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


async def forget_node(session: AsyncSession, node: str) -> None:
    await session.execute(delete(StaffPresence).where(StaffPresence.node == node))


async def present_ids(session: AsyncSession, since: datetime) -> set[int]:
    """Staff with a socket on some process that was alive at ``since`` or later."""
    result = await session.execute(
        select(StaffPresence.staff_id).where(StaffPresence.seen_at >= since).distinct()
    )
    return set(result.scalars().all())


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    display_name: str
    role: str
    availability: str
    max_chats: int | None
    chats: int


async def members(session: AsyncSession, ids: set[int]) -> list[Member]:
    """These staff members with their active chats counted, by name."""
    if not ids:
        return []
    chats = (
        select(Conversation.host_id, func.count().label("n"))
        .where(Conversation.status == "active")
        .group_by(Conversation.host_id)
        .subquery()
    )
    result = await session.execute(
        select(
            Staff.id,
            Staff.display_name,
            Staff.role,
            Staff.availability,
            Staff.max_chats,
            func.coalesce(chats.c.n, 0),
        )
        .outerjoin(chats, chats.c.host_id == Staff.id)
        .where(Staff.id.in_(ids), Staff.active.is_(True))
        .order_by(Staff.display_name, Staff.id)
    )
    return [Member(*row) for row in result.all()]


async def hosts_with_chats(session: AsyncSession) -> set[int]:
    result = await session.execute(
        select(Conversation.host_id)
        .where(Conversation.status == "active", Conversation.host_id.is_not(None))
        .distinct()
    )
    return {i for i in result.scalars().all() if i is not None}


async def count_available(session: AsyncSession, since: datetime) -> int:
    """Available staff with a live socket: they can take the next visitor."""
    result = await session.execute(
        select(func.count(func.distinct(Staff.id)))
        .join(StaffPresence, StaffPresence.staff_id == Staff.id)
        .where(
            StaffPresence.seen_at >= since,
            Staff.availability == "available",
            Staff.active.is_(True),
        )
    )
    return int(result.scalar_one())


async def dropped_chats(
    session: AsyncSession, present_since: datetime, gone_before: datetime
) -> list[tuple[str, int]]:
    """Active chats whose host has had no live socket anywhere since ``present_since`` and
    was last seen before ``gone_before``: (conversation id, host id)."""
    present = select(StaffPresence.staff_id).where(StaffPresence.seen_at >= present_since)
    result = await session.execute(
        select(Conversation.id, Conversation.host_id)
        .join(Staff, Staff.id == Conversation.host_id)
        .where(
            Conversation.status == "active",
            Conversation.host_id.not_in(present),
            (Staff.last_seen_at.is_(None)) | (Staff.last_seen_at < gone_before),
        )
        .order_by(Conversation.claimed_at)
    )
    return [(row[0], row[1]) for row in result.all() if row[1] is not None]

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import HostPhoto, Staff, StaffEnrolment, StaffInvitation, StaffSession


async def insert(session: AsyncSession, staff: Staff) -> None:
    session.add(staff)
    await session.flush()


async def get(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def lock(session: AsyncSession, staff_id: int) -> None:
    """Lock a staff member's row until the transaction ends (PostgreSQL; SQLite has one writer
    anyway). FOR NO KEY UPDATE: inserts that only reference the row are not held up."""
    await session.execute(
        select(Staff.id).where(Staff.id == staff_id).with_for_update(key_share=True)
    )


async def get_by_email(session: AsyncSession, email: str) -> Staff | None:
    result = await session.execute(select(Staff).where(Staff.email == email))
    return result.scalar_one_or_none()


async def names(session: AsyncSession, staff_ids: set[int]) -> dict[int, str]:
    if not staff_ids:
        return {}
    result = await session.execute(
        select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))
    )
    return {row[0]: row[1] for row in result.all()}


async def insert_session(session: AsyncSession, staff_session: StaffSession) -> None:
    session.add(staff_session)
    await session.flush()


async def get_session(
    session: AsyncSession, token_hash: str, now: datetime, idle_since: datetime
) -> tuple[StaffSession, Staff] | None:
    """An open session (within its lifetime, used since ``idle_since``) of an active member."""
    result = await session.execute(
        select(StaffSession, Staff)
        .join(Staff, Staff.id == StaffSession.staff_id)
        .where(
            StaffSession.token_hash == token_hash,
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > idle_since,
            Staff.active.is_(True),
        )
    )
    row = result.first()
    return (row[0], row[1]) if row is not None else None


async def touch_session(session: AsyncSession, token_hash: str, now: datetime) -> None:
    await session.execute(
        update(StaffSession).where(StaffSession.token_hash == token_hash).values(last_seen_at=now)
    )


async def session_owner(session: AsyncSession, token_hash: str) -> int | None:
    return await session.scalar(
        select(StaffSession.staff_id).where(StaffSession.token_hash == token_hash)
    )


async def sessions_of(
    session: AsyncSession, staff_id: int, now: datetime, idle_since: datetime
) -> Sequence[StaffSession]:
    result = await session.execute(
        select(StaffSession)
        .where(
            StaffSession.staff_id == staff_id,
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > idle_since,
        )
        .order_by(StaffSession.last_seen_at.desc())
    )
    return result.scalars().all()


async def delete_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))


async def delete_session_by_public_id(
    session: AsyncSession, staff_id: int, public_id: str
) -> str | None:
    """Delete one of ``staff_id``'s sessions; its token hash, or None if there is none."""
    digest = await session.scalar(
        select(StaffSession.token_hash).where(
            StaffSession.staff_id == staff_id, StaffSession.public_id == public_id
        )
    )
    if digest is not None:
        await delete_session(session, digest)
    return digest


async def delete_sessions_of(
    session: AsyncSession, staff_id: int, keep: str | None = None
) -> list[str]:
    """Delete all of a member's sessions (but ``keep``); their token hashes."""
    query = select(StaffSession.token_hash).where(StaffSession.staff_id == staff_id)
    if keep is not None:
        query = query.where(StaffSession.token_hash != keep)
    ended = list((await session.execute(query)).scalars().all())
    if ended:
        await session.execute(delete(StaffSession).where(StaffSession.token_hash.in_(ended)))
    return ended


async def delete_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))


async def put_enrolment(session: AsyncSession, enrolment: StaffEnrolment) -> None:
    await session.execute(
        delete(StaffEnrolment).where(StaffEnrolment.staff_id == enrolment.staff_id)
    )
    session.add(enrolment)
    await session.flush()


async def get_enrolment(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[StaffEnrolment, Staff] | None:
    result = await session.execute(
        select(StaffEnrolment, Staff)
        .join(Staff, Staff.id == StaffEnrolment.staff_id)
        .where(StaffEnrolment.token_hash == token_hash, StaffEnrolment.expires_at > now)
    )
    row = result.first()
    return (row[0], row[1]) if row is not None else None


async def delete_enrolments(session: AsyncSession, staff_id: int) -> None:
    await session.execute(delete(StaffEnrolment).where(StaffEnrolment.staff_id == staff_id))


async def put_invitation(session: AsyncSession, invitation: StaffInvitation) -> None:
    session.add(invitation)
    await session.flush()


async def get_invitation(session: AsyncSession, token_hash: str) -> StaffInvitation | None:
    return await session.get(StaffInvitation, token_hash, with_for_update=True)


async def pending_invitations(session: AsyncSession, now: datetime) -> Sequence[StaffInvitation]:
    result = await session.execute(
        select(StaffInvitation)
        .where(StaffInvitation.used_at.is_(None), StaffInvitation.expires_at > now)
        .order_by(StaffInvitation.created_at.desc())
    )
    return result.scalars().all()


async def count(session: AsyncSession) -> int:
    result = await session.execute(select(func.count()).select_from(Staff))
    return int(result.scalar_one())


async def all_staff(session: AsyncSession) -> Sequence[Staff]:
    result = await session.execute(select(Staff).order_by(Staff.display_name, Staff.id))
    return result.scalars().all()


async def shown_hosts(session: AsyncSession) -> Sequence[tuple[Staff, bool]]:
    """Active staff who chose to be shown, each with whether they have a photo."""
    result = await session.execute(
        select(Staff, HostPhoto.staff_id.is_not(None))
        .outerjoin(HostPhoto, HostPhoto.staff_id == Staff.id)
        .where(Staff.show_profile.is_(True), Staff.active.is_(True))
        .order_by(Staff.display_name, Staff.id)
    )
    return [(row[0], bool(row[1])) for row in result.all()]


async def photo_owners(session: AsyncSession) -> set[int]:
    result = await session.execute(select(HostPhoto.staff_id))
    return set(result.scalars().all())


async def get_photo(session: AsyncSession, staff_id: int) -> HostPhoto | None:
    return await session.get(HostPhoto, staff_id)


async def put_photo(session: AsyncSession, staff_id: int, content_type: str, data: bytes) -> None:
    await session.execute(delete(HostPhoto).where(HostPhoto.staff_id == staff_id))
    session.add(HostPhoto(staff_id=staff_id, content_type=content_type, data=data))
    await session.flush()


async def delete_photo(session: AsyncSession, staff_id: int) -> None:
    await session.execute(delete(HostPhoto).where(HostPhoto.staff_id == staff_id))

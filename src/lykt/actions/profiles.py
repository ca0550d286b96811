"""Public profiles: what the "who answers" page shows about a host who chose to be shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.actions.sessions import normalise_email
from lykt.errors import Invalid, NotFound
from lykt.models import Staff, storable
from lykt.store import staff as staff_store

MAX_BIO_CHARS = 600
#: Every visitor page stays light (under 100 KB in all), so a photo is small: crop and
#: compress it before adding it (for example 160 x 160 pixels, JPEG or WebP).
MAX_PHOTO_BYTES = 20 * 1024
_PHOTO_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"RIFF", "image/webp"),
)


@dataclass(frozen=True)
class HostProfile:
    id: int
    display_name: str
    bio: str
    has_photo: bool


def photo_type(data: bytes) -> str | None:
    """The image type from the file's first bytes (never from its name), or None."""
    for magic, content_type in _PHOTO_TYPES:
        if data.startswith(magic) and (content_type != "image/webp" or data[8:12] == b"WEBP"):
            return content_type
    return None


async def set_profile(
    ctx: Context,
    email: str,
    *,
    show: bool | None = None,
    bio: str | None = None,
    photo: bytes | None = None,
    remove_photo: bool = False,
    actor: str = "operator",
) -> Staff:
    """Change what the public page shows about a staff member. Only what is given changes."""
    email = normalise_email(email)

    async def find(session: AsyncSession) -> Staff | None:
        return await staff_store.get_by_email(session, email) if storable(email) else None

    return await _set_profile(
        ctx, find, f"no staff member with the email {email}", show, bio, photo, remove_photo, actor
    )


async def set_profile_by_id(
    ctx: Context,
    staff_id: int,
    *,
    show: bool | None = None,
    bio: str | None = None,
    photo: bytes | None = None,
    remove_photo: bool = False,
    actor: str = "operator",
) -> Staff:
    """:func:`set_profile` for the staff member ``staff_id`` (the admin pages)."""

    async def find(session: AsyncSession) -> Staff | None:
        return await staff_store.get(session, staff_id) if 0 < staff_id <= _MAX_ID else None

    return await _set_profile(
        ctx, find, "no such staff member", show, bio, photo, remove_photo, actor
    )


#: Ids are 32-bit integers on PostgreSQL; anything outside matches nobody.
_MAX_ID = 2**31 - 1


def check_photo(photo: bytes) -> str:
    """The photo's content type, or ``Invalid`` if it is too large or not an image we take."""
    if len(photo) > MAX_PHOTO_BYTES:
        raise Invalid(
            f"the photo is {len(photo)} bytes; at most {MAX_PHOTO_BYTES} keep the pages "
            "light: crop and compress it (for example 160 x 160 pixels)"
        )
    content_type = photo_type(photo)
    if content_type is None:
        raise Invalid("the photo must be a JPEG, PNG or WebP image")
    return content_type


async def _set_profile(
    ctx: Context,
    find: Callable[[AsyncSession], Awaitable[Staff | None]],
    missing: str,
    show: bool | None,
    bio: str | None,
    photo: bytes | None,
    remove_photo: bool,
    actor: str,
) -> Staff:
    if bio is not None:
        bio = bio.strip()
        if len(bio) > MAX_BIO_CHARS or not storable(bio):
            raise Invalid(f"the text about a host is at most {MAX_BIO_CHARS} characters")
    content_type = check_photo(photo) if photo is not None else None
    async with ctx.transaction() as tx:
        staff = await find(tx.session)
        if staff is None:
            raise NotFound(missing)
        changed: list[str] = []
        if show is not None and show != staff.show_profile:
            staff.show_profile = show
            changed.append("shown" if show else "hidden")
        if bio is not None and (bio or None) != staff.bio:
            staff.bio = bio or None
            changed.append("text")
        if photo is not None and content_type is not None:
            await staff_store.put_photo(tx.session, staff.id, content_type, photo)
            changed.append("photo")
        elif remove_photo and await staff_store.get_photo(tx.session, staff.id) is not None:
            await staff_store.delete_photo(tx.session, staff.id)
            changed.append("photo removed")
        await tx.session.flush()
        if changed:
            # What changed, never the words themselves.
            await record(
                tx.session, ctx, actor, "profile.changed", f"staff:{staff.id}", ", ".join(changed)
            )
    return staff


async def shown_hosts(ctx: Context) -> list[HostProfile]:
    """The hosts who chose to be shown on the public page, by name."""
    async with ctx.db.read() as session:
        rows = await staff_store.shown_hosts(session)
    return [
        HostProfile(staff.id, staff.display_name, staff.bio or "", has_photo)
        for staff, has_photo in rows
    ]


async def shown_host_photo(ctx: Context, staff_id: int) -> tuple[str, bytes]:
    """A shown host's photo (content type, bytes); NotFound for anyone not shown."""
    async with ctx.db.read() as session:
        staff = await staff_store.get(session, staff_id)
        if staff is None or not staff.show_profile or not staff.active:
            raise NotFound()
        photo = await staff_store.get_photo(session, staff_id)
    if photo is None:
        raise NotFound()
    return photo.content_type, photo.data


async def host_photo(ctx: Context, staff_id: int) -> tuple[str, bytes]:
    """Any staff member's photo, shown or not (for the admin pages); ``NotFound`` if none."""
    if not 0 < staff_id <= _MAX_ID:
        raise NotFound()
    async with ctx.db.read() as session:
        photo = await staff_store.get_photo(session, staff_id)
    if photo is None:
        raise NotFound()
    return photo.content_type, photo.data


async def photo_owners(ctx: Context) -> set[int]:
    """The ids of the staff members who have a photo."""
    async with ctx.db.read() as session:
        return await staff_store.photo_owners(session)

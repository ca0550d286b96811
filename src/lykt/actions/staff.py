"""Staff accounts and their sessions. Passwords are hashed with argon2id."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from lykt.actions.context import Context
from lykt.errors import Conflict, Forbidden, Invalid, NotFound
from lykt.models import Staff, StaffSession, storable
from lykt.store import staff as staff_store

ROLES = ("host", "supervisor", "admin")
MIN_PASSWORD_CHARS = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email takes as long as a wrong password.
    Made at the first such login, not at import (hashing takes a good part of a second)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def add_staff(ctx: Context, email: str, display_name: str, role: str, password: str) -> Staff:
    email = normalise_email(email)
    if "@" not in email or len(email) > 320 or not storable(email):
        raise Invalid("that is not an email address")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if not display_name.strip() or len(display_name) > 80 or not storable(display_name):
        raise Invalid("the display name must be 1 to 80 characters")
    if len(password) < MIN_PASSWORD_CHARS:
        raise Invalid(f"the password must be at least {MIN_PASSWORD_CHARS} characters")
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    staff = Staff(
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=password_hash,
        active=True,
        created_at=ctx.clock.now(),
    )
    try:
        async with ctx.transaction() as tx:
            await staff_store.insert(tx.session, staff)
    except IntegrityError as exc:
        raise Conflict("a staff member with that email exists already") from exc
    return staff


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def log_in(ctx: Context, email: str, password: str) -> tuple[Staff, str]:
    """Check the password and open a session. Returns the staff member and the cookie value.
    The same Forbidden for an unknown email and a wrong password."""
    email = normalise_email(email)
    staff = None
    if storable(email):  # else no such staff member (and no query the database refuses)
        async with ctx.db.read() as session:
            staff = await staff_store.get_by_email(session, email)
    ok = await asyncio.to_thread(_verify, staff.password_hash if staff else _dummy_hash(), password)
    if staff is None or not ok or not staff.active:
        raise Forbidden("wrong email or password")
    token = secrets.token_urlsafe(32)
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        await staff_store.delete_expired_sessions(tx.session, now)
        await staff_store.insert_session(
            tx.session,
            StaffSession(
                token_hash=_session_hash(token),
                staff_id=staff.id,
                created_at=now,
                expires_at=now + timedelta(hours=ctx.rules.staff_session_hours),
            ),
        )
    return staff, token


async def staff_for_session(ctx: Context, token: str | None) -> Staff | None:
    if not token or len(token) > 200:
        return None
    async with ctx.db.read() as session:
        found = await staff_store.get_session(session, _session_hash(token), ctx.clock.now())
    return found[1] if found is not None else None


async def log_out(ctx: Context, token: str) -> None:
    async with ctx.transaction() as tx:
        await staff_store.delete_session(tx.session, _session_hash(token))


async def count_staff(ctx: Context) -> int:
    async with ctx.db.read() as session:
        return await staff_store.count(session)


async def list_staff(ctx: Context) -> list[Staff]:
    async with ctx.db.read() as session:
        return list(await staff_store.all_staff(session))


# --- On shift --------------------------------------------------------------------------------

MAX_CHATS_LIMIT = 20


async def set_max_chats(ctx: Context, email: str, n: int) -> Staff:
    """A staff member's own maximum of chats at once (1 to ``MAX_CHATS_LIMIT``), in place of
    the service's ``max_chats_per_host``. Counts from their next claim on."""
    if not 1 <= n <= MAX_CHATS_LIMIT:
        raise Invalid(f"the maximum of chats at once must be 1 to {MAX_CHATS_LIMIT}")
    email = normalise_email(email)
    async with ctx.transaction() as tx:
        staff = await staff_store.get_by_email(tx.session, email) if storable(email) else None
        if staff is None:
            raise NotFound(f"no staff member with the email {email}")
        staff.max_chats = n
        await tx.session.flush()
    return staff

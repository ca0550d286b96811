"""Staff accounts: adding one (with its second factor), invitations, roles, per-host maximum,
deactivating, resetting the second factor, ending a member's sessions. Every change an admin
makes is audited; logging in and sessions are in ``actions/sessions.py``."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions import passwords
from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.actions.second_factor import matching_step, new_secret
from lykt.actions.sessions import (
    Opened,
    login_guard,
    normalise_email,
    open_session,
    token_hash,
)
from lykt.errors import Conflict, Forbidden, Invalid, NotFound
from lykt.events import SessionsEnded, StaffChanged
from lykt.models import Staff, StaffInvitation, storable
from lykt.store import staff as staff_store

ROLES = ("host", "supervisor", "admin")
INVITATION_HOURS = 72


def actor_of(actor: Staff | None) -> str:
    return f"staff:{actor.id}" if actor is not None else "operator"


def _check_account(email: str, display_name: str, role: str) -> str:
    email = normalise_email(email)
    if "@" not in email or len(email) > 320 or not storable(email):
        raise Invalid("that is not an email address")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if not display_name.strip() or len(display_name) > 80 or not storable(display_name):
        raise Invalid("the display name must be 1 to 80 characters")
    return email


async def add_staff(
    ctx: Context,
    email: str,
    display_name: str,
    role: str,
    password: str,
    *,
    actor: Staff | None = None,
) -> Staff:
    """A new account with its second factor already made (``totp_secret``: the operator hands
    its ``provisioning_uri`` to the member once)."""
    email = _check_account(email, display_name, role)
    passwords.check_password(password, personal=(email, display_name))
    password_hash = await login_guard(ctx).gate.run(
        0, functools.partial(passwords.hash_password, password)
    )
    now = ctx.clock.now()
    staff = Staff(
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=password_hash,
        active=True,
        created_at=now,
        password_changed_at=now,
        totp_secret=new_secret(),
    )
    try:
        async with ctx.transaction() as tx:
            await staff_store.insert(tx.session, staff)
            await record(tx.session, ctx, actor_of(actor), "staff.added", f"staff:{staff.id}", role)
    except IntegrityError as exc:
        raise Conflict("a staff member with that email exists already") from exc
    return staff


async def _member(session: AsyncSession, staff_id: int) -> Staff:
    member = await staff_store.get(session, staff_id)
    if member is None:
        raise NotFound("no such staff member")
    return member


async def set_role(ctx: Context, actor: Staff | None, staff_id: int, role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    async with ctx.transaction() as tx:
        member = await _member(tx.session, staff_id)
        if actor is not None and member.id == actor.id and role != "admin":
            raise Conflict("you cannot take away your own admin role")
        before = member.role
        member.role = role
        # A role changes what the sockets may do: they start again with the new one.
        await staff_store.delete_sessions_of(tx.session, member.id)
        tx.publish_on_commit(SessionsEnded(staff_id=member.id, every=True))
        await record(
            tx.session, ctx, actor_of(actor), "staff.role_changed", f"staff:{member.id}",
            f"{before} -> {role}",
        )  # fmt: skip


async def set_max_chats_by_id(ctx: Context, actor: Staff | None, staff_id: int, n: int) -> None:
    if not 1 <= n <= MAX_CHATS_LIMIT:
        raise Invalid(f"the maximum of chats at once must be 1 to {MAX_CHATS_LIMIT}")
    async with ctx.transaction() as tx:
        member = await _member(tx.session, staff_id)
        member.max_chats = n
        tx.publish_on_commit(StaffChanged())
        await record(
            tx.session, ctx, actor_of(actor), "staff.max_chats", f"staff:{member.id}", str(n)
        )


async def deactivate_staff(ctx: Context, actor: Staff | None, staff_id: int) -> None:
    """The account can no longer log in; its sessions end and its sockets close at once."""
    async with ctx.transaction() as tx:
        member = await _member(tx.session, staff_id)
        if actor is not None and member.id == actor.id:
            raise Conflict("you cannot deactivate yourself")
        member.active = False
        await staff_store.delete_sessions_of(tx.session, member.id)
        tx.publish_on_commit(SessionsEnded(staff_id=member.id, every=True))
        tx.publish_on_commit(StaffChanged())
        await record(tx.session, ctx, actor_of(actor), "staff.deactivated", f"staff:{member.id}")


async def reactivate_staff(ctx: Context, actor: Staff | None, staff_id: int) -> None:
    async with ctx.transaction() as tx:
        member = await _member(tx.session, staff_id)
        member.active = True
        await record(tx.session, ctx, actor_of(actor), "staff.reactivated", f"staff:{member.id}")


async def reset_second_factor(ctx: Context, actor: Staff | None, staff_id: int) -> None:
    """The member lost their phone: the second factor is removed and every session ends; at
    the next login with the right password they enrol a new one."""
    async with ctx.transaction() as tx:
        member = await _member(tx.session, staff_id)
        member.totp_secret = None
        member.totp_last_step = None
        await staff_store.delete_sessions_of(tx.session, member.id)
        tx.publish_on_commit(SessionsEnded(staff_id=member.id, every=True))
        await record(tx.session, ctx, actor_of(actor), "second_factor.reset", f"staff:{member.id}")


async def end_all_sessions(ctx: Context, actor: Staff | None, staff_id: int) -> None:
    """Every session of the member ends; their open sockets close at once (4401)."""
    async with ctx.transaction() as tx:
        member = await _member(tx.session, staff_id)
        await staff_store.delete_sessions_of(tx.session, member.id)
        tx.publish_on_commit(SessionsEnded(staff_id=member.id, every=True))
        await record(tx.session, ctx, actor_of(actor), "sessions.ended", f"staff:{member.id}")


# --- Invitations -----------------------------------------------------------------------------


async def invite_staff(
    ctx: Context, actor: Staff | None, email: str, role: str
) -> tuple[StaffInvitation, str]:
    """A one-time link for a new member (valid ``INVITATION_HOURS``; Lykt sends no email: the
    admin passes it on). Returns the invitation and its token (kept nowhere but the link)."""
    email = _check_account(email, "x", role)
    token = secrets.token_urlsafe(32)
    now = ctx.clock.now()
    invitation = StaffInvitation(
        token_hash=token_hash(token),
        email=email,
        role=role,
        invited_by=actor.id if actor is not None else None,
        secret=new_secret(),
        created_at=now,
        expires_at=now + timedelta(hours=INVITATION_HOURS),
    )
    async with ctx.transaction() as tx:
        if await staff_store.get_by_email(tx.session, email) is not None:
            raise Conflict("a staff member with that email exists already")
        await staff_store.put_invitation(tx.session, invitation)
        await record(tx.session, ctx, actor_of(actor), "staff.invited", email, role)
    return invitation, token


async def pending_invitations(ctx: Context) -> list[StaffInvitation]:
    async with ctx.db.read() as session:
        return list(await staff_store.pending_invitations(session, ctx.clock.now()))


async def open_invitation(ctx: Context, token: str) -> StaffInvitation:
    """An invitation that can still be used (NotFound for a wrong, used or expired one)."""
    async with ctx.db.read() as session:
        found = await _usable(session, token, ctx)
    return found


async def _usable(session: AsyncSession, token: str, ctx: Context) -> StaffInvitation:
    found = None
    if token and len(token) <= 200:
        found = await staff_store.get_invitation(session, token_hash(token))
    if found is None or found.used_at is not None or found.expires_at <= ctx.clock.now():
        raise NotFound("this invitation is not valid (used, expired or mistyped)")
    return found


async def accept_invitation(
    ctx: Context, token: str, display_name: str, password: str, otp: str, label: str = ""
) -> Opened:
    """The invitee sets their name and password and confirms the second factor with a code
    from the secret the invitation page showed; the account exists and a session opens."""
    invitation = await open_invitation(ctx, token)
    _check_account(invitation.email, display_name, invitation.role)
    passwords.check_password(password, personal=(invitation.email, display_name))
    now = ctx.clock.now()
    step = matching_step(invitation.secret, otp, now.timestamp(), None)
    if step is None:
        raise Forbidden("wrong code")
    password_hash = await login_guard(ctx).gate.run(
        0, functools.partial(passwords.hash_password, password)
    )
    try:
        async with ctx.transaction() as tx:
            invitation = await _usable(tx.session, token, ctx)  # once only, also in a race
            invitation.used_at = now
            staff = Staff(
                email=invitation.email,
                display_name=display_name.strip(),
                role=invitation.role,
                password_hash=password_hash,
                active=True,
                created_at=now,
                password_changed_at=now,
                totp_secret=invitation.secret,
                totp_last_step=step,
            )
            await staff_store.insert(tx.session, staff)
            session_token = await open_session(ctx, tx.session, staff, label)
            await record(
                tx.session, ctx, f"staff:{staff.id}", "staff.joined", f"staff:{staff.id}",
                invitation.role,
            )  # fmt: skip
    except IntegrityError as exc:
        raise Conflict("a staff member with that email exists already") from exc
    return Opened(staff, session_token)


async def count_staff(ctx: Context) -> int:
    async with ctx.db.read() as session:
        return await staff_store.count(session)


async def list_staff(ctx: Context) -> list[Staff]:
    async with ctx.db.read() as session:
        return list(await staff_store.all_staff(session))


# --- On shift --------------------------------------------------------------------------------

MAX_CHATS_LIMIT = 20


async def set_max_chats(ctx: Context, email: str, n: int, actor: Staff | None = None) -> Staff:
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
        tx.publish_on_commit(StaffChanged())
        await record(
            tx.session, ctx, actor_of(actor), "staff.max_chats", f"staff:{staff.id}", str(n)
        )
    return staff

"""Logging in and staying logged in: password and second factor, the throttle, sessions with
an idle timeout and an absolute lifetime, a member's list of their sessions, and ending them
(the member's open sockets close at once, on every process: ``SessionsEnded``).

Login under attack (OWASP ASVS V2.2): failures are counted per account and source (a keyed
hash of the address, never stored); from the third failure on, that pair waits before the next
try, twice as long each time (1 s up to 5 minutes), and an account with many failures from
everywhere is tried at most once a second. Nothing ever locks an account: a member at another
address logs in as usual. Every failure on a real account is audited. Hashing goes through
``passwords.HashGate``, ahead of the flood for a source without failures."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions import passwords
from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.actions.second_factor import matching_step, new_secret, provisioning_uri
from lykt.errors import Forbidden, Invalid, NotFound, RateLimited
from lykt.events import SessionsEnded
from lykt.models import Staff, StaffEnrolment, StaffSession, storable
from lykt.store import staff as staff_store

ENROLMENT_MINUTES = 10
TOUCH_EVERY = timedelta(seconds=60)  # how often a session's last use is written
WAIT_FROM_FAILURE = 3  # failures of one account from one source before waits begin
WAIT_MAX_S = 300.0
ACCOUNT_FAILURES_SLOW = 20  # failures of one account (any source) in FAILURE_WINDOW ...
ACCOUNT_SPACING_S = 1.0  # ... after which it is tried at most once a second
FAILURE_WINDOW = timedelta(minutes=15)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass
class _Failures:
    count: int = 0
    last: datetime | None = None
    wait_until: datetime | None = None


@dataclass
class LoginGuard:
    """This process's memory of recent failures (never stored: sources change daily) and its
    gate on hashing."""

    gate: passwords.HashGate = field(default_factory=passwords.HashGate)
    by_pair: dict[tuple[str, str], _Failures] = field(default_factory=dict)
    by_account: dict[str, _Failures] = field(default_factory=dict)
    by_source: dict[str, _Failures] = field(default_factory=dict)
    by_attempts: dict[str, _Failures] = field(default_factory=dict)

    def check(self, email: str, source: str, now: datetime) -> None:
        self._forget_old(now)
        pair = self.by_pair.get((email, source))
        if pair is not None and pair.wait_until is not None and now < pair.wait_until:
            raise RateLimited("too many wrong tries; wait a little", retry_after(pair, now))
        account = self.by_account.get(email)
        if account is not None and account.count >= ACCOUNT_FAILURES_SLOW and account.last:
            spaced = account.last + timedelta(seconds=ACCOUNT_SPACING_S)
            if now < spaced:
                account.wait_until = spaced
                raise RateLimited("too many wrong tries; wait a little", retry_after(account, now))

    def attempted(self, source: str, now: datetime) -> None:
        """Every login attempt counts for its source's rank, whether it is hashed, waits or
        is turned away."""
        entry = self.by_attempts.setdefault(source, _Failures())
        entry.count += 1
        entry.last = now

    def rank(self, source: str, known: bool) -> int:
        """Lower goes first: a source that has hardly tried, asking for a real account, before
        a source that keeps trying (read again while it waits), or one trying made-up emails."""
        found = self.by_attempts.get(source)
        tries = found.count - 1 if found is not None else 0  # this attempt is not held against it
        return 2 * max(0, tries) + (0 if known else 1)

    def failed(self, email: str, source: str, now: datetime) -> None:
        pair = self.by_pair.setdefault((email, source), _Failures())
        pair.count += 1
        pair.last = now
        if pair.count >= WAIT_FROM_FAILURE:
            wait = min(WAIT_MAX_S, 2.0 ** (pair.count - WAIT_FROM_FAILURE))
            pair.wait_until = now + timedelta(seconds=wait)
        for entry in (
            self.by_account.setdefault(email, _Failures()),
            self.by_source.setdefault(source, _Failures()),
        ):
            entry.count += 1
            entry.last = now

    def succeeded(self, email: str, source: str) -> None:
        self.by_pair.pop((email, source), None)

    def _forget_old(self, now: datetime) -> None:
        tables: tuple[dict[Any, _Failures], ...] = (
            self.by_pair,
            self.by_account,
            self.by_source,
            self.by_attempts,
        )
        if sum(len(t) for t in tables) > 10_000:  # a flood of made-up emails: start over
            for table in tables:
                table.clear()
            return
        cutoff = now - FAILURE_WINDOW
        for table in tables:
            stale = [
                key
                for key, f in table.items()
                if f.last is not None
                and f.last < cutoff
                and (f.wait_until is None or f.wait_until <= now)
            ]
            for key in stale:
                del table[key]


def retry_after(failures: _Failures, now: datetime) -> int:
    assert failures.wait_until is not None
    return max(1, int((failures.wait_until - now).total_seconds() + 0.999))


def login_guard(ctx: Context) -> LoginGuard:
    guard = ctx.cache.get("login_guard")
    if guard is None:
        guard = ctx.cache["login_guard"] = LoginGuard()
    assert isinstance(guard, LoginGuard)
    return guard


@dataclass(frozen=True)
class Opened:
    """Logged in: the member and the new session's cookie value."""

    staff: Staff
    token: str


@dataclass(frozen=True)
class MustEnrol:
    """The right password, but no second factor yet: confirm one with a code from this
    secret (``confirm_enrolment``) within ``ENROLMENT_MINUTES``."""

    staff: Staff
    enrolment: str
    secret: str
    uri: str


async def log_in(
    ctx: Context, email: str, password: str, otp: str, source: str = "", label: str = ""
) -> Opened | MustEnrol:
    """Check the password and the code and open a session. The same Forbidden for an
    unknown email, a wrong password, and a missing, wrong or reused code."""
    email = normalise_email(email)
    guard = login_guard(ctx)
    now = ctx.clock.now()
    guard.attempted(source, now)
    guard.check(email, source, now)
    staff = None
    if storable(email) and len(email) <= 320:
        async with ctx.db.read() as session:
            staff = await staff_store.get_by_email(session, email)
    known = staff.password_hash if staff is not None else passwords.dummy_hash()
    ok = await guard.gate.run(
        functools.partial(guard.rank, source, staff is not None),
        functools.partial(passwords.verify_password, known, password),
    )
    if staff is None or not staff.active or not ok:
        await _failed(ctx, guard, staff, email, source, "password")
    assert staff is not None
    if staff.totp_secret is None:
        guard.succeeded(email, source)
        return await _start_enrolment(ctx, staff)
    step = matching_step(staff.totp_secret, otp, now.timestamp(), staff.totp_last_step)
    if step is None:
        await _failed(ctx, guard, staff, email, source, "code")
    assert step is not None
    guard.succeeded(email, source)
    async with ctx.transaction() as tx:
        current = await staff_store.get(tx.session, staff.id)
        # Two logins with one code at once: only the first moves the step on.
        if current is None or (current.totp_last_step or -1) >= step:
            raise Forbidden("wrong email, password or code")
        current.totp_last_step = step
        if passwords.hasher.check_needs_rehash(current.password_hash):
            current.password_hash = passwords.hash_password(password)
        token = await open_session(ctx, tx.session, current, label)
        await record(tx.session, ctx, f"staff:{current.id}", "login.succeeded")
    return Opened(current, token)


async def _failed(
    ctx: Context, guard: LoginGuard, staff: Staff | None, email: str, source: str, what: str
) -> None:
    guard.failed(email, source, ctx.clock.now())
    if staff is not None:  # an unknown email is not written anywhere
        async with ctx.transaction() as tx:
            await record(tx.session, ctx, f"staff:{staff.id}", "login.failed", "", what)
    raise Forbidden("wrong email, password or code")


async def _start_enrolment(ctx: Context, staff: Staff) -> MustEnrol:
    token = secrets.token_urlsafe(32)
    secret = new_secret()
    async with ctx.transaction() as tx:
        await staff_store.put_enrolment(
            tx.session,
            StaffEnrolment(
                token_hash=token_hash(token),
                staff_id=staff.id,
                secret=secret,
                expires_at=ctx.clock.now() + timedelta(minutes=ENROLMENT_MINUTES),
            ),
        )
    return MustEnrol(staff, token, secret, provisioning_uri(secret, staff.email))


async def confirm_enrolment(ctx: Context, enrolment: str, otp: str, label: str = "") -> Opened:
    """The first code from the new secret: the second factor is on, and a session opens."""
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        found = None
        if enrolment and len(enrolment) <= 200:
            found = await staff_store.get_enrolment(tx.session, token_hash(enrolment), now)
        if found is None:
            raise NotFound("the enrolment has expired; log in again")
        pending, staff = found
        step = matching_step(pending.secret, otp, now.timestamp(), None)
        if step is None or not staff.active:
            raise Forbidden("wrong code")
        staff.totp_secret = pending.secret
        staff.totp_last_step = step
        await staff_store.delete_enrolments(tx.session, staff.id)
        token = await open_session(ctx, tx.session, staff, label)
        await record(tx.session, ctx, f"staff:{staff.id}", "second_factor.enrolled")
    return Opened(staff, token)


async def open_session(ctx: Context, session: AsyncSession, staff: Staff, label: str) -> str:
    token = secrets.token_urlsafe(32)  # 256 bits
    now = ctx.clock.now()
    await staff_store.delete_expired_sessions(session, now)
    await staff_store.insert_session(
        session,
        StaffSession(
            token_hash=token_hash(token),
            staff_id=staff.id,
            created_at=now,
            expires_at=now + timedelta(hours=ctx.rules.staff_session_hours),
            public_id=secrets.token_hex(8),
            last_seen_at=now,
            label=label[:120],
        ),
    )
    return token


async def staff_for_session(
    ctx: Context, token: str | None, *, touch: bool = False
) -> Staff | None:
    """The member a session belongs to, if it is open: not ended, not past its absolute
    lifetime, not idle longer than the idle timeout, and the account active. ``touch``: this
    is the member's own doing (not a heartbeat), so the idle timeout starts again."""
    if not token or len(token) > 200:
        return None
    now = ctx.clock.now()
    idle_since = now - timedelta(minutes=ctx.rules.staff_idle_minutes)
    digest = token_hash(token)
    async with ctx.db.read() as session:
        found = await staff_store.get_session(session, digest, now, idle_since)
    if found is None:
        return None
    staff_session, staff = found
    if touch and staff_session.last_seen_at < now - TOUCH_EVERY:
        async with ctx.transaction() as tx:
            await staff_store.touch_session(tx.session, digest, now)
    return staff


async def log_out(ctx: Context, token: str) -> None:
    digest = token_hash(token)
    async with ctx.transaction() as tx:
        found = await staff_store.session_owner(tx.session, digest)
        await staff_store.delete_session(tx.session, digest)
        if found is not None:
            tx.publish_on_commit(SessionsEnded(staff_id=found, token_hashes=(digest,)))
            await record(tx.session, ctx, f"staff:{found}", "logout")


@dataclass(frozen=True)
class SessionInfo:
    id: str
    label: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


async def my_sessions(ctx: Context, staff: Staff, token: str) -> list[SessionInfo]:
    now = ctx.clock.now()
    idle_since = now - timedelta(minutes=ctx.rules.staff_idle_minutes)
    mine = token_hash(token)
    async with ctx.db.read() as session:
        rows = await staff_store.sessions_of(session, staff.id, now, idle_since)
    return [
        SessionInfo(s.public_id, s.label, s.created_at, s.last_seen_at, s.token_hash == mine)
        for s in rows
    ]


async def end_my_session(ctx: Context, staff: Staff, public_id: str) -> None:
    """A member ends one of their sessions (NotFound for anyone else's)."""
    async with ctx.transaction() as tx:
        digest = await staff_store.delete_session_by_public_id(tx.session, staff.id, public_id)
        if digest is None:
            raise NotFound("no such session of yours")
        tx.publish_on_commit(SessionsEnded(staff_id=staff.id, token_hashes=(digest,)))
        await record(tx.session, ctx, f"staff:{staff.id}", "session.ended", public_id)


async def change_password(ctx: Context, staff: Staff, token: str, current: str, new: str) -> None:
    """With the current password; every other session of the member ends."""
    guard = login_guard(ctx)
    ok = await guard.gate.run(
        0, functools.partial(passwords.verify_password, staff.password_hash, current)
    )
    if not ok:
        async with ctx.transaction() as tx:
            await record(tx.session, ctx, f"staff:{staff.id}", "password.change_refused")
        raise Forbidden("the current password is wrong")
    passwords.check_password(new, personal=(staff.email, staff.display_name))
    if new == current:
        raise Invalid("choose a password you have not used here")
    new_hash = await guard.gate.run(0, functools.partial(passwords.hash_password, new))
    keep = token_hash(token)
    async with ctx.transaction() as tx:
        member = await staff_store.get(tx.session, staff.id)
        assert member is not None
        member.password_hash = new_hash
        member.password_changed_at = ctx.clock.now()
        ended = await staff_store.delete_sessions_of(tx.session, staff.id, keep=keep)
        tx.publish_on_commit(SessionsEnded(staff_id=staff.id, token_hashes=tuple(ended)))
        await record(tx.session, ctx, f"staff:{staff.id}", "password.changed")

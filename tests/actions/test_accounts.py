"""Staff accounts under attack and in daily use: the second factor, passwords, the throttle,
sessions (idle, absolute, listed and ended), invitations and what an admin does. Runs on
SQLite and PostgreSQL; time is a clock the tests move."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lykt.actions.audit import audit_log
from lykt.actions.context import Context
from lykt.actions.passwords import HashGate, check_password
from lykt.actions.sessions import (
    MustEnrol,
    Opened,
    change_password,
    confirm_enrolment,
    end_my_session,
    log_in,
    log_out,
    my_sessions,
    staff_for_session,
)
from lykt.actions.staff import (
    accept_invitation,
    add_staff,
    deactivate_staff,
    end_all_sessions,
    invite_staff,
    open_invitation,
    reset_second_factor,
    set_role,
)
from lykt.clock import ManualClock
from lykt.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from lykt.events import Event, SessionsEnded
from lykt.models import Staff
from tests.actions.test_messages import run_with_context
from tests.conftest import PASSWORD
from tests.otp import code_after

NEW_PASSWORD = "plum orchard lighthouse 42"


def code(ctx: Context, staff: Staff, last_step: int | None = None) -> str:
    assert staff.totp_secret is not None
    found = code_after(staff.totp_secret, last_step, ctx.clock.now().timestamp())
    assert found is not None
    return found


async def opened(ctx: Context, email: str, staff: Staff, source: str = "s") -> Opened:
    result = await log_in(ctx, email, PASSWORD, code(ctx, staff), source=source)
    assert isinstance(result, Opened)
    return result


def step_on(ctx: Context, seconds: float = 30) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=seconds))


def test_a_login_needs_the_password_and_a_fresh_code(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        good = code(ctx, kari)
        for password, otp in ((PASSWORD, ""), (PASSWORD, "000000"), ("wrong password!!", good)):
            with pytest.raises(Forbidden) as refused:
                await log_in(ctx, "kari@example.org", password, otp, source=f"{password}{otp}")
            assert refused.value.message == "wrong email, password or code"
        with pytest.raises(Forbidden) as unknown:
            await log_in(ctx, "nobody@example.org", PASSWORD, good, source="x")
        assert unknown.value.message == "wrong email, password or code"
        first = await log_in(ctx, "kari@example.org", PASSWORD, good, source="a")
        assert isinstance(first, Opened)
        # The same code again (a shoulder-surfer, a replayed request): refused.
        with pytest.raises(Forbidden):
            await log_in(ctx, "kari@example.org", PASSWORD, good, source="b")
        failures = [e.detail for e in await audit_log(ctx) if e.action == "login.failed"]
        assert sorted(failures) == ["code", "code", "code", "password"]

    run_with_context(database_url, work)


def test_weak_short_and_common_passwords_are_refused() -> None:
    for weak in (" " * 14, "short1!", "password1234", "qwertyuiopasdf", "kari@example.org1"):
        with pytest.raises(Invalid):
            check_password(weak, personal=("kari@example.org", "Kari"))
    check_password("correct horse battery")  # long and unguessable
    check_password("tre små griser på tur")  # spaces and letters of our own are fine


def test_wrong_tries_make_that_source_wait_longer_but_never_lock_the_account(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        for _ in range(3):
            with pytest.raises(Forbidden):
                await log_in(ctx, "kari@example.org", "not her password", "", source="attacker")
        # From the third failure on, that source waits (1 s, then 2, 4 …) before trying again.
        with pytest.raises(RateLimited) as waiting:
            await log_in(ctx, "kari@example.org", PASSWORD, code(ctx, kari), source="attacker")
        assert waiting.value.retry_after >= 1
        # Kari herself, from her own address, is not held up at all.
        await opened(ctx, "kari@example.org", kari, source="kari")
        step_on(ctx, 1.5)
        with pytest.raises(Forbidden):
            await log_in(ctx, "kari@example.org", "still not it", "", source="attacker")
        with pytest.raises(RateLimited) as longer:
            await log_in(ctx, "kari@example.org", "again", "", source="attacker")
        assert longer.value.retry_after >= 2

    run_with_context(database_url, work)


def test_the_hash_gate_keeps_a_slot_for_a_member_and_serves_them_before_the_flood() -> None:
    async def main() -> tuple[list[str], list[str]]:
        gate = HashGate(slots=2, max_waiting=5)
        started: list[str] = []
        release = asyncio.Event()
        ranks = {"flood": 9}

        async def job(name: str, rank: int | None = None) -> None:
            async with gate.slot(lambda: ranks["flood"] if rank is None else rank):
                started.append(name)
                await release.wait()

        flood = [asyncio.create_task(job(f"flood{i}")) for i in range(6)]
        await asyncio.sleep(0)
        # Of two slots the flood gets one; the other is kept: a member starts at once.
        member = asyncio.create_task(job("member", 0))
        await asyncio.sleep(0)
        at_once = list(started)
        # The line is full of flood: another from the flood is turned away, unhashed...
        with pytest.raises(RateLimited):
            await job("flood-extra")
        # ...and a second member waiting behind the flood is served first when a slot frees.
        second = asyncio.create_task(job("member2", 1))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(member, second, *flood, return_exceptions=True)
        return at_once, started

    at_once, started = asyncio.run(main())
    assert at_once == ["flood0", "member"]
    assert started.index("member2") == 2  # the first slot freed went to the member
    assert "flood-extra" not in started


def test_sessions_end_when_idle_past_their_lifetime_or_on_logout(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        token = (await opened(ctx, "kari@example.org", kari)).token
        step_on(ctx, 29 * 60)
        assert await staff_for_session(ctx, token, touch=True) is not None  # used: idle resets
        step_on(ctx, 29 * 60)
        assert await staff_for_session(ctx, token) is not None
        step_on(ctx, 2 * 60)  # 31 minutes without use
        assert await staff_for_session(ctx, token) is None

        # In use all along, a session still ends 12 hours after the login.
        token = (await opened(ctx, "kari@example.org", kari)).token
        for _ in range(28):  # 11 h 40 min, used every 25 minutes
            step_on(ctx, 25 * 60)
            assert await staff_for_session(ctx, token, touch=True) is not None
        step_on(ctx, 25 * 60)  # 12 h 5 min after the login
        assert await staff_for_session(ctx, token, touch=True) is None

        step_on(ctx)
        token = (await opened(ctx, "kari@example.org", kari)).token
        await log_out(ctx, token)
        assert await staff_for_session(ctx, token) is None
        assert any(isinstance(e, SessionsEnded) for e in published)

    run_with_context(database_url, work)


def test_a_member_sees_their_sessions_and_ends_one_and_a_new_password_ends_the_others(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        ola = await add_staff(ctx, "ola@example.org", "Ola", "host", PASSWORD)
        laptop = (await opened(ctx, "kari@example.org", kari)).token
        step_on(ctx)
        phone = (await opened(ctx, "kari@example.org", kari)).token
        step_on(ctx)
        tablet = (await opened(ctx, "kari@example.org", kari)).token
        listed = await my_sessions(ctx, kari, laptop)
        assert len(listed) == 3 and [s.current for s in listed].count(True) == 1
        phone_id = next(s.id for s in await my_sessions(ctx, kari, phone) if s.current)
        with pytest.raises(NotFound):
            await end_my_session(ctx, ola, phone_id)  # not his to end
        await end_my_session(ctx, kari, phone_id)
        assert await staff_for_session(ctx, phone) is None
        with pytest.raises(Forbidden):
            await change_password(ctx, kari, laptop, "not the current one", NEW_PASSWORD)
        with pytest.raises(Invalid):
            await change_password(ctx, kari, laptop, PASSWORD, "kari1234567890")
        await change_password(ctx, kari, laptop, PASSWORD, NEW_PASSWORD)
        assert await staff_for_session(ctx, laptop) is not None  # this one goes on
        assert await staff_for_session(ctx, tablet) is None  # the others have ended
        step_on(ctx)
        with pytest.raises(Forbidden):
            await log_in(ctx, "kari@example.org", PASSWORD, code(ctx, kari), source="t")

    run_with_context(database_url, work)


def test_an_admin_ends_sessions_deactivates_and_resets_the_second_factor(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        boss = await add_staff(ctx, "boss@example.org", "Boss", "admin", PASSWORD)
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        token = (await opened(ctx, "kari@example.org", kari)).token
        await end_all_sessions(ctx, boss, kari.id)
        assert await staff_for_session(ctx, token) is None
        ended = [e for e in published if isinstance(e, SessionsEnded)]
        assert ended and ended[-1].staff_id == kari.id and ended[-1].every

        # A lost phone: the second factor goes, and the next login enrols a new one.
        await reset_second_factor(ctx, boss, kari.id)
        step_on(ctx)
        enrol = await log_in(ctx, "kari@example.org", PASSWORD, "", source="k")
        assert isinstance(enrol, MustEnrol) and enrol.uri.startswith("otpauth://totp/")
        new_code = code_after(enrol.secret, None, ctx.clock.now().timestamp())
        assert new_code is not None
        with pytest.raises(Forbidden):
            await confirm_enrolment(ctx, enrol.enrolment, "123456")
        session = await confirm_enrolment(ctx, enrol.enrolment, new_code)
        assert await staff_for_session(ctx, session.token) is not None

        await deactivate_staff(ctx, boss, kari.id)
        assert await staff_for_session(ctx, session.token) is None
        step_on(ctx)
        with pytest.raises(Forbidden):
            await log_in(ctx, "kari@example.org", PASSWORD, new_code, source="k")
        with pytest.raises(Conflict):
            await set_role(ctx, boss, boss.id, "host")  # no admin takes away their own role
        actions = [e.action for e in await audit_log(ctx) if e.actor == f"staff:{boss.id}"]
        assert actions == ["sessions.ended", "second_factor.reset", "staff.deactivated"]

    run_with_context(database_url, work)


def test_an_invitation_works_once_and_not_after_72_hours(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        boss = await add_staff(ctx, "boss@example.org", "Boss", "admin", PASSWORD)
        invitation, token = await invite_staff(ctx, boss, "Nina@Example.org", "host")
        assert invitation.email == "nina@example.org"
        assert (await open_invitation(ctx, token)).role == "host"
        new_code = code_after(invitation.secret, None, ctx.clock.now().timestamp())
        assert new_code is not None
        with pytest.raises(Invalid):
            await accept_invitation(ctx, token, "Nina", "nina12345678", new_code)  # weak
        joined = await accept_invitation(ctx, token, "Nina", NEW_PASSWORD, new_code)
        assert joined.staff.role == "host"
        assert await staff_for_session(ctx, joined.token) is not None
        with pytest.raises(NotFound):
            await accept_invitation(ctx, token, "Nina", NEW_PASSWORD, new_code)  # used

        _, late = await invite_staff(ctx, boss, "per@example.org", "supervisor")
        step_on(ctx, 72 * 3600 + 1)
        with pytest.raises(NotFound):
            await open_invitation(ctx, late)

    run_with_context(database_url, work)

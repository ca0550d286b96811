"""Passwords: the policy (long enough, not weak, not common), argon2id hashing, and the gate
that caps how many hashes run at once so a flood of logins cannot starve the server.

The gate lets ``slots`` hashes run at once (the machine's cores) and keeps the rest waiting in
order of rank: a login from a source that has hardly tried goes before the flood (whose
sources pile up attempts), and one slot is kept for such clean requests, so a real login waits
for at most one of the flood's hashes. Beyond ``max_waiting`` the worst-ranked request is
turned away at once (RateLimited), without hashing anything (bench/login_flood.py)."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from lykt.errors import Invalid, RateLimited

T = TypeVar("T")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" for online attacks
# argon2id with the library's recommended parameters (RFC 9106's second choice: t=3, 64 MiB,
# p=4); a hash made with older parameters is made again at the next good login.
hasher = PasswordHasher()


def check_password(password: str, *, personal: tuple[str, ...] = ()) -> None:
    """Refuse a password that is short, only spaces, or that a strength estimator rates weak
    (common passwords, words, dates, keyboard runs, the person's own name or email)."""
    if len(password) > MAX_PASSWORD_CHARS:
        raise Invalid(f"the password may be at most {MAX_PASSWORD_CHARS} characters")
    if len(password) < MIN_PASSWORD_CHARS or len(password.strip()) < MIN_PASSWORD_CHARS:
        raise Invalid(f"the password must be at least {MIN_PASSWORD_CHARS} characters")
    # zxcvbn reads the first 100 characters; a longer password is not weaker for it.
    verdict = zxcvbn(password[:100], user_inputs=[p for p in personal if p])
    if verdict["score"] < MIN_STRENGTH:
        advice = verdict["feedback"].get("warning") or "it is too easy to guess"
        raise Invalid(f"choose a stronger password: {advice.rstrip('.')}")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email takes as long as a wrong password.
    Made at the first such login, not at import (hashing takes a good part of a second)."""
    return hasher.hash(secrets.token_urlsafe(16))


Rank = Callable[[], int]
#: A request ranked this or lower is "clean" (a source that has hardly tried): one slot is
#: kept for such requests, so a member never waits for the flood's hashes to finish.
CLEAN_RANK = 2


@dataclass(eq=False)
class _Waiter:
    order: int
    rank: Rank
    future: asyncio.Future[bool]


class HashGate:
    """At most ``slots`` password hashes at once. Waiters go by rank (lower first), read
    again each time a slot is handed out (a flooding source's rank grows while it waits), then
    by arrival. One slot is kept for clean requests (rank <= ``CLEAN_RANK``) when there are
    two or more. Beyond ``max_waiting``, the worst ranked are turned away at once."""

    def __init__(self, slots: int | None = None, max_waiting: int = 32) -> None:
        self.slots = slots or max(1, os.cpu_count() or 1)
        self.max_waiting = max_waiting
        self._busy = 0  # slots in use
        self._busy_unclean = 0  # of which by requests that were not clean
        self._order = itertools.count()
        self._waiting: list[_Waiter] = []
        self.turned_away = 0

    def _may_start(self, clean: bool) -> bool:
        if self._busy >= self.slots:
            return False
        kept = 1 if self.slots > 1 else 0
        return clean or self._busy_unclean < self.slots - kept

    @asynccontextmanager
    async def slot(self, rank: Rank) -> AsyncIterator[None]:
        clean = rank() <= CLEAN_RANK
        # Nobody waits who would go first: a clean request passes waiting flood requests (a
        # slot is kept for it), anyone else only an empty line.
        ahead = [w for w in self._waiting if w.rank() <= CLEAN_RANK] if clean else self._waiting
        if not ahead and self._may_start(clean):
            self._take(clean)
        else:
            clean = await self._wait(rank)
        try:
            yield
        finally:
            self._release(clean)

    def _take(self, clean: bool) -> None:
        self._busy += 1
        if not clean:
            self._busy_unclean += 1

    async def _wait(self, rank: Rank) -> bool:
        if len(self._waiting) >= self.max_waiting:
            worst = max(self._waiting, key=lambda w: (w.rank(), w.order))
            if rank() >= worst.rank():
                self.turned_away += 1
                raise RateLimited("too many logins at once; try again in a moment")
            self._waiting.remove(worst)
            self.turned_away += 1
            worst.future.set_exception(
                RateLimited("too many logins at once; try again in a moment")
            )
        waiter = _Waiter(next(self._order), rank, asyncio.get_running_loop().create_future())
        self._waiting.append(waiter)
        try:
            return await waiter.future  # handed a slot, already counted (see _hand_out)
        except BaseException:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif (
                waiter.future.done()
                and not waiter.future.cancelled()
                and waiter.future.exception() is None
            ):
                self._release(waiter.future.result())  # it gave up just as its turn came
            raise

    def _release(self, clean: bool) -> None:
        self._busy -= 1
        if not clean:
            self._busy_unclean -= 1
        self._hand_out()

    def _hand_out(self) -> None:
        """Give free slots to the best ranked waiters that may take them."""
        while self._waiting and self._busy < self.slots:
            ranked = sorted(self._waiting, key=lambda w: (w.rank(), w.order))
            chosen = next((w for w in ranked if self._may_start(w.rank() <= CLEAN_RANK)), None)
            if chosen is None:
                return
            self._waiting.remove(chosen)
            if chosen.future.done():
                continue
            clean = chosen.rank() <= CLEAN_RANK
            self._take(clean)
            chosen.future.set_result(clean)

    async def run(self, rank: Rank | int, work: Callable[[], T]) -> T:
        """Run ``work`` (a hash or a verification) in a thread when its turn comes."""
        ranked: Rank = (lambda: rank) if isinstance(rank, int) else rank
        async with self.slot(ranked):
            return await asyncio.to_thread(work)

"""Passwords: the policy (long enough, not weak, not common), argon2id hashing, and the gate
that caps how many hashes run at once so a flood of logins cannot starve the server.

The gate lets ``slots`` hashes run at once (the machine's cores) and keeps the rest waiting in
order of priority: a login from a source with no recent failures goes before the flood (whose
sources pile up failures), so a real login still answers promptly. Beyond ``max_waiting`` the
worst-placed request is turned away at once (RateLimited), without hashing anything."""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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


class HashGate:
    """At most ``slots`` password hashes at once; waiters by priority (lower first)."""

    def __init__(self, slots: int | None = None, max_waiting: int = 32) -> None:
        self.slots = slots or max(1, os.cpu_count() or 1)
        self.max_waiting = max_waiting
        self._busy = 0
        self._order = itertools.count()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self.turned_away = 0

    @asynccontextmanager
    async def slot(self, priority: int) -> AsyncIterator[None]:
        if self._busy < self.slots and not self._waiting:
            self._busy += 1
        else:
            await self._wait(priority)
        try:
            yield
        finally:
            self._release()

    async def _wait(self, priority: int) -> None:
        if len(self._waiting) >= self.max_waiting:
            worst = max(self._waiting)
            if (priority, next(self._order)) >= worst[:2]:
                self.turned_away += 1
                raise RateLimited("too many logins at once; try again in a moment")
            self._waiting.remove(worst)
            heapq.heapify(self._waiting)
            self.turned_away += 1
            worst[2].set_exception(RateLimited("too many logins at once; try again in a moment"))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (priority, next(self._order), future)
        heapq.heappush(self._waiting, entry)
        try:
            await future  # the slot is handed over already counted (see _release)
        except BaseException:
            if entry in self._waiting:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            elif future.done() and not future.cancelled() and future.exception() is None:
                self._release()  # handed a slot just as it gave up: pass it on
            raise

    def _release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)  # the slot goes straight to the next in line
                return
        self._busy -= 1

    async def run(self, priority: int, work: Callable[[], T]) -> T:
        """Run ``work`` (a hash or a verification) in a thread when its turn comes."""
        async with self.slot(priority):
            return await asyncio.to_thread(work)

"""What every action needs: the database, the bus, the clock and the rules' numbers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.bus import Bus
from lykt.clock import Clock
from lykt.db import Database
from lykt.events import Event
from lykt.privacy.escrow import EscrowKey


@dataclass(frozen=True)
class Rules:
    max_chats_per_host: int = 3
    max_message_chars: int = 4000
    staff_session_hours: int = 12  # a session's absolute lifetime
    staff_idle_minutes: int = 30  # ... and how long it may go unused
    # LYKT_OPENING_HOURS=always: open whatever the schedule says (demos and tests).
    always_open: bool = False
    # How many hours after it ends a conversation is deleted (the promise on the privacy page).
    retention_hours: int = 72
    # A legal hold keeps a conversation at most this long, unless released sooner.
    max_hold_days: int = 30
    # A host whose every socket has been gone this long gives their chats back to the queue.
    host_grace_s: float = 120.0
    # A staff member counts as connected while a process saw their socket this recently
    # (each process refreshes its marks at every heartbeat; a dead process's go stale).
    presence_fresh_s: float = 45.0
    # A visitor waiting longer than this is shown to every supervisor online.
    escalate_after_s: float = 300.0
    # The audit log keeps this many days (then pruned, the chain still verifiable).
    audit_days: int = 365


@dataclass(frozen=True)
class EscrowVault:
    """Where sealed addresses go: its own database (file), and the operator's public key
    (None: nothing about an address is kept at all)."""

    db: Database
    key: EscrowKey | None


@dataclass
class Tx:
    session: AsyncSession
    events: list[Event] = field(default_factory=list)

    def publish_on_commit(self, event: Event) -> None:
        """Queue an event; it goes out only if and after the transaction commits."""
        self.events.append(event)


log = logging.getLogger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")
BatchWriter = Callable[["Context", list[Item]], Awaitable[list["Result | Exception"]]]


class GroupCommit(Generic[Item, Result]):
    """Runs the writes that arrive while one transaction commits together in the next one.

    Under load this turns many small transactions (one fsync and a handful of statements
    each) into a few larger ones; a lone write still goes straight through. ``write_batch``
    returns one result or exception per item, in order; an exception it raises fails the whole
    batch (nothing in it was committed, so nothing is acked)."""

    MAX_BATCH = 256

    def __init__(self, ctx: Context, write_batch: BatchWriter[Item, Result]) -> None:
        self._ctx = ctx
        self._write_batch = write_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self.MAX_BATCH]
                del self._pending[: self.MAX_BATCH]
                try:
                    results = await self._write_batch(self._ctx, [item for item, _ in batch])
                except Exception as exc:  # nothing committed: every sender gets the error
                    log.exception("a batch of %d writes failed", len(batch))
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # the sender went away
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass(frozen=True)
class Context:
    db: Database
    bus: Bus
    clock: Clock
    rules: Rules = Rules()
    escrow: EscrowVault | None = None
    _group_commits: dict[Any, GroupCommit[Any, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Small values an action may keep for a few seconds (the opening hours, say).
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def group_commit(self, write_batch: BatchWriter[Item, Result]) -> GroupCommit[Item, Result]:
        """The one group committer of this context for ``write_batch``."""
        committer = self._group_commits.get(write_batch)
        if committer is None:
            committer = GroupCommit(self, write_batch)
            self._group_commits[write_batch] = committer
        return committer

    async def stop(self) -> None:
        for committer in self._group_commits.values():
            await committer.stop()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One write transaction. Events are published after commit, still in commit order
        (on SQLite the write lock is held until they are handed to the bus)."""
        async with self.db.write_lock_held():
            async with self.db.session() as session, session.begin():
                tx = Tx(session)
                yield tx
            for event in tx.events:
                self.bus.publish(event)

    def publish_ephemeral(self, event: Event) -> None:
        """For events that are never stored (typing, presence)."""
        self.bus.publish(event)

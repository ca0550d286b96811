"""What every action needs: the database, the bus, the clock and the rules' numbers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.bus import Bus
from lykt.clock import Clock
from lykt.db import Database
from lykt.events import Event


@dataclass(frozen=True)
class Rules:
    max_chats_per_host: int = 3
    max_message_chars: int = 4000
    staff_session_hours: int = 12


@dataclass
class Tx:
    session: AsyncSession
    events: list[Event] = field(default_factory=list)

    def publish_on_commit(self, event: Event) -> None:
        """Queue an event; it goes out only if and after the transaction commits."""
        self.events.append(event)


@dataclass(frozen=True)
class Context:
    db: Database
    bus: Bus
    clock: Clock
    rules: Rules = Rules()

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

"""The bus: a doorbell between nodes. Events are published only after their commit.

The in-process implementation serves the embedded default (one process). A Redis
implementation (several processes) plugs in behind the same protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from lykt.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]


class Bus(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def publish(self, event: Event) -> None:
        """Hand an event to every subscriber on every node. Never blocks, never raises."""
        ...

    def subscribe(self, handler: Handler) -> None: ...

    @property
    def healthy(self) -> bool: ...


class InMemoryBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._handlers.clear()

    def publish(self, event: Event) -> None:
        for handler in list(self._handlers):
            try:
                handler(event)
            except Exception:  # one bad subscriber must not stop the others
                log.exception("bus subscriber failed on %s", type(event).__name__)

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    @property
    def healthy(self) -> bool:
        return True

"""What a staff frame handler gets: who is on the socket, the socket, the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from lykt.models import Staff
from lykt.realtime import Connection
from lykt.web.deps import Services
from lykt.web.wire import TokenBucket


@dataclass
class StaffSocket:
    staff: Staff
    conn: Connection
    services: Services
    typing_bucket: TokenBucket = field(default_factory=lambda: TokenBucket(10, 20))
    message_bucket: TokenBucket = field(default_factory=lambda: TokenBucket(5, 30))
    # Notes, alerts and transfers: a person's pace, with room for a burst.
    action_bucket: TokenBucket = field(default_factory=lambda: TokenBucket(2, 20))
    # Chats this socket reads along silently: it never types into them.
    watching: set[str] = field(default_factory=set)


Handler = Callable[[Any, StaffSocket], Awaitable[None]]
Handlers = dict[type[BaseModel], Handler]

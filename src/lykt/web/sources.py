"""Where a request comes from, taken once at the door and then forgotten.

``ClientSource`` runs before everything else. It works out the client's address (the trusted
proxy's header, or the peer), removes that header, replaces ``scope["client"]`` with None so
no later code, log or error page can see the address, and leaves only:

* ``scope["lykt.source"]``: a keyed hash of the address (today's key), for rate limits;
* ``scope["lykt.address"]``: the address and port, on the visitor socket only, for the
  escrow; the socket takes it (``take_address``) as soon as it has sealed it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from lykt.privacy.sources import Address, AddressResolver, SourceKeys, SourceLimiter
from lykt.settings import Settings

SOURCE_KEY = "lykt.source"
ADDRESS_KEY = "lykt.address"
ESCROW_PATHS = frozenset({"/ws/visitor"})
UNKNOWN_SOURCE = "unknown"


class ClientSource:
    def __init__(self, app: ASGIApp, resolver: AddressResolver, keys: SourceKeys) -> None:
        self.app = app
        self.resolver = resolver
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            address, headers = self.resolver.resolve(scope.get("client"), scope["headers"])
            scope["headers"] = headers
            scope["client"] = None
            scope[SOURCE_KEY] = self.keys.key_for(address[0]) if address else UNKNOWN_SOURCE
            if scope["path"] in ESCROW_PATHS:
                scope[ADDRESS_KEY] = address
            del address
        await self.app(scope, receive, send)


def source_of(scope: Scope) -> str:
    return str(scope.get(SOURCE_KEY, UNKNOWN_SOURCE))


def take_address(scope: Scope) -> Address | None:
    """The client's address for the escrow, removed from the request as it is handed over."""
    address: Address | None = scope.pop(ADDRESS_KEY, None)
    return address


@dataclass(frozen=True)
class Limits:
    """Per-source limits (by keyed hash), on top of the per-socket ones. A flood gets a clear
    error, never a crash; logins are limited too (a slow brute force stays slow)."""

    conversations: SourceLimiter
    messages: SourceLimiter
    logins: SourceLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            conversations=SourceLimiter(
                settings.source_conversations_per_hour / 3600, settings.source_conversations_burst
            ),
            messages=SourceLimiter(settings.source_messages_per_s, settings.source_messages_burst),
            logins=SourceLimiter(settings.source_logins_per_min / 60, settings.source_logins_burst),
        )

"""A visitor's address, used for two things only and then let go of: the IP escrow (sealed to
the operator's key) and rate limits (by a keyed hash whose key changes every day and is never
stored). A leaf module: the standard library only.

Behind a reverse proxy the peer is the proxy; the proxy passes the client's address and
source port in one header (``X-Lykt-Client: 203.0.113.77:51234``, IPv6 as
``[2001:db8::1]:51234``). That header is believed only from the configured trusted proxies
and is always removed before the request goes further."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

Address = tuple[str, int]


def parse_address(value: str) -> Address | None:
    """``ip:port`` or ``[ipv6]:port`` (a bare IPv6 address with its port after the last colon
    is taken too); None for anything else."""
    value = value.strip()
    if value.startswith("["):
        host, sep, port = value[1:].partition("]:")
        if not sep:
            return None
    else:
        host, sep, port = value.rpartition(":")
        if not sep:
            return None
    try:
        ip = ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        return None
    if not 0 <= number <= 65535:
        return None
    return (str(ip), number)


class AddressResolver:
    """The client's address for one request: the trusted proxy's header, or the peer."""

    def __init__(self, trusted_proxies: Iterable[str], header: str) -> None:
        self.networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]
        self.header = header.lower().encode("latin-1")

    def _trusted(self, peer_ip: str) -> bool:
        try:
            ip = ipaddress.ip_address(peer_ip)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def resolve(
        self, peer: tuple[str, int] | None, headers: list[tuple[bytes, bytes]]
    ) -> tuple[Address | None, list[tuple[bytes, bytes]]]:
        """The client's address, and the headers without the address header."""
        claimed = None
        kept = []
        for name, value in headers:
            if name.lower() == self.header:
                claimed = value.decode("latin-1")
            else:
                kept.append((name, value))
        if peer is None:
            return None, kept
        if self.networks and self._trusted(peer[0]):
            # A trusted proxy that sends no (or a broken) header gives us no address at all,
            # rather than its own, which would lump every visitor together.
            return (parse_address(claimed) if claimed else None), kept
        return (peer[0], int(peer[1])), kept


class SourceKeys:
    """A keyed hash of an IP address. The key is random, made in memory, and replaced at
    each new UTC day: yesterday's hashes cannot be recomputed by anyone, us included."""

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or (lambda: datetime.now(UTC).date())
        self._day: date | None = None
        self._key = b""

    def key_for(self, ip: str) -> str:
        day = self._today()
        if day != self._day:
            self._day, self._key = day, secrets.token_bytes(32)
        return hmac.new(self._key, ip.encode(), hashlib.sha256).hexdigest()[:32]


class SourceLimiter:
    """Token buckets per source key (``burst`` at once, ``rate_per_s`` after that), for at
    most ``max_sources`` sources: the least recently seen are forgotten first."""

    def __init__(self, rate_per_s: float, burst: int, max_sources: int = 100_000) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_sources = max_sources
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, source: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, stamp = self._buckets.pop(source, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        self._buckets[source] = (tokens, now)
        while len(self._buckets) > self.max_sources:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after_s(self, source: str) -> int:
        tokens, _ = self._buckets.get(source, (self.burst, 0.0))
        return max(1, int((1 - tokens) / self.rate) + 1) if tokens < 1 else 0

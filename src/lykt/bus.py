"""The bus: a doorbell between nodes. Events are published only after their commit.

The in-process implementation serves the embedded default (one process). A Redis
implementation (several processes) plugs in behind the same protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import orjson

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


def deliver(handlers: list[Handler], event: Event) -> None:
    """Hand ``event`` to every handler of this process; one bad subscriber must not stop
    the others."""
    for handler in list(handlers):
        try:
            handler(event)
        except Exception:
            log.exception("bus subscriber failed on %s", type(event).__name__)


class InMemoryBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._handlers.clear()

    def publish(self, event: Event) -> None:
        deliver(self._handlers, event)

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    @property
    def healthy(self) -> bool:
        return True


# --- Redis: fan-out between processes -----------------------------------------------------


def encode_event(node: str, event: Event) -> bytes:
    """An event as one pub/sub payload: its type, its fields, and the node that sent it."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        fields[f.name] = {"$dt": value.isoformat()} if isinstance(value, datetime) else value
    return orjson.dumps({"n": node, "t": type(event).__name__, "f": fields})


def decode_event(payload: bytes) -> tuple[str, Event | None]:
    """The sending node and its event; None for a request to catch up (``RESYNC``)."""
    data = orjson.loads(payload)
    if data["t"] == RESYNC:
        return str(data["n"]), None
    cls = EVENT_TYPES[data["t"]]
    fields = {
        k: datetime.fromisoformat(v["$dt"]) if isinstance(v, dict) and "$dt" in v else v
        for k, v in data["f"].items()
    }
    return str(data["n"]), cls(**fields)


RESYNC = "$resync"  # "you missed events from me: catch up from the database"
PUBLISH_BATCH = 256  # events sent to Redis in one round trip at most
STARTUP_WAIT_S = 3.0  # how long a starting process waits for its subscription
STOP_WAIT_S = 2.0  # how long a stopping process waits for each part of the bus
EVENT_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in typing.get_args(Event)}


class RedisBus:
    """Events go to this process's subscribers at once, and through Redis pub/sub to every
    other process. Redis is a doorbell: nothing is stored in it (pub/sub keeps nothing), and
    when it is away, messages are still stored and acked; this bus reports itself degraded,
    and when Redis is back it tells ``on_reconnect`` listeners, so that every socket catches
    up from the database (the hub asks the clients to resume)."""

    def __init__(self, url: str, prefix: str = "lykt", max_pending: int = 10_000) -> None:
        self.url = url
        self.channel = f"{prefix}:events"
        self.node = secrets.token_hex(8)
        self._handlers: list[Handler] = []
        self._out: asyncio.Queue[bytes] = asyncio.Queue(maxsize=max_pending)
        self._healthy = False  # the subscription is up
        self._published_ok = True  # the last publish went through
        self._lost_events = False  # this node missed events: its sockets must catch up
        self._unsent = False  # others missed this node's events: they must catch up
        self._tasks: list[asyncio.Task[None]] = []
        self._client: Any = None
        self.on_reconnect: list[Callable[[], None]] = []
        self._resync = orjson.dumps({"n": self.node, "t": RESYNC})
        # Our own events come back from Redis too: recognised by their first bytes, unread.
        self._own_prefix = orjson.dumps({"n": self.node})[:-1]
        self.reconnect_delay_s = 0.5
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(
            self.url, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=5
        )
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._publisher()), loop.create_task(self._subscriber())]
        # Ready means subscribed: wait for it a moment (a Redis that is away only makes the
        # process start degraded; it keeps trying).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STARTUP_WAIT_S):
                await self._subscribed.wait()

    async def stop(self) -> None:
        """Stop publishing and listening. Bounded: a connection that hangs while it closes
        (a command cut off mid-way) must not keep the process from stopping."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                async with asyncio.timeout(STOP_WAIT_S):
                    await task
        self._tasks = []
        if self._client is not None:
            try:
                async with asyncio.timeout(STOP_WAIT_S):
                    await self._client.aclose()
            except TimeoutError:
                log.warning("the Redis connection did not close in time; left behind")
            except Exception as exc:
                log.debug("closing the Redis connection: %s", type(exc).__name__)
        self._handlers.clear()

    @property
    def healthy(self) -> bool:
        return self._healthy and self._published_ok

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def publish(self, event: Event) -> None:
        deliver(self._handlers, event)
        try:
            self._out.put_nowait(encode_event(self.node, event))
        except asyncio.QueueFull:  # Redis is far behind: others catch up from the database
            self._lost_events = True

    def _set_down(self) -> None:
        if self._healthy:
            log.warning("Redis is unreachable: fan-out between processes is degraded")
        self._healthy = False
        self._lost_events = True

    async def _publisher(self) -> None:
        while True:
            # Whatever piled up while the last round trip was under way goes in one pipeline,
            # in order: one round trip per burst, not per event.
            batch = [await self._out.get()]
            while len(batch) < PUBLISH_BATCH:
                try:
                    batch.append(self._out.get_nowait())
                except asyncio.QueueEmpty:
                    break
            if await self._send(*batch):
                if self._unsent:
                    # Others missed what we sent while Redis was away: ask them to catch up.
                    self._unsent = not await self._send(self._resync)
            else:
                self._unsent = True  # dropped: the database has it, clients catch up

    async def _send(self, *payloads: bytes) -> bool:
        for _ in range(2):  # a broken pooled connection is replaced on the second try
            try:
                if len(payloads) == 1:
                    await self._client.publish(self.channel, payloads[0])
                else:
                    pipe = self._client.pipeline(transaction=False)
                    for payload in payloads:
                        pipe.publish(self.channel, payload)
                    await pipe.execute()
                self._published_ok = True
                return True
            except Exception as exc:
                log.debug("publish to Redis failed: %s", type(exc).__name__)
        if self._published_ok:
            log.warning("Redis is unreachable: fan-out between processes is degraded")
        self._published_ok = False
        return False

    def _catch_up(self) -> None:
        for listener in list(self.on_reconnect):
            try:
                listener()
            except Exception:
                log.exception("a reconnect listener failed")

    async def _subscriber(self) -> None:
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._healthy = True
                self._subscribed.set()
                if self._unsent:  # Redis is back: others missed what we sent meanwhile
                    self._unsent = not await self._send(self._resync)
                if self._lost_events:
                    self._lost_events = False
                    log.warning("Redis is back: every socket catches up from the database")
                    self._catch_up()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    if message["data"].startswith(self._own_prefix):
                        continue  # delivered here already, when it was published
                    try:
                        node, event = decode_event(message["data"])
                    except Exception:
                        log.exception("an event from Redis could not be read")
                        continue
                    if node == self.node:
                        continue  # delivered here already, when it was published
                    if event is None:
                        self._catch_up()  # another node's events were lost for a while
                    else:
                        deliver(self._handlers, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._set_down()
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(self.reconnect_delay_s)

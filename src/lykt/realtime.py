"""The per-node hub: which live sockets belong to which conversation, and delivery to them.

Every socket has a bounded send queue drained by its own task. A socket that falls too far
behind is closed (1013) and resumes from the database; it never slows the others.
Nothing here knows about HTTP: a socket is two callables, ``send_text`` and ``close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from lykt.actions.context import Context
from lykt.actions.conversations import QueueSnapshot, queue_snapshot
from lykt.events import (
    ClosingSoon,
    ConversationClaimed,
    ConversationDeleted,
    ConversationEnded,
    Event,
    Frame,
    QueueChanged,
    iso,
)

log = logging.getLogger(__name__)

CLOSE_SLOW_CONSUMER = 1013  # "try again later": the client resumes from last_seq
CLOSE_HEARTBEAT_TIMEOUT = 4408
CLOSE_UNAUTHORIZED = 4401
CLOSE_SERVICE_RESTART = 1012
QUEUE_COALESCE_S = 0.05


def encode(frame: Frame) -> str:
    return orjson.dumps(frame).decode()


class Connection:
    def __init__(
        self,
        kind: str,
        send_text: Callable[[str], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
        queue_size: int,
        *,
        conversation_id: str | None = None,
        staff_id: int | None = None,
    ) -> None:
        self.kind = kind  # visitor | staff
        self._send_text = send_text
        self._close = close
        # (frame, conversation and seq of the message it carries, if any); None ends the sender.
        self.queue: asyncio.Queue[tuple[str, str | None, int | None] | None] = asyncio.Queue(
            maxsize=queue_size
        )
        self.conversation_id = conversation_id
        self.staff_id = staff_id
        self.following: set[str] = set()
        self.waiting = False  # a visitor still in the queue: gets queue.position
        # The last (position, estimate) sent: a visitor whose place did not change is not
        # sent it again when someone joins behind them.
        self.last_position: tuple[int, int | None] | None = None
        # Per conversation: messages up to this seq were sent in a welcome or history; copies
        # that the bus brings as well are skipped, so no socket sees a seq twice.
        self.replayed_through: dict[str, int] = {}
        self.last_received = time.monotonic()
        self.closed = False
        self._close_task: asyncio.Task[None] | None = None
        # Checked at every heartbeat: False closes the socket (a staff session that ended).
        self.revalidate: Callable[[], Awaitable[bool]] | None = None

    def offer(self, text: str, conversation_id: str | None = None, seq: int | None = None) -> None:
        """Queue a frame without waiting. A full queue means a slow reader: close it."""
        if self.closed or self._replayed(conversation_id, seq):
            return
        try:
            self.queue.put_nowait((text, conversation_id, seq))
        except asyncio.QueueFull:
            log.info("closing a %s socket that cannot keep up", self.kind)
            self.close_soon(CLOSE_SLOW_CONSUMER, "too slow; resume")

    def _replayed(self, conversation_id: str | None, seq: int | None) -> bool:
        if conversation_id is None or seq is None:
            return False
        return seq <= self.replayed_through.get(conversation_id, 0)

    def mark_replayed(self, conversation_id: str, last_seq: int) -> None:
        current = self.replayed_through.get(conversation_id, 0)
        self.replayed_through[conversation_id] = max(current, last_seq)

    def send_frame(self, frame: Frame) -> None:
        self.offer(encode(frame))

    def close_soon(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._close_task = asyncio.get_running_loop().create_task(self._do_close(code, reason))

    async def _do_close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self._close(code, reason)

    async def run_sender(self) -> None:
        """Drain the queue onto the socket until closed."""
        while True:
            item = await self.queue.get()
            if item is None or (self.closed and self._close_task is not None):
                return
            text, conversation_id, seq = item
            # Queued while the welcome was being read: the welcome may already carry it.
            if self._replayed(conversation_id, seq):
                continue
            await self._send_text(text)

    async def run_heartbeat(self, interval_s: float) -> None:
        """Ping every interval; a peer silent for three intervals is gone."""
        while not self.closed:
            await asyncio.sleep(interval_s)
            if time.monotonic() - self.last_received > 3 * interval_s:
                self.close_soon(CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout")
                return
            if self.revalidate is not None and not await self.revalidate():
                self.close_soon(CLOSE_UNAUTHORIZED, "session ended")
                return
            self.send_frame({"type": "ping"})

    def touch(self) -> None:
        self.last_received = time.monotonic()


class Hub:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.visitors: dict[str, set[Connection]] = {}
        self.staff: set[Connection] = set()
        self.followers: dict[str, set[Connection]] = {}
        self._queue_dirty = asyncio.Event()
        self._queue_task: asyncio.Task[None] | None = None
        self.latest_queue: QueueSnapshot | None = None

    # -- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        self.ctx.bus.subscribe(self.handle)
        self._queue_task = asyncio.get_running_loop().create_task(self._queue_loop())
        self._queue_dirty.set()

    async def stop(self, code: int = CLOSE_SERVICE_RESTART) -> None:
        """Close every socket so clients resume elsewhere (or after the restart)."""
        if self._queue_task is not None:
            self._queue_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._queue_task
        for conn in list(self.all_connections()):
            conn.close_soon(code, "service restarting")

    def resume_everyone(self) -> None:
        """After fan-out was down (Redis away), events from other processes may have been
        missed: every socket is closed with 1012, and each client resumes from its last seq,
        catching up from the database. The queue is read again too."""
        for conn in list(self.all_connections()):
            conn.close_soon(CLOSE_SERVICE_RESTART, "catch up")
        self._queue_dirty.set()

    def all_connections(self) -> list[Connection]:
        conns = [c for group in self.visitors.values() for c in group]
        conns.extend(self.staff)
        return conns

    # -- registration ------------------------------------------------------------------
    def add_visitor(self, conn: Connection) -> None:
        assert conn.conversation_id is not None
        self.visitors.setdefault(conn.conversation_id, set()).add(conn)
        if conn.waiting and self.latest_queue is not None:
            self._send_position(conn, self.latest_queue)

    def remove_visitor(self, conn: Connection) -> None:
        assert conn.conversation_id is not None
        group = self.visitors.get(conn.conversation_id)
        if group is not None:
            group.discard(conn)
            if not group:
                del self.visitors[conn.conversation_id]

    def add_staff(self, conn: Connection, following: set[str]) -> None:
        self.staff.add(conn)
        for conversation_id in following:
            self.follow(conn, conversation_id)

    def remove_staff(self, conn: Connection) -> None:
        self.staff.discard(conn)
        for conversation_id in list(conn.following):
            self.unfollow(conn, conversation_id)

    def follow(self, conn: Connection, conversation_id: str) -> None:
        conn.following.add(conversation_id)
        self.followers.setdefault(conversation_id, set()).add(conn)

    def unfollow(self, conn: Connection, conversation_id: str) -> None:
        conn.following.discard(conversation_id)
        group = self.followers.get(conversation_id)
        if group is not None:
            group.discard(conn)
            if not group:
                del self.followers[conversation_id]

    def visitor_online(self, conversation_id: str) -> bool:
        return bool(self.visitors.get(conversation_id))

    # -- delivery ----------------------------------------------------------------------
    def handle(self, event: Event) -> None:
        """Called by the bus for every event on every node. Never blocks."""
        if isinstance(event, QueueChanged):
            self._queue_dirty.set()
            return
        if isinstance(event, ConversationDeleted):
            for conn in list(self.visitors.get(event.conversation_id, ())):
                conn.close_soon(CLOSE_UNAUTHORIZED, "conversation deleted")
            for conn in list(self.followers.get(event.conversation_id, ())):
                self.unfollow(conn, event.conversation_id)
            return
        if isinstance(event, ClosingSoon):
            text = encode(event.staff_frame())
            for conn in list(self.staff):
                conn.offer(text)
            return
        conversation_id: str = event.conversation_id
        if isinstance(event, ConversationClaimed):
            for conn in self.staff:
                if conn.staff_id == event.host_id:
                    self.follow(conn, conversation_id)
            for conn in self.visitors.get(conversation_id, ()):
                conn.waiting = False
        seq: int | None = getattr(event, "seq", None)
        visitor_frame = event.visitor_frame()
        if visitor_frame is not None:
            text = encode(visitor_frame)
            for conn in list(self.visitors.get(conversation_id, ())):
                conn.offer(text, conversation_id, seq)
        staff_frame = event.staff_frame()
        if staff_frame is not None:
            if isinstance(event, ConversationClaimed):
                staff_frame["visitor_online"] = self.visitor_online(conversation_id)
            text = encode(staff_frame)
            for conn in list(self.followers.get(conversation_id, ())):
                conn.offer(text, conversation_id, seq)
        if isinstance(event, ConversationEnded):
            for conn in list(self.followers.get(conversation_id, ())):
                self.unfollow(conn, conversation_id)
            for conn in self.visitors.get(conversation_id, ()):
                conn.waiting = False

    async def _queue_loop(self) -> None:
        """Recompute the queue once per burst of changes and tell everyone who cares."""
        while True:
            await self._queue_dirty.wait()
            self._queue_dirty.clear()
            try:
                snapshot = await queue_snapshot(self.ctx)
            except Exception:
                log.exception("could not read the queue")
                await asyncio.sleep(1)
                self._queue_dirty.set()
                continue
            self.latest_queue = snapshot
            self._push_queue(snapshot)
            await asyncio.sleep(QUEUE_COALESCE_S)

    def _push_queue(self, snapshot: QueueSnapshot) -> None:
        staff_text = encode(queue_frame(snapshot))
        for conn in list(self.staff):
            conn.offer(staff_text)
        for index, entry in enumerate(snapshot.entries):
            for conn in list(self.visitors.get(entry.conversation_id, ())):
                if conn.waiting:
                    self._send_position(conn, snapshot, index + 1)

    def _send_position(
        self, conn: Connection, snapshot: QueueSnapshot, position: int | None = None
    ) -> None:
        assert conn.conversation_id is not None
        if position is None:
            position = snapshot.position_of(conn.conversation_id)
            if position is None:
                return
        estimate = snapshot.estimate_minutes(position)
        if conn.last_position == (position, estimate):
            return
        conn.last_position = (position, estimate)
        conn.send_frame(
            {"type": "queue.position", "position": position, "estimated_minutes": estimate}
        )


def queue_frame(snapshot: QueueSnapshot) -> dict[str, Any]:
    """What a host sees of the queue: never anything that could identify a device."""
    return {
        "type": "queue.updated",
        "queue": [
            {
                "conversation_id": e.conversation_id,
                "age_group": e.age_group,
                "about": e.about,
                "waiting_since": iso(e.waiting_since),
            }
            for e in snapshot.entries
        ],
    }

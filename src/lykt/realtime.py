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
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

import orjson

from lykt.actions import shift
from lykt.actions.context import Context
from lykt.actions.conversations import QueueSnapshot, queue_snapshot
from lykt.actions.hours import current_schedule
from lykt.actions.supervision import SUPERVISOR_ROLES, overview
from lykt.events import (
    AvailabilityChanged,
    ClosingSoon,
    ConversationClaimed,
    ConversationDeleted,
    ConversationEnded,
    ConversationTransferred,
    ConversationWrappedUp,
    Event,
    Frame,
    MessagePosted,
    QueueChanged,
    SessionsEnded,
    StaffChanged,
    SupervisorAlert,
    SupervisorJoined,
    claimed_frame,
    iso,
)

log = logging.getLogger(__name__)

CLOSE_SLOW_CONSUMER = 1013  # "try again later": the client resumes from last_seq
CLOSE_HEARTBEAT_TIMEOUT = 4408
CLOSE_UNAUTHORIZED = 4401
CLOSE_SERVICE_RESTART = 1012
QUEUE_COALESCE_S = 0.05
QUEUE_SHOWN = 50  # waiting visitors listed in a host's console
# With several processes, a process hands its own messages to its sockets at once, while the
# other side's come through Redis a moment later: seq n+1 can reach a socket before n. Such a
# message waits (at most this long) for the one before it, so each socket sees 1, 2, 3...
HOLD_OUT_OF_ORDER_S = 1.0
# Sockets welcomed at once (each reads the database once or twice); the rest wait in line,
# and beyond this many waiting a newcomer is asked to come back later.
WELCOMING_AT_ONCE = 16
WELCOMES_WAITING_AT_MOST = 50_000
# Who is on shift and the supervisors' board are read again at most this often (and never
# more than a third of the time): messages move the board's timers.
STAFF_COALESCE_S = 0.5
CHORES_STOP_S = 5.0  # how long stopping waits for database chores under way


def encode(frame: Frame) -> str:
    return orjson.dumps(frame).decode()


class Connection:
    """One live socket. Frames wait in a bounded backlog; a short-lived task drains it while
    there is something to send, so an idle socket costs no task at all (the heartbeat is one
    timer for the whole hub). Messages go out in seq order per conversation: a copy of one
    already sent is dropped, and one that overtook its predecessor waits for it (see
    ``HOLD_OUT_OF_ORDER_S``); if that never comes, the client notices the gap and fetches it."""

    __slots__ = (
        "_backlog",
        "_backlog_limit",
        "_close",
        "_close_task",
        "_drainer",
        "_held",
        "_hold_s",
        "_missed",
        "_send_text",
        "_sending",
        "closed",
        "conversation_id",
        "following",
        "kind",
        "last_position",
        "last_received",
        "revalidate",
        "role",
        "sent_through",
        "session_hash",
        "staff_id",
        "waiting",
    )

    def __init__(
        self,
        kind: str,
        send_text: Callable[[str], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
        queue_size: int,
        *,
        conversation_id: str | None = None,
        staff_id: int | None = None,
        hold_s: float = HOLD_OUT_OF_ORDER_S,
    ) -> None:
        self.kind = kind  # visitor | staff
        self._send_text = send_text
        self._close = close
        # (frame, conversation and seq of the message it carries, if any); made when needed,
        # as even an empty deque costs more than half a kilobyte
        self._backlog: deque[tuple[str, str | None, int | None]] | None = None
        self._backlog_limit = queue_size
        self._drainer: asyncio.Task[None] | None = None
        # False until the welcome has gone out: frames offered meanwhile wait behind it.
        self._sending = False
        self.conversation_id = conversation_id
        self.staff_id = staff_id
        self.role: str | None = None  # a staff socket's role: host | supervisor | admin
        self.session_hash: str | None = None  # a staff socket's session (SHA-256 of it)
        self.following: set[str] = set()
        self.waiting = False  # a visitor still in the queue: gets queue.position
        # The last (position, estimate) sent: a visitor whose place did not change is not
        # sent it again when someone joins behind them.
        self.last_position: tuple[int, int | None] | None = None
        # Per conversation: messages up to this seq were sent, live or in a welcome or
        # history; copies that the bus brings as well are skipped, so no socket sees a seq
        # twice.
        self.sent_through: dict[str, int] = {}
        # Messages waiting for the one before them, per conversation, with the timer that
        # gives up waiting; and seqs given up on, still sent if they turn up late.
        self._held: dict[str, tuple[dict[int, str], asyncio.TimerHandle]] | None = None
        self._missed: dict[str, set[int]] | None = None
        self._hold_s = hold_s
        self.last_received = time.monotonic()
        self.closed = False
        self._close_task: asyncio.Task[None] | None = None
        # Checked at every heartbeat: False closes the socket (a staff session that ended).
        self.revalidate: Callable[[], Awaitable[bool]] | None = None

    def offer(self, text: str, conversation_id: str | None = None, seq: int | None = None) -> None:
        """Queue a frame without waiting. A full backlog means a slow reader: close it."""
        if self.closed or self._replayed(conversation_id, seq):
            return
        if self._backlog is None:
            self._backlog = deque()
        elif len(self._backlog) >= self._backlog_limit:
            log.info("closing a %s socket that cannot keep up", self.kind)
            self.close_soon(CLOSE_SLOW_CONSUMER, "too slow; resume")
            return
        self._backlog.append((text, conversation_id, seq))
        if self._sending and self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    def start_sending(self) -> None:
        """The welcome is out: from now on frames go to the socket as they come."""
        self._sending = True
        if self._backlog and self._drainer is None and not self.closed:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    @property
    def backlog(self) -> int:
        return len(self._backlog) if self._backlog is not None else 0

    async def _drain(self) -> None:
        try:
            while self._backlog and not self.closed:
                text, conversation_id, seq = self._backlog.popleft()
                if not self._backlog:
                    self._backlog = None
                if conversation_id is not None and seq is not None:
                    if not self._in_order(text, conversation_id, seq):
                        continue
                    await self._send_text(text)
                    self._release_next(conversation_id)
                else:
                    await self._send_text(text)
        except Exception:
            # The peer is gone; the receive loop sees it too and cleans up.
            self.closed = True
            self._backlog = None
        finally:
            self._drainer = None

    def _replayed(self, conversation_id: str | None, seq: int | None) -> bool:
        if conversation_id is None or seq is None:
            return False
        if seq > self.sent_through.get(conversation_id, 0):
            return False
        return not (self._missed and seq in self._missed.get(conversation_id, ()))

    def _in_order(self, text: str, conversation_id: str, seq: int) -> bool:
        """Whether to send this message now (and note it as sent); False drops a copy or
        holds one that came before its predecessor."""
        through = self.sent_through.get(conversation_id)
        if through is not None:
            if self._missed and seq in self._missed.get(conversation_id, ()):
                # Late, but still wanted: the client places it by its seq.
                missed = self._missed[conversation_id]
                missed.discard(seq)
                if not missed:
                    del self._missed[conversation_id]
                return True
            if seq <= through:
                return False  # the welcome, a history or the bus already brought it
            if seq > through + 1:
                self._hold(conversation_id, seq, text)
                return False
        self.sent_through[conversation_id] = seq
        return True

    def _hold(self, conversation_id: str, seq: int, text: str) -> None:
        if self._held is None:
            self._held = {}
        entry = self._held.get(conversation_id)
        if entry is None:
            timer = asyncio.get_running_loop().call_later(
                self._hold_s, self._give_up_waiting, conversation_id
            )
            entry = self._held[conversation_id] = ({}, timer)
        entry[0][seq] = text

    def _release_next(self, conversation_id: str) -> None:
        """The message just sent may be the one others were waiting for: they go next."""
        if not self._held or conversation_id not in self._held:
            return
        waiting, timer = self._held[conversation_id]
        following: list[tuple[str, str | None, int | None]] = []
        seq = self.sent_through[conversation_id] + 1
        while seq in waiting:
            following.append((waiting.pop(seq), conversation_id, seq))
            seq += 1
        if not waiting:
            timer.cancel()
            del self._held[conversation_id]
        self._push_front(following)

    def _give_up_waiting(self, conversation_id: str) -> None:
        """The gap did not fill in time: send what waited, in order; a missing message is
        still sent if it comes later, and the client fetches it meanwhile."""
        if not self._held or conversation_id not in self._held:
            return
        through = self.sent_through.get(conversation_id, 0)
        held, _ = self._held.pop(conversation_id)
        waiting = {seq: text for seq, text in held.items() if seq > through}
        if self.closed or not waiting:
            return
        top = max(waiting)
        gaps = {s for s in range(through + 1, top) if s not in waiting}
        if gaps:
            if self._missed is None:
                self._missed = {}
            self._missed.setdefault(conversation_id, set()).update(gaps)
        self.sent_through[conversation_id] = top
        self._push_front([(waiting[s], None, None) for s in sorted(waiting)])

    def _push_front(self, items: list[tuple[str, str | None, int | None]]) -> None:
        if not items:
            return
        if self._backlog is None:
            self._backlog = deque()
        self._backlog.extendleft(reversed(items))
        if self._sending and self._drainer is None and not self.closed:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    def mark_replayed(self, conversation_id: str, last_seq: int) -> None:
        current = self.sent_through.get(conversation_id, 0)
        self.sent_through[conversation_id] = max(current, last_seq)
        if self._held and conversation_id in self._held:
            waiting = self._held[conversation_id][0]
            for seq in [s for s in waiting if s <= last_seq]:
                del waiting[seq]  # the replay carried it
            self._release_next(conversation_id)

    def send_frame(self, frame: Frame) -> None:
        self.offer(encode(frame))

    def close_soon(self, code: int, reason: str) -> None:
        """Close without waiting; frames not yet sent are dropped (the client resumes)."""
        if self.closed:
            return
        self.closed = True
        self._backlog = None
        self._close_task = asyncio.get_running_loop().create_task(self._do_close(code, reason))

    async def _do_close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._close(code, reason)

    async def stop_sending(self) -> None:
        """The socket is done: stop draining (wait for a send under way to give up)."""
        self.closed = True
        self._backlog = None
        drainer = self._drainer
        if drainer is not None:
            drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await drainer

    def touch(self) -> None:
        self.last_received = time.monotonic()


class Admission:
    """Sockets being welcomed (each reads the database once or twice) are let through a
    few at a time, first come first served; the others wait their turn, told now and then
    that the server is there so that they do not give up and start again (after a restart
    thousands reconnect at once: turning them away only makes them all come back, and
    queueing on the database pool makes them all time out). Beyond ``max_waiting`` a
    newcomer is asked to come back after its backoff."""

    def __init__(self, at_once: int, max_waiting: int, keepalive_s: float) -> None:
        self._turns = asyncio.Semaphore(at_once)
        self.max_waiting = max_waiting
        self.keepalive_s = keepalive_s
        self.waiting = 0
        self.turned_away = 0

    @contextlib.asynccontextmanager
    async def turn(self, keepalive: Callable[[], Awaitable[None]]) -> AsyncIterator[bool]:
        """Yields False (at once) for a socket to turn away, True once it is its turn."""
        if self.waiting >= self.max_waiting:
            self.turned_away += 1
            yield False
            return
        self.waiting += 1
        # One acquire, awaited in steps: cancelling it at each keep-alive would lose the
        # socket its place in the line.
        acquiring = asyncio.ensure_future(self._turns.acquire())
        try:
            while not acquiring.done():
                await asyncio.wait({acquiring}, timeout=self.keepalive_s)
                if not acquiring.done():
                    await keepalive()
        except BaseException:
            if acquiring.done() and not acquiring.cancelled():
                self._turns.release()
            else:
                acquiring.cancel()
            raise
        finally:
            self.waiting -= 1
        try:
            yield True
        finally:
            self._turns.release()


class Hub:
    def __init__(
        self,
        ctx: Context,
        heartbeat_interval_s: float = 15.0,
        welcoming_at_once: int = WELCOMING_AT_ONCE,
    ) -> None:
        self.ctx = ctx
        self.welcomes = Admission(
            welcoming_at_once, WELCOMES_WAITING_AT_MOST, heartbeat_interval_s / 2
        )
        self.heartbeat_interval_s = heartbeat_interval_s
        self.visitors: dict[str, set[Connection]] = {}
        self.staff: set[Connection] = set()
        self.staff_by_id: dict[int, set[Connection]] = {}
        self.followers: dict[str, set[Connection]] = {}
        self._queue_dirty = asyncio.Event()
        self._staff_dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._revalidating: asyncio.Task[None] | None = None
        self._chores: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.latest_queue: QueueSnapshot | None = None
        # This process, in the staff presence marks (``actions.shift``).
        self.node = uuid.uuid4().hex[:16]
        # The last colleagues / board frames, for a socket that arrives meanwhile.
        self.latest_colleagues: list[dict[str, object]] = []
        self.latest_overview: Frame | None = None
        # Visitors already shown to the supervisors as waiting too long.
        self._escalated: set[str] = set()
        # Sends a staff socket a whole chat (history, notes) when one is handed to it: set
        # by the web layer, which knows how a chat is put into a frame.
        self.on_assigned: Callable[[Connection, str], Coroutine[Any, Any, None]] | None = None

    # -- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        self.ctx.bus.subscribe(self.handle)
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._queue_loop()),
            loop.create_task(self._heartbeat()),
            loop.create_task(self._staff_loop()),
        ]
        self._queue_dirty.set()
        self._staff_dirty.set()

    async def stop(self, code: int = CLOSE_SERVICE_RESTART) -> None:
        """Close every socket so clients resume elsewhere (or after the restart)."""
        self._stopping = True  # no new database chores from here on
        tasks = [*self._tasks, *([self._revalidating] if self._revalidating else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Chores under way finish (briefly), so none is cut off in the middle of a transaction
        # or left running once the databases close.
        if self._chores:
            await asyncio.wait(list(self._chores), timeout=CHORES_STOP_S)
        for task in list(self._chores):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for conn in list(self.all_connections()):
            conn.close_soon(code, "service restarting")
        self.staff_by_id.clear()
        try:
            await shift.end_node(self.ctx, self.node)
        except Exception:
            log.warning("could not clear this process's staff presence")

    def staff_gone(self, staff_id: int) -> None:
        """The last socket of a staff member on this process has closed (``remove_staff``
        said so): the grace period starts (``actions.shift.leave_shift``)."""
        self._chore(shift.leave_shift(self.ctx, self.node, staff_id), "mark a member gone")

    def _chore(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Database work started from a place that must not wait (the bus, the heartbeat, a
        socket going away); tracked, so stopping waits for it. None once stopping."""
        if self._stopping:
            work.close()
            return

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("could not %s", what)

        task = asyncio.get_running_loop().create_task(run())
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    async def _heartbeat(self) -> None:
        """One timer for every socket: ping each, close the ones silent for three intervals,
        and check that each staff socket's session still holds."""
        interval = self.heartbeat_interval_s
        ping = encode({"type": "ping"})
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            to_check: list[Connection] = []
            for conn in self.all_connections():
                if conn.closed:
                    continue
                if now - conn.last_received > 3 * interval:
                    conn.close_soon(CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout")
                elif conn.revalidate is not None:
                    to_check.append(conn)
                else:
                    conn.offer(ping)
            if to_check and self._revalidating is None:
                self._revalidating = asyncio.get_running_loop().create_task(
                    self._revalidate(to_check, ping)
                )
            if self.staff_by_id:
                self._chore(self.refresh_presence(), "refresh the staff presence")
            if self.latest_queue is not None:
                self._escalate(self.latest_queue)

    async def refresh_presence(self) -> None:
        """Mark again that the staff with sockets here are here (their marks would go stale).
        At every heartbeat, and as a job on every process (``app.create_app``) just before
        the dropped-host check."""
        await shift.refresh_presence(self.ctx, self.node, list(self.staff_by_id))

    async def _revalidate(self, conns: list[Connection], ping: str) -> None:
        """Sessions are read from the database, away from the heartbeat so a slow read
        never delays the pings."""
        try:
            for conn in conns:
                if conn.closed or conn.revalidate is None:
                    continue
                try:
                    valid = await conn.revalidate()
                except Exception:
                    log.exception("could not check a staff session")
                    valid = True  # a database hiccup is not a logout
                if valid:
                    conn.offer(ping)
                else:
                    conn.close_soon(CLOSE_UNAUTHORIZED, "session ended")
        finally:
            self._revalidating = None

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

    def add_staff(self, conn: Connection, following: set[str]) -> bool:
        """Register a staff socket; True if it is that member's first on this process."""
        self.staff.add(conn)
        for conversation_id in following:
            self.follow(conn, conversation_id)
        first = False
        if conn.staff_id is not None:
            group = self.staff_by_id.setdefault(conn.staff_id, set())
            first = not group
            group.add(conn)
        if self.is_supervisor(conn) and self.latest_queue is not None:
            self._escalate(self.latest_queue, newcomer=conn)
        return first

    def remove_staff(self, conn: Connection) -> bool:
        """Unregister a staff socket; True if it was that member's last on this process."""
        self.staff.discard(conn)
        for conversation_id in list(conn.following):
            self.unfollow(conn, conversation_id)
        if conn.staff_id is None or conn.staff_id not in self.staff_by_id:
            return False
        group = self.staff_by_id[conn.staff_id]
        group.discard(conn)
        if group:
            return False
        del self.staff_by_id[conn.staff_id]
        return True

    @staticmethod
    def is_supervisor(conn: Connection) -> bool:
        return conn.role in SUPERVISOR_ROLES

    def supervisors(self) -> list[Connection]:
        return [c for c in self.staff if c.role in SUPERVISOR_ROLES]

    def _sockets_of(self, staff_id: int | None) -> list[Connection]:
        return list(self.staff_by_id.get(staff_id, ())) if staff_id is not None else []

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
        if isinstance(event, StaffChanged):
            self._staff_dirty.set()
            return
        if isinstance(event, SessionsEnded):
            ended = set(event.token_hashes)
            for conn in self._sockets_of(event.staff_id):
                if event.every or conn.session_hash in ended:
                    conn.close_soon(CLOSE_UNAUTHORIZED, "session ended")
            return
        if isinstance(event, AvailabilityChanged):
            text = encode(event.staff_frame())
            for conn in self._sockets_of(event.staff_id):
                conn.offer(text)
            return
        if isinstance(event, SupervisorAlert):
            text = encode(event.staff_frame())
            for conn in self.supervisors():
                conn.offer(text)
            return
        if isinstance(event, ConversationWrappedUp):
            text = encode(event.staff_frame())
            for conn in self._sockets_of(event.host_id):
                conn.offer(text)
            return
        if isinstance(event, ConversationTransferred):
            self._transferred(event)
            return
        conversation_id: str = event.conversation_id
        if isinstance(event, MessagePosted) and self.latest_overview is not None:
            self._staff_dirty.set()  # the board's timers
        if isinstance(event, SupervisorJoined):
            for conn in self._sockets_of(event.staff_id):
                self.follow(conn, conversation_id)
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

    def _transferred(self, event: ConversationTransferred) -> None:
        """A chat changed hands: the visitor is told, the sockets that follow it too (the
        one who gave it away stops following), and the new host's sockets get the chat."""
        cid = event.conversation_id
        back_in_queue = event.host_id is None
        visitor_text = encode(event.visitor_frame() or {})
        for conn in list(self.visitors.get(cid, ())):
            conn.offer(visitor_text)
            if back_in_queue:
                conn.waiting = True
                conn.last_position = None
        staff_text = encode(event.staff_frame() or {})
        for conn in list(self.followers.get(cid, ())):
            if conn.staff_id != event.host_id:
                conn.offer(staff_text)
            if conn.staff_id == event.from_id:
                self.unfollow(conn, cid)
        if back_in_queue:
            self._queue_dirty.set()
            return
        claimed = encode(claimed_frame(event) | {"visitor_online": self.visitor_online(cid)})
        for conn in self._sockets_of(event.host_id):
            self.follow(conn, cid)
            conn.offer(claimed)
            if self.on_assigned is not None:
                self._chore(self.on_assigned(conn, cid), "send a handed-over chat")

    async def _staff_loop(self) -> None:
        """Read who is on shift (for every console) and the board (for the supervisors here)
        again once per burst of changes."""
        while True:
            await self._staff_dirty.wait()
            self._staff_dirty.clear()
            if not self.staff:
                self.latest_overview = None
                continue
            started = time.monotonic()
            try:
                await self._push_staff()
            except Exception:
                log.exception("could not read who is on shift")
                await asyncio.sleep(1)
                self._staff_dirty.set()
                continue
            await asyncio.sleep(max(STAFF_COALESCE_S, 2 * (time.monotonic() - started)))

    async def _push_staff(self) -> None:
        board = bool(self.supervisors())
        people = await shift.colleagues(self.ctx, with_offline_hosts=board)
        on_shift = [p.as_dict() for p in people if p.status != "offline"]
        self.latest_colleagues = on_shift
        text = encode({"type": "staff.colleagues", "hosts": on_shift})
        for conn in list(self.staff):
            conn.offer(text)
        if not board:
            self.latest_overview = None
            return
        tz = (await current_schedule(self.ctx)).tz
        found = await overview(self.ctx, tz)
        frame: Frame = {
            "type": "staff.overview",
            "hosts": [p.as_dict() for p in people],
            "conversations": found.conversations,
            "flagged": found.flagged,
        }
        self.latest_overview = frame
        board_text = encode(frame)
        for conn in self.supervisors():
            conn.offer(board_text)

    def mark_staff_changed(self) -> None:
        self._staff_dirty.set()

    def _escalate(self, snapshot: QueueSnapshot, newcomer: Connection | None = None) -> None:
        """Visitors who have waited longer than the escalation time: every supervisor here is
        told once (and one who arrives, of those still waiting)."""
        supervisors = [newcomer] if newcomer is not None else self.supervisors()
        if not supervisors:
            return
        limit = self.ctx.clock.now() - timedelta(seconds=self.ctx.rules.escalate_after_s)
        still: set[str] = set()
        for entry in snapshot.entries:
            if entry.waiting_since > limit:
                continue
            still.add(entry.conversation_id)
            if newcomer is None and entry.conversation_id in self._escalated:
                continue
            text = encode(
                {
                    "type": "queue.escalated",
                    "conversation_id": entry.conversation_id,
                    "waiting_since": iso(entry.waiting_since),
                }
            )
            for conn in supervisors:
                conn.offer(text)
        if newcomer is None:
            self._escalated = still
        else:
            self._escalated |= still

    async def _queue_loop(self) -> None:
        """Recompute the queue once per burst of changes and tell everyone who cares."""
        while True:
            await self._queue_dirty.wait()
            self._queue_dirty.clear()
            started = time.monotonic()
            try:
                snapshot = await queue_snapshot(self.ctx)
            except Exception:
                log.exception("could not read the queue")
                await asyncio.sleep(1)
                self._queue_dirty.set()
                continue
            self.latest_queue = snapshot
            self._push_queue(snapshot)
            self._escalate(snapshot)
            # With a long queue a read costs more: never spend more than about a third of
            # the time reading it, however fast visitors arrive.
            await asyncio.sleep(max(QUEUE_COALESCE_S, 2 * (time.monotonic() - started)))

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
    """What a host sees of the queue: never anything that could identify a device. Only the
    first ``QUEUE_SHOWN`` waiting are listed (no host reads further down a list), with the
    total beside them, so a long queue does not cost every console a large frame."""
    return {
        "type": "queue.updated",
        "total": len(snapshot.entries),
        "queue": [
            {
                "conversation_id": e.conversation_id,
                "age_group": e.age_group,
                "about": e.about,
                "lang": e.lang,
                "waiting_since": iso(e.waiting_since),
                "returned": e.returned,
                "preview": e.preview,
            }
            for e in snapshot.entries[:QUEUE_SHOWN]
        ],
    }

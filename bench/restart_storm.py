"""Scenario (e): restart storm. N visitors are connected and waiting when the server restarts
(SIGTERM, then a new process on the same port and data); they all reconnect at once, with
jitter and the browser's backoff. How long until 99 % (50 %, 100 %) are back, and was any
message lost or stored twice? Against a bare ``websockets`` server restarted under the same
N clients with the same reconnect policy (the baseline, same run, same client).

    .venv/bin/python -m bench.restart_storm [--visitors 10000] [--jitter 2.0] [--json out.json]

A benchmark, not a test: it measures this machine. Everything runs on 127.0.0.1 in one asyncio
client process, every wait is bounded, and every process it starts is stopped on exit.

1. Setup: ``python -m lykt serve`` on a fresh data directory; N visitors start a chat
   (``POST /api/conversations``), say hello on ``/ws/visitor`` and wait in the queue,
   answering heartbeats. Each sends ``--messages`` messages and waits for their acks.
2. The storm: every visitor sends one more message and does not wait (it stays in the
   visitor's outbox until acked), and straight after those sends the server gets SIGTERM, so
   some of them are acked, some stored without the ack getting out, some never read. When
   the old process has exited a new one starts with the same settings, port and database.
3. Each visitor, when its socket closes (1012 from a graceful shutdown), reconnects like
   ``static/socket.js``: the first attempt after a uniform random delay in [0, ``--jitter``]
   s (the spread of real tabs), then after a refused or failed attempt the browser's backoff
   (ceiling 0.5 s doubling to 15 s, the delay between half and all of it); a handshake or
   welcome silent for 2.5 heartbeats (37.5 s) counts as failed; 4401 is fatal, as in the
   browser. It says hello with the highest contiguous seq it has and is **back** when the
   ``welcome`` arrives; then it sends again every message of its outbox that has no ack, with
   the same ``client_id`` (``--resend unacked``, the strict test of the server's
   de-duplication; ``--resend browser`` drops those the welcome replays first, as
   ``visitor.js`` does).

Times are from the moment the old server closed the sockets (the first close any client saw;
SIGTERM if none did). The server's own down time is reported apart (SIGTERM -> old process
gone -> new process accepting on the port) so start-up can be told from reconnecting; so is
the time from "accepting" to 99 % back.

Checks (Lykt), from the SQLite database after the server has stopped: every message a visitor
sent (acked before the restart, or in its outbox at the restart and resent) is stored exactly
once, with the seq its ack named, its conversation's seqs are 1..n without gaps, and nothing
unknown is stored; on the client, no client_id was ever seen with two seqs. The exit status
is 1 if a message was lost or doubled, a seq is missing, a message was never acked, or a
visitor never came back within ``--deadline``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import math
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.version import version as websockets_version

from bench.chat_load import (
    WS_OPTS,
    Children,
    free_port,
    log_problems,
    lykt_env,
    proc_cpu_s,
    wait_tcp,
    write_json,
)
from bench.idle_capacity import raise_file_limit

T = TypeVar("T")

# The browser's reconnect policy (src/lykt/static/socket.js) and the server's heartbeat.
HEARTBEAT_S = 15.0
DEAD_S = 2.5 * HEARTBEAT_S  # a link silent this long is dead
BACKOFF_BASE_S, BACKOFF_CAP_S, BACKOFF_MAX_ATTEMPT = 0.5, 15.0, 10
FATAL_CODES = frozenset({4401, 4403})
RATE_LIMITED_RETRY_S = 1.5  # visitor.js sends a rate_limited message again after this
SETUP_CONCURRENCY = 64
SETUP_TRIES = 3
STALL_S = 15.0  # waiting for acks gives up after this long without progress
PONG = '{"type":"pong"}'
TARGET_S, TARGET_SHARE = 10.0, 0.99
SHARES = (0.5, 0.9, 0.99, 1.0)

# A bare websockets server that speaks just enough of the visitor protocol: a welcome for a
# hello, an ack for a message.send. On SIGTERM it stops listening and closes every socket
# with 1012, as Lykt (uvicorn) does. Its backlog is uvicorn's, so both queue SYNs alike.
BASELINE_SERVER = """
import asyncio, json, signal, sys
from websockets.asyncio.server import serve

async def visitor(ws):
    seq = 0
    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "hello":
                seq = int(frame.get("last_seq") or 0)
                welcome = {"type": "welcome", "state": "waiting", "last_seq": seq, "messages": []}
                await ws.send(json.dumps(welcome))
            elif kind == "message.send":
                seq += 1
                ack = {"type": "message.ack", "client_id": frame["client_id"], "seq": seq}
                await ws.send(json.dumps(ack))
    except Exception:
        pass

async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    server = await serve(visitor, "127.0.0.1", int(sys.argv[1]), compression=None,
                         ping_interval=None, backlog=2048, close_timeout=2)
    await stop.wait()
    server.close(code=1012, reason="service restarting")
    await server.wait_closed()

asyncio.run(main())
"""


# -- the client ----------------------------------------------------------------------------
class Fatal(Exception):
    """The server closed with 4401/4403: the browser gives up (the conversation is gone)."""


def backoff_s(attempt: int, rng: random.Random) -> float:
    """socket.js: ceiling 0.5 s * 2**attempt up to 15 s; the delay between half and all."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0**attempt)
    return ceiling / 2 + rng.random() * ceiling / 2


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, websockets.ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else 1006
        return f"closed {code} before the welcome"
    if isinstance(exc, websockets.InvalidStatus):
        return f"handshake HTTP {exc.response.status_code}"
    if isinstance(exc, OSError):
        return f"{type(exc).__name__} errno {exc.errno}"
    return type(exc).__name__


@dataclass(eq=False)
class Visitor:
    index: int
    token: str
    conversation_id: str | None
    ws: ClientConnection | None = None
    contiguous: int = 0  # the highest seq such that 1..seq have all been seen (hello last_seq)
    seqs: dict[int, str] = field(default_factory=dict)  # seq -> client_id seen
    seen_with: dict[str, set[int]] = field(default_factory=dict)  # client_id -> seqs seen
    sent: dict[str, str] = field(default_factory=dict)  # every message ever sent
    outbox: dict[str, str] = field(default_factory=dict)  # sent, not yet acked
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> seq of its first ack
    inflight: str | None = None  # the message sent just before the SIGTERM
    inflight_acked_before_close: bool = False
    inflight_replayed: bool = False  # stored, but the ack did not get out before the close
    resent: int = 0
    restart_closed_at: float | None = None
    back_at: float | None = None
    attempts: int = 0  # connection attempts after the restart close
    gone: str | None = None  # never back: why
    anomalies: collections.Counter[str] = field(default_factory=collections.Counter)

    def stored(self, client_id: Any, seq: Any, via: str, resend: str) -> None:
        """The server named the seq of one of our messages (ack, message.posted, replay)."""
        if not isinstance(client_id, str) or not isinstance(seq, int):
            self.anomalies[f"{via} without client_id/seq"] += 1
            return
        if client_id not in self.sent:
            self.anomalies[f"{via} for a client_id never sent"] += 1
        self.seen_with.setdefault(client_id, set()).add(seq)
        other = self.seqs.get(seq)
        if other is not None and other != client_id:
            self.anomalies["one seq, two client_ids"] += 1
        self.seqs[seq] = client_id
        while self.contiguous + 1 in self.seqs:
            self.contiguous += 1
        if via == "ack":
            self.acked.setdefault(client_id, seq)
            if client_id == self.inflight and self.restart_closed_at is None:
                self.inflight_acked_before_close = True
        if via == "ack" or resend == "browser":
            self.outbox.pop(client_id, None)


@dataclass
class Storm:
    """The shared state of one run: policy, phase, and what the clients saw."""

    name: str
    url: str
    jitter: float
    resend: str
    rng: random.Random
    visitors: list[Visitor] = field(default_factory=list)
    armed: bool = False  # closes from now on are the restart's
    stopping: bool = False  # the benchmark is closing its own sockets
    sigterm_at: float = 0.0
    first_close_at: float | None = None
    deadline: float = math.inf
    back: int = 0
    gone: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    restart_closes: collections.Counter[str] = field(default_factory=collections.Counter)
    other_closes: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    frames: collections.Counter[str] = field(default_factory=collections.Counter)  # after armed
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def settle(self, back: bool) -> None:
        """One visitor is back, or will never be (fatal close, deadline)."""
        if back:
            self.back += 1
        else:
            self.gone += 1
        if self.back + self.gone >= len(self.visitors):
            self.done.set()

    def pending(self) -> int:
        """Messages without an ack, on the visitors that are connected (or back)."""
        return sum(
            len(v.outbox)
            for v in self.visitors
            if v.gone is None and (not self.armed or v.back_at is not None)
        )


def encode(frame: dict[str, Any]) -> str:
    return orjson.dumps(frame).decode()


async def send_quietly(ws: ClientConnection | None, text: str) -> None:
    if ws is not None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(text)


async def send_new(storm: Storm, v: Visitor, text: str) -> str:
    """A new message: into the outbox first, then out if the socket is open."""
    client_id = uuid.uuid4().hex
    v.sent[client_id] = v.outbox[client_id] = text
    await send_quietly(v.ws, encode({"type": "message.send", "client_id": client_id, "text": text}))
    return client_id


async def open_session(storm: Storm, v: Visitor, open_timeout: float) -> float:
    """Connect, hello, wait for the welcome, resend the outbox. Returns when the welcome came."""
    opts = {**WS_OPTS, "open_timeout": open_timeout}
    ws = await connect(storm.url, **opts)
    try:
        await ws.send(encode({"type": "hello", "token": v.token, "last_seq": v.contiguous}))
        # As the browser's socket.js: any frame from the server shows the link is alive and
        # pushes the dead-link timer back (a server that makes visitors wait their turn
        # sends pings meanwhile).
        async with asyncio.timeout(DEAD_S) as dead:
            while True:
                try:
                    frame = orjson.loads(await ws.recv())
                    dead.reschedule(asyncio.get_running_loop().time() + DEAD_S)
                except websockets.ConnectionClosed as exc:
                    if exc.rcvd is not None and exc.rcvd.code in FATAL_CODES:
                        raise Fatal(f"closed {exc.rcvd.code}") from exc
                    raise
                if frame.get("type") == "welcome":
                    break
                if frame.get("type") == "ping":
                    await ws.send(PONG)
                else:
                    v.anomalies["a frame before the welcome"] += 1
        welcomed_at = time.monotonic()
        if storm.armed:
            storm.frames["welcome"] += 1
        for m in frame.get("messages") or ():
            if m.get("sender") == "visitor":
                cid = m.get("client_id")
                if cid == v.inflight and cid not in v.acked:
                    v.inflight_replayed = True
                v.stored(cid, m.get("seq"), "replay", storm.resend)
        v.ws = ws
        # What was sent but never acked goes again, with the same client ids.
        for cid, text in list(v.outbox.items()):
            v.resent += 1
            await send_quietly(ws, encode({"type": "message.send", "client_id": cid, "text": text}))
        return welcomed_at
    except BaseException:
        v.ws = None
        ws.transport.abort()
        raise


async def resend_later(storm: Storm, v: Visitor, client_id: str) -> None:
    await asyncio.sleep(RATE_LIMITED_RETRY_S)
    text = v.outbox.get(client_id)
    if text is not None:
        frame = {"type": "message.send", "client_id": client_id, "text": text}
        await send_quietly(v.ws, encode(frame))


async def read_until_closed(storm: Storm, v: Visitor, ws: ClientConnection) -> int:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for raw in ws:
            frame = orjson.loads(raw)
            kind = frame.get("type")
            if storm.armed:
                storm.frames[str(kind)] += 1
            if kind == "ping":
                await ws.send(PONG)
            elif kind == "message.ack":
                v.stored(frame.get("client_id"), frame.get("seq"), "ack", storm.resend)
            elif kind == "message.posted":
                if frame.get("sender") == "visitor":
                    v.stored(frame.get("client_id"), frame.get("seq"), "posted", storm.resend)
                else:
                    v.anomalies["a host message (nobody hosts here)"] += 1
            elif kind == "error":
                code = frame.get("code")
                cid = frame.get("client_id")
                if code == "rate_limited" and cid in v.outbox:
                    storm.spawn(resend_later(storm, v, cid))
                v.anomalies[f"error {code}"] += 1
            elif kind == "conversation.ended":
                v.anomalies[f"conversation.ended {frame.get('reason')}"] += 1
    v.ws = None
    return ws.close_code if ws.close_code is not None else 1006


async def visitor_life(storm: Storm, v: Visitor, ws: ClientConnection) -> None:
    """Read; when the socket closes, reconnect as the browser does; forever (until cancelled)."""
    while True:
        code = await read_until_closed(storm, v, ws)
        now = time.monotonic()
        if storm.stopping:
            return
        restart = storm.armed and v.restart_closed_at is None
        if restart:
            v.restart_closed_at = now
            storm.restart_closes[str(code)] += 1
            if storm.first_close_at is None:
                storm.first_close_at = now
        else:
            storm.other_closes[str(code)] += 1
        if code in FATAL_CODES:
            v.gone = f"closed {code}"
            if v.back_at is None:
                storm.settle(back=False)
            return
        # The restart: first try after a uniform delay in [0, jitter] s; any other close:
        # the browser's own first delay. Then the browser's backoff.
        delay = storm.rng.uniform(0, storm.jitter) if restart else backoff_s(0, storm.rng)
        attempt = 1
        while True:
            await asyncio.sleep(delay)
            if time.monotonic() > storm.deadline:
                if v.back_at is None:
                    v.gone = "not back by the deadline"
                    storm.settle(back=False)
                return
            if storm.armed and v.back_at is None:
                v.attempts += 1
            try:
                welcomed_at = await open_session(storm, v, DEAD_S)
            except Fatal as exc:
                v.gone = str(exc)
                if v.back_at is None:
                    storm.settle(back=False)
                return
            except Exception as exc:
                if storm.armed:
                    storm.failures[failure_reason(exc)] += 1
                delay = backoff_s(attempt, storm.rng)
                attempt = min(attempt + 1, BACKOFF_MAX_ATTEMPT)
                continue
            if storm.armed and v.back_at is None:
                v.back_at = welcomed_at
                storm.settle(back=True)
            break
        assert v.ws is not None
        ws = v.ws


async def wait_until(what: Callable[[], int], cap_s: float) -> float:
    """Until what() is 0, or cap_s, or STALL_S without progress. Returns the seconds it took."""
    start = last_change = time.monotonic()
    last = what()
    while last and time.monotonic() - start < cap_s and time.monotonic() - last_change < STALL_S:
        await asyncio.sleep(0.1)
        now_left = what()
        if now_left != last:
            last, last_change = now_left, time.monotonic()
    return time.monotonic() - start


async def ticker(label: str, done: Callable[[], int], total: int) -> None:
    """A progress line every 10 s for the long phases (10,000 clients take a while)."""
    start = time.monotonic()
    while True:
        await asyncio.sleep(10)
        print(f"  … {label}: {done()}/{total} after {time.monotonic() - start:.0f} s", flush=True)


# -- the servers ---------------------------------------------------------------------------
async def in_thread(fn: Callable[[], T]) -> T:
    """fn in a thread of its own (it ends with fn, so none is left for the next spawn), with
    its own clock: a busy event loop does not delay what it measures."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[T] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if fut.done():
            return
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)

    def run() -> None:
        try:
            value = fn()
        except BaseException as exc:
            loop.call_soon_threadsafe(settle, False, exc)
        else:
            loop.call_soon_threadsafe(settle, True, value)

    threading.Thread(target=run, daemon=True).start()
    return await fut


@dataclass
class Server:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    children: Children
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        self.proc = self.children.spawn(self.args, self.env, self.log)
        return self.proc

    def stop(self) -> None:
        if self.proc is not None:
            self.children.stop(self.proc)

    async def restart(self) -> dict[str, Any]:
        """SIGTERM, wait for the exit, start a new process, wait until it accepts."""
        old = self.proc
        assert old is not None
        sigterm_at = time.monotonic()
        old.terminate()
        killed = False

        def exited() -> float:
            old.wait(timeout=30)
            return time.monotonic()

        try:
            exit_at = await in_thread(exited)
        except subprocess.TimeoutExpired:
            killed = True
            old.kill()
            exit_at = await in_thread(exited)
        self.children.stop(old)  # it has exited; forget it
        spawn_at = time.monotonic()
        new = self.start()

        def listening() -> float:
            wait_tcp(self.port, new, timeout=120)
            return time.monotonic()

        listen_at = await in_thread(listening)
        return {
            "sigterm_at": sigterm_at,
            "exit_at": exit_at,
            "listen_at": listen_at,
            "old_exit_code": old.returncode,
            "old_killed": killed,
            "sigterm_to_exit_s": exit_at - sigterm_at,
            "start_to_listening_s": listen_at - spawn_at,
            "down_s": listen_at - sigterm_at,
        }


# -- one run ---------------------------------------------------------------------------------
async def create_conversations(port: int, n: int) -> list[tuple[str, str]]:
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    out: list[tuple[str, str]] = []
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=60
    ) as http:

        async def one() -> None:
            async with limit:
                r = await http.post("/api/conversations", json={"age": 15, "about": "self"})
                r.raise_for_status()
                body = r.json()
                out.append((body["conversation_id"], body["token"]))

        await asyncio.gather(*(one() for _ in range(n)))
    return out


async def connect_all(storm: Storm, candidates: list[Visitor]) -> list[Visitor]:
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    ok: list[Visitor] = []
    failed: collections.Counter[str] = collections.Counter()

    async def one(v: Visitor) -> None:
        for attempt in range(SETUP_TRIES):
            async with limit:
                try:
                    await open_session(storm, v, float(WS_OPTS["open_timeout"]))
                except Exception as exc:
                    failed[failure_reason(exc)] += 1
                else:
                    assert v.ws is not None
                    ok.append(v)
                    storm.spawn(visitor_life(storm, v, v.ws))
                    return
            await asyncio.sleep(backoff_s(attempt, storm.rng))

    tick = asyncio.create_task(ticker("connected", lambda: len(ok), len(candidates)))
    try:
        await asyncio.gather(*(one(v) for v in candidates))
    finally:
        tick.cancel()
    if failed:
        print(f"  setup: failed attempts {dict(failed)}", flush=True)
    return sorted(ok, key=lambda v: v.index)


def share_times(times: list[float], n: int) -> dict[str, float | None]:
    """Seconds until each share of all n clients was back; None when it never was."""
    out: dict[str, float | None] = {}
    for share in SHARES:
        k = max(1, math.ceil(share * n - 1e-9))
        out[f"p{share * 100:g}"] = round(times[k - 1], 3) if k <= len(times) else None
    return out


async def storm_async(
    server: Server, storm: Storm, n: int, messages: int, deadline_s: float
) -> dict[str, Any]:
    res: dict[str, Any] = {"name": storm.name, "visitors_asked": n}
    t = time.monotonic()
    if server.name == "lykt":
        convs = await create_conversations(server.port, n)
        res["create_s"] = round(time.monotonic() - t, 2)
        print(f"  {n} conversations created in {res['create_s']} s", flush=True)
    else:
        convs = [(f"baseline-{i}", f"token-{i}") for i in range(n)]
    candidates = [Visitor(i, token, cid) for i, (cid, token) in enumerate(convs)]
    t = time.monotonic()
    storm.visitors = await connect_all(storm, candidates)
    res["connect_s"] = round(time.monotonic() - t, 2)
    res["visitors"] = len(storm.visitors)
    print(f"  {len(storm.visitors)} visitors waiting, hello'd in {res['connect_s']} s", flush=True)
    if not storm.visitors:
        raise RuntimeError("no visitor could connect")

    t = time.monotonic()
    for k in range(messages):
        for v in storm.visitors:
            await send_new(storm, v, f"hei, er det noen der? ({k + 1})")
    took = await wait_until(storm.pending, cap_s=max(120.0, n * messages / 50))
    res["before_restart"] = {
        "sent": len(storm.visitors) * messages,
        "unacked": storm.pending(),
        "s": round(took, 2),
    }
    print(
        f"  {len(storm.visitors) * messages} messages sent, "
        f"{storm.pending()} without an ack after {took:.1f} s",
        flush=True,
    )
    await asyncio.sleep(0.5)  # let the message.posted echoes arrive too

    # The storm: one more message from everyone, not waited for, then SIGTERM at once.
    storm.armed = True
    for v in storm.visitors:
        v.inflight = await send_new(storm, v, "er dere der fortsatt?")
    cpu0 = time.process_time()
    storm.sigterm_at = time.monotonic()
    storm.deadline = storm.sigterm_at + deadline_s
    down = await server.restart()
    assert server.proc is not None
    print(
        f"  restarted: SIGTERM -> old process gone {down['sigterm_to_exit_s']:.2f} s, new "
        f"process accepting {down['start_to_listening_s']:.2f} s later; "
        f"{storm.back} back so far",
        flush=True,
    )
    tick = asyncio.create_task(ticker("back", lambda: storm.back, len(storm.visitors)))
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(storm.done.wait(), max(0.0, storm.deadline - time.monotonic()))
    finally:
        tick.cancel()
    all_back_at = time.monotonic()
    client_cpu = time.process_time() - cpu0
    server_cpu, server_main = proc_cpu_s(server.proc.pid)
    drain = await wait_until(storm.pending, cap_s=60)
    await asyncio.sleep(0.5)  # the last message.posted echoes

    storm.stopping = True
    for v in storm.visitors:
        if v.ws is not None:
            storm.spawn(v.ws.close())
    await asyncio.sleep(0)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*storm.tasks, return_exceptions=True), 10)
    for task in list(storm.tasks):
        task.cancel()

    vs = storm.visitors
    n_ok = len(vs)
    ref = storm.first_close_at if storm.first_close_at is not None else storm.sigterm_at
    back = sorted(v.back_at - ref for v in vs if v.back_at is not None)
    since_listen = sorted(v.back_at - down["listen_at"] for v in vs if v.back_at is not None)
    gone: collections.Counter[str] = collections.Counter(
        v.gone or "still trying at the deadline" for v in vs if v.back_at is None
    )
    anomalies: collections.Counter[str] = collections.Counter()
    for v in vs:
        anomalies.update(v.anomalies)
    not_back = sum(1 for v in vs if v.back_at is None)
    res.update(
        {
            "back": len(back),
            "never_back": not_back,
            "never_back_why": dict(gone),
            "back_s_after_first_close": share_times(back, n_ok),
            "back_s_after_listening": share_times(since_listen, n_ok),
            "mean_back_s": round(sum(back) / len(back), 3) if back else None,
            "server": {
                "sigterm_to_first_close_s": round(ref - storm.sigterm_at, 3),
                "sigterm_to_exit_s": round(down["sigterm_to_exit_s"], 3),
                "start_to_listening_s": round(down["start_to_listening_s"], 3),
                "down_s": round(down["down_s"], 3),
                "old_exit_code": down["old_exit_code"],
                "old_killed": down["old_killed"],
                "new_server_cpu_s": round(server_cpu, 2),
                "new_server_main_thread_cpu_s": round(server_main, 2),
            },
            "client_cpu_s_until_all_back": round(client_cpu, 2),
            "storm_wall_s": round(all_back_at - storm.sigterm_at, 2),
            "restart_closes": dict(storm.restart_closes),
            "other_closes": dict(storm.other_closes),
            "attempts": sum(v.attempts for v in vs),
            "max_attempts": max((v.attempts for v in vs), default=0),
            "failed_attempts": dict(storm.failures.most_common(8)),
            "inflight": {
                "sent": sum(1 for v in vs if v.inflight),
                "acked_before_close": sum(v.inflight_acked_before_close for v in vs),
                "stored_unacked_seen_in_replay": sum(v.inflight_replayed for v in vs),
                "acked_in_the_end": sum(1 for v in vs if v.inflight and v.inflight in v.acked),
            },
            "resent": sum(v.resent for v in vs),
            "frames_after_restart": dict(storm.frames),
            "drain_s": round(drain, 2),
            "unacked_at_end": storm.pending(),
            "client_doubled": sum(1 for v in vs for seqs in v.seen_with.values() if len(seqs) > 1),
            "client_anomalies": dict(anomalies.most_common(10)),
        }
    )
    return res


def check_database(db: Path, visitors: list[Visitor]) -> dict[str, Any]:
    """Every message a visitor sent stored exactly once, with its acked seq; seqs 1..n."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT conversation_id, seq, client_id, sender FROM messages "
            "ORDER BY conversation_id, seq"
        ).fetchall()
    finally:
        con.close()
    by_conv: dict[str, list[tuple[int, str, str]]] = collections.defaultdict(list)
    for conv, seq, cid, sender in rows:
        by_conv[conv].append((seq, cid, sender))
    out: collections.Counter[str] = collections.Counter()
    for v in visitors:
        stored = by_conv.get(v.conversation_id or "", [])
        seqs = [s for s, _, _ in stored]
        if seqs != list(range(1, len(seqs) + 1)):
            out["conversations_with_seq_gaps"] += 1
        counts = collections.Counter(cid for _, cid, _ in stored)
        seq_of = {cid: s for s, cid, _ in stored}
        for cid in v.sent:
            if counts[cid] == 0:
                out["lost"] += 1
                if cid in v.acked:
                    out["lost_after_ack"] += 1
            elif counts[cid] > 1:
                out["doubled"] += 1
            if cid in v.acked and counts[cid] and v.acked[cid] != seq_of[cid]:
                out["ack_seq_differs_from_stored"] += 1
        out["unknown_stored"] += sum(1 for cid in counts if cid not in v.sent)
        out["host_messages"] += sum(1 for _, _, s in stored if s != "visitor")
        out["stored"] += len(stored)
        out["sent"] += len(v.sent)
    return {
        k: out[k]
        for k in (
            "sent",
            "stored",
            "lost",
            "lost_after_ack",
            "doubled",
            "ack_seq_differs_from_stored",
            "conversations_with_seq_gaps",
            "unknown_stored",
            "host_messages",
        )
    }


def run_system(name: str, args: argparse.Namespace, children: Children, workdir: Path) -> Any:
    port = free_port()
    log = workdir / f"{name}.log"
    if name == "lykt":
        env = lykt_env(workdir / "data", 3)
        cmd = [sys.executable, "-m", "lykt", "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LYKT_")}
        cmd = [sys.executable, "-c", BASELINE_SERVER, str(port)]
    server = Server(name, cmd, env, log, children, port)
    wait_tcp(port, server.start(), timeout=60)
    storm = Storm(
        name=name,
        url=f"ws://127.0.0.1:{port}/ws/visitor",
        jitter=args.jitter,
        resend=args.resend,
        rng=random.Random(args.seed),
    )
    res = asyncio.run(storm_async(server, storm, args.visitors, args.messages, args.deadline))
    server.stop()  # the final, ordinary SIGTERM: every socket is closed by now
    if name == "lykt":
        res["database"] = check_database(workdir / "data" / "lykt.db", storm.visitors)
        # Without staff (nobody hosts here) every start warns about it: not a problem.
        lines = log.read_text(errors="replace").splitlines()
        res["server_log"] = log_problems(
            "\n".join(ln for ln in lines if "No staff accounts yet" not in ln)
        )
    res["lost"] = res["database"]["lost"] if "database" in res else None
    res["doubled"] = res["client_doubled"] + (
        res["database"]["doubled"] if "database" in res else 0
    )
    return res


# -- report ---------------------------------------------------------------------------------
def fmt_s(v: float | None, unit: str = "s") -> str:
    return "never" if v is None else f"{v:.2f}{unit}"


def print_result(res: dict[str, Any]) -> None:
    b, s, inf = res["back_s_after_first_close"], res["server"], res["inflight"]
    print(
        f"{res['name']:9} back={res['back']}/{res['visitors']}  "
        + "  ".join(f"{k}={fmt_s(v)}" for k, v in b.items())
        + f"  (from the first close; after the new server accepted: "
        f"p99={fmt_s(res['back_s_after_listening']['p99'])})",
        flush=True,
    )
    print(
        f"{'':9} server down {s['down_s']:.2f}s (SIGTERM->first close "
        f"{s['sigterm_to_first_close_s']:.2f}s, ->exit {s['sigterm_to_exit_s']:.2f}s, start->"
        f"accepting {s['start_to_listening_s']:.2f}s; new server CPU {s['new_server_cpu_s']}s, "
        f"client CPU {res['client_cpu_s_until_all_back']}s)  closes={res['restart_closes']}  "
        f"attempts={res['attempts']} (max {res['max_attempts']})  "
        f"failed={res['failed_attempts']}",
        flush=True,
    )
    db = res.get("database")
    print(
        f"{'':9} in flight {inf['sent']}: acked before the close {inf['acked_before_close']}, "
        f"stored-not-acked {inf['stored_unacked_seen_in_replay']}, acked in the end "
        f"{inf['acked_in_the_end']}; resent {res['resent']}; unacked at end "
        f"{res['unacked_at_end']}; lost={res['lost'] if res['lost'] is not None else '-'} "
        f"doubled={res['doubled']}"
        + (
            f"  db: stored {db['stored']} of {db['sent']} sent, lost after ack "
            f"{db['lost_after_ack']}, seq gaps {db['conversations_with_seq_gaps']}, ack/stored "
            f"seq differ {db['ack_seq_differs_from_stored']}, unknown {db['unknown_stored']}"
            if db
            else ""
        ),
        flush=True,
    )
    print(f"{'':9} frames received after the restart: {res['frames_after_restart']}", flush=True)
    if res["never_back"]:
        print(f"{'':9} never back: {res['never_back_why']}", flush=True)
    if res["other_closes"] or res["client_anomalies"]:
        print(
            f"{'':9} other closes {res['other_closes']}, client saw {res['client_anomalies']}",
            flush=True,
        )
    log = res.get("server_log")
    if log and log["problem_lines"]:
        print(
            f"{'':9} server log: {log['problem_lines']} warning/error lines, exceptions "
            f"{log['exceptions']}; first: {log['first'][:3]}",
            flush=True,
        )


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.restart_storm", description=(__doc__ or "").split("\n\n", 1)[0]
    )
    p.add_argument("--visitors", type=int, default=10_000, help="connected clients")
    p.add_argument(
        "--jitter",
        type=float,
        default=2.0,
        help="the first reconnect attempt comes after a uniform delay in [0, JITTER] s",
    )
    p.add_argument("--messages", type=int, default=2, help="acked messages per visitor before")
    p.add_argument(
        "--deadline",
        type=float,
        default=180.0,
        help="seconds after the SIGTERM by which every client must be back",
    )
    p.add_argument(
        "--resend",
        choices=("unacked", "browser"),
        default="unacked",
        help="after the welcome, resend every unacked message (default), or only those the "
        "welcome did not replay (as visitor.js)",
    )
    p.add_argument(
        "--baseline",
        choices=("first", "skip", "only"),
        default="first",
        help="run the websockets baseline first (default), not, or only",
    )
    p.add_argument("--seed", type=int, default=None, help="seed for the jitter")
    p.add_argument("--keep-data", action="store_true", help="keep the data dir and logs")
    p.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    args = p.parse_args(argv)
    if not 1 <= args.visitors <= 50_000:
        p.error("--visitors must be 1..50000")
    if not 0 <= args.jitter <= 60 or not 0 <= args.messages <= 18:
        p.error("--jitter must be 0..60 s and --messages 0..18 (the socket's burst is 20)")
    if not 1 <= args.deadline <= 1800:
        p.error("--deadline must be 1..1800 s")
    return args


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limit = raise_file_limit()
    if limit < args.visitors + 200:  # the client holds one socket per visitor
        print(f"the open-file limit ({limit}) is too low for {args.visitors} visitors")
        return 2
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(
        f"restart storm: {args.visitors} visitors, {args.messages} messages each before, one "
        f"in flight at the SIGTERM; first reconnect within {args.jitter:g} s, then the "
        f"browser's backoff; resend {args.resend}. {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, websockets {websockets_version}",
        flush=True,
    )
    children = Children()
    workdir = Path(tempfile.mkdtemp(prefix="lykt-storm-"))
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    try:
        names = {"first": ["baseline", "lykt"], "skip": ["lykt"], "only": ["baseline"]}
        for name in names[args.baseline]:
            print(f"\n{name}: …", flush=True)
            results[name] = run_system(name, args, children, workdir)
        print()
        for name in ("baseline", "lykt"):
            if name in results:
                print_result(results[name])
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        if args.keep_data:
            print(f"data and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    lykt, base = results.get("lykt"), results.get("baseline")
    bad = False
    if lykt is not None:
        p99 = lykt["back_s_after_first_close"]["p99"]
        base_p99 = base["back_s_after_first_close"]["p99"] if base else None
        print(
            f"\nrestart storm: {lykt['visitors']} clients, 99 % back in {fmt_s(p99, ' s')} "
            f"(baseline {fmt_s(base_p99, ' s') if base else '-'}), lost {lykt['lost']}, "
            f"doubled {lykt['doubled']}; target 99 % within {TARGET_S:g} s, none lost, "
            "none doubled"
        )
        db = lykt["database"]
        bad = bool(
            lykt["lost"]
            or lykt["doubled"]
            or lykt["never_back"]
            or lykt["unacked_at_end"]
            or db["conversations_with_seq_gaps"]
            or db["ack_seq_differs_from_stored"]
        )
    if args.json is not None:
        write_json(args.json, results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""Open-loop load benchmark: N concurrent 1:1 conversations against a real ``lykt serve``.

    .venv/bin/python -m bench.chat_load [--conversations 100] [--rate-per-conv 2]
        [--duration 20] [--warmup 3] [--json out.json] [--baseline first|only|skip]

What it does, all on 127.0.0.1 and bounded in time:

1. Baseline: a bare ``websockets`` echo server in a subprocess, driven by the same client code
   with the same sockets, frames, sizes and rates; latency = intended send -> echo received.
2. Lykt: a fresh temporary data directory, hosts added with ``python -m lykt staff add``,
   ``python -m lykt serve`` on a free port, hosts logged in (cookie ``lykt_staff``), staff
   sockets opened, N visitors created, each conversation claimed by id. Then every visitor
   and every host sends on a fixed schedule (open loop). Latency is measured from the
   *intended* send time (no coordinated omission) to (a) the sender's ``message.ack`` and
   (b) the ``message.posted`` with that ``client_id`` on the OTHER side's socket.

Every message is checked to be acked exactly once and delivered exactly once. CPU time of
this client and of the server process (``/proc/<pid>/stat``) is reported for the measured
window so one can see who was busy.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import ctypes
import gc
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyotp
import websockets
from hdrh.histogram import HdrHistogram
from websockets.asyncio.client import ClientConnection, connect

# From src/lykt/web/socket.py: per-socket token buckets for message.send.
VISITOR_MSG_RATE, VISITOR_MSG_BURST = 2.0, 20
STAFF_MSG_RATE, STAFF_MSG_BURST = 5.0, 30
MAX_CHATS_SETTING = 20  # LYKT_MAX_CHATS_PER_HOST is validated to 1..20

HIST_LOW_US, HIST_HIGH_US, HIST_DIGITS = 1, 300_000_000, 3
PERCENTILES = (50.0, 90.0, 99.0, 99.9)
PONG = '{"type":"pong"}'
STALL_S = 10.0  # the drain gives up after this long without a single new answer
CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent
WS_OPTS: dict[str, Any] = {
    "compression": None,  # the server has permessage-deflate off; keep the baseline equal
    "proxy": None,  # never route 127.0.0.1 through an environment proxy
    "max_size": 16 * 1024 * 1024,
    "open_timeout": 15,
    "close_timeout": 3,
    # Browsers never send protocol pings, and an overloaded server reads each socket only as
    # fast as it handles its frames, so a client ping can wait behind seconds of backlog and
    # the client would kill its own connection (1011). The server's pings are still answered.
    "ping_interval": None,
}


# -- processes ------------------------------------------------------------------------------
def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM us when the benchmark process dies (Linux)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Children:
    """Every long-lived subprocess we start, stopped on exit whatever happens."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(
        self, args: list[str], env: dict[str, str], log_path: Path
    ) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
                preexec_fn=_die_with_parent,  # no threads run when we spawn
            )
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.procs)):
            with contextlib.suppress(Exception):
                self.stop(proc, timeout=10)


def machine_busy_s() -> float:
    """CPU seconds every CPU of the machine spent not idle (from /proc/stat), summed."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def all_process_cpu() -> dict[int, tuple[str, float]]:
    """pid -> (name, CPU seconds) of every process now alive, kernel threads included."""
    out: dict[int, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            data = stat.read_text()
            name = data[data.index("(") + 1 : data.rindex(")")]
            fields = data[data.rindex(")") + 2 :].split()
            out[int(stat.parent.name)] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def top_others(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], skip: set[int]
) -> list[tuple[str, float]]:
    """The other processes that used the most CPU between two snapshots, by name."""
    used: collections.Counter[str] = collections.Counter()
    for pid, (name, cpu) in after.items():
        if pid in skip:
            continue
        prev = before.get(pid)
        delta = cpu - prev[1] if prev is not None and prev[0] == name else cpu
        if delta > 0:
            used[name] += delta
    return [(name, round(cpu, 2)) for name, cpu in used.most_common(4) if cpu >= 0.2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat_cpu_s(path: str) -> float:
    """utime + stime from a /proc stat file, in seconds."""
    data = Path(path).read_text()
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds of a whole process (every thread, live or ended) and of its main thread
    alone (the event loop; the rest is e.g. aiosqlite's worker threads)."""
    return _stat_cpu_s(f"/proc/{pid}/stat"), _stat_cpu_s(f"/proc/{pid}/task/{pid}/stat")


def wait_tcp(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the process exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


# -- the plan -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    conversations: int
    rate: float  # messages per second, per conversation, in EACH direction
    convs_per_host: int
    duration: float
    warmup: float
    message_chars: int
    drain_timeout: float

    @property
    def hosts(self) -> int:
        return math.ceil(self.conversations / self.convs_per_host)

    @property
    def offered_per_s(self) -> float:
        return 2 * self.conversations * self.rate

    def host_of(self, conv: int) -> int:
        return conv // self.convs_per_host


def default_convs_per_host(rate: float) -> int:
    """As many chats per host as the server's per-socket staff limit (5 msg/s) sustains."""
    return max(1, min(MAX_CHATS_SETTING, math.floor(STAFF_MSG_RATE / rate + 1e-9)))


def message_text(chars: int) -> str:
    words = "hei jeg lurer på noe som har skjedd på skolen i dag og vet ikke hva jeg skal gjøre "
    text = (words * (chars // len(words) + 1))[:chars]
    return text.encode("ascii", "replace").decode()  # one byte a character: size == chars


# -- measurement ----------------------------------------------------------------------------
def new_hist() -> HdrHistogram:
    return HdrHistogram(HIST_LOW_US, HIST_HIGH_US, HIST_DIGITS)


def record(hist: HdrHistogram, seconds: float) -> None:
    hist.record_value(min(HIST_HIGH_US, max(HIST_LOW_US, round(seconds * 1e6))))


@dataclass(slots=True)
class Msg:
    intended: float
    direction: str  # "v2h" (visitor -> host) or "h2v"
    ack_sock: int  # the sender's socket: where the ack (or the echo) must arrive
    deliver_sock: int  # the other side's socket
    measured: bool  # intended inside the measured window
    acks: int = 0
    deliveries: int = 0
    self_copies: int = 0
    refused: str | None = None
    acked_at: float = 0.0
    delivered_at: float = 0.0
    self_copy_at: float = 0.0


SIDE_NAME = {"v2h": "visitor", "h2v": "host"}
DELIVERY_NAME = {"v2h": "deliver visitor->host", "h2v": "deliver host->visitor"}


@dataclass
class Run:
    """Everything one run (baseline or Lykt) sends, receives and measures."""

    name: str
    plan: Plan
    echo: bool  # baseline: the echo is both "ack" and "delivery"
    t0: float = 0.0
    window_start: float = 0.0
    window_end: float = 0.0
    closing: bool = False
    frozen: bool = False  # the run is over: frames that still arrive are not counted
    sent: dict[str, Msg] = field(default_factory=dict)
    hists: dict[str, HdrHistogram] = field(default_factory=dict)
    anomalies: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    closes: collections.Counter[str] = field(default_factory=collections.Counter)
    sock_closed: set[int] = field(default_factory=set)  # closed during the run (no resume)
    send_failures: int = 0
    acks_in_window: int = 0
    deliveries_in_window: int = 0
    frames_in_window: int = 0
    frames_received: int = 0
    last_seq: dict[tuple[int, int], int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    drain_s: float = 0.0

    def start(self, t0: float) -> None:
        self.t0 = t0
        self.window_start = t0 + self.plan.warmup
        self.window_end = self.window_start + self.plan.duration

    def hist(self, name: str) -> HdrHistogram:
        h = self.hists.get(name)
        if h is None:
            h = self.hists[name] = new_hist()
        return h

    def in_window(self, now: float) -> bool:
        return self.window_start <= now < self.window_end

    def on_frame(self, now: float) -> None:
        self.frames_received += 1
        if self.window_start <= now < self.window_end:
            self.frames_in_window += 1

    def on_ack(self, client_id: str, sock: int, now: float) -> None:
        m = self.sent.get(client_id)
        if m is None:
            self.anomalies["ack for an unknown client_id"] += 1
            return
        if sock != m.ack_sock:
            self.anomalies["ack on the wrong socket"] += 1
            return
        m.acks += 1
        if m.acks > 1:
            return
        m.acked_at = now
        if self.in_window(now):
            self.acks_in_window += 1
        if m.measured:
            latency = now - m.intended
            record(self.hist(f"ack {SIDE_NAME[m.direction]}"), latency)
            record(self.hist("ack (all)"), latency)

    def on_posted(self, client_id: str, sock: int, now: float) -> None:
        m = self.sent.get(client_id)
        if m is None:
            self.anomalies["message.posted for an unknown client_id"] += 1
            return
        if sock == m.deliver_sock:
            m.deliveries += 1
            if m.deliveries > 1:
                return
            m.delivered_at = now
            if self.in_window(now):
                self.deliveries_in_window += 1
            if m.measured:
                latency = now - m.intended
                record(self.hist(DELIVERY_NAME[m.direction]), latency)
                record(self.hist("deliver (all)"), latency)
        elif sock == m.ack_sock:
            m.self_copies += 1  # the sender sees its own message.posted too
            m.self_copy_at = now
        else:
            self.anomalies["message.posted on an unrelated socket"] += 1

    def on_echo(self, client_id: str, sock: int, now: float) -> None:
        m = self.sent.get(client_id)
        if m is None or sock != m.ack_sock:
            self.anomalies["echo of an unknown frame"] += 1
            return
        m.acks += 1
        m.deliveries += 1
        if m.deliveries > 1:
            return
        if self.in_window(now):
            self.acks_in_window += 1
            self.deliveries_in_window += 1
        if m.measured:
            latency = now - m.intended
            record(self.hist(f"echo {SIDE_NAME[m.direction]}-socket"), latency)
            record(self.hist("echo (all)"), latency)

    def on_refused(self, client_id: str | None, code: str) -> None:
        m = self.sent.get(client_id or "")
        if m is None:
            self.anomalies[f"error frame {code} without a known client_id"] += 1
            return
        if m.refused is not None:
            self.anomalies["refused twice"] += 1
        m.refused = code
        self.refused[code] += 1

    def check_seq(self, conv: int, sock: int, seq: Any) -> None:
        """Each socket sees a conversation's messages as 1, 2, 3, … without gaps."""
        key = (conv, sock)
        last = self.last_seq.get(key, 0)
        if not isinstance(seq, int):
            self.anomalies["message.posted without an int seq"] += 1
        elif seq == last + 1:
            self.last_seq[key] = seq
        elif seq <= last:
            self.anomalies["seq repeated or out of order"] += 1
        else:
            self.anomalies["seq gap"] += 1
            self.last_seq[key] = seq

    def outstanding(self) -> int:
        if self.echo:
            return sum(1 for m in self.sent.values() if m.deliveries == 0)
        return sum(
            1
            for m in self.sent.values()
            if m.refused is None and (m.acks == 0 or m.deliveries == 0)
        )

    def record_send_lag(self, intended: float, now: float, measured: bool) -> None:
        if measured:
            record(self.hist("client send lag"), now - intended)


# -- the open-loop sender ---------------------------------------------------------------------
@dataclass(frozen=True)
class Stream:
    """One direction of one conversation: a fixed schedule of message.send frames."""

    ws: ClientConnection
    direction: str
    conv: int
    conv_id: str  # sent in host frames (and in the baseline's, for the same size)
    ack_sock: int
    deliver_sock: int


async def send_stream(run: Run, stream: Stream, phase: float, text: str) -> None:
    """Send on a fixed schedule until ``run.window_end``, read before every send (a scenario
    may move it while the load runs: ``purge_load`` does, once the purge has exited)."""
    plan = run.plan
    period = 1.0 / plan.rate
    prefix = "v" if stream.direction == "v2h" else "h"
    host = stream.direction == "h2v"
    k = 0
    while True:
        intended = run.t0 + phase + k * period
        if intended >= run.window_end:
            return
        delay = intended - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
            if intended >= run.window_end:
                return
        client_id = f"{prefix}{stream.conv}.{k}"
        frame: dict[str, Any] = {"type": "message.send", "client_id": client_id, "text": text}
        if host:
            frame["conversation_id"] = stream.conv_id
        measured = intended >= run.window_start
        run.sent[client_id] = Msg(
            intended, stream.direction, stream.ack_sock, stream.deliver_sock, measured
        )
        run.record_send_lag(intended, time.monotonic(), measured)
        try:
            await stream.ws.send(orjson.dumps(frame).decode())
        except websockets.ConnectionClosed:
            del run.sent[client_id]
            run.send_failures += 1
            return
        k += 1


class CpuSampler:
    """CPU seconds of this process and of the server at the window's start and end. With
    ``more_pids`` (further server processes) the server figures are the sum over all of them
    (and "main thread" the sum of their main threads); py-spy samples the first one only."""

    def __init__(
        self,
        run: Run,
        server_pid: int,
        profile: Path | None,
        more_pids: Sequence[int] = (),
    ) -> None:
        self.run = run
        self.pid = server_pid
        self.pids = (server_pid, *more_pids)
        self.profile = profile
        self.spy: subprocess.Popen[bytes] | None = None

    def snap(self) -> tuple[float, float, float, float, float]:
        cpu = [proc_cpu_s(pid) for pid in self.pids]
        return (
            time.monotonic(),
            time.process_time(),
            sum(c[0] for c in cpu),
            sum(c[1] for c in cpu),
            machine_busy_s(),
        )

    async def sample(self) -> None:
        run = self.run
        # The slow parts (a scan of /proc, starting py-spy) happen in the unmeasured warmup or
        # off the loop, so they cannot delay a measured message.
        early = run.window_start - min(0.5, run.plan.warmup / 2)
        await asyncio.sleep(max(0.0, early - time.monotonic()))
        procs_before = all_process_cpu()
        if self.profile is not None:
            self.spy = start_py_spy(self.pid, self.profile, run.plan.duration)
        await asyncio.sleep(max(0.0, run.window_start - time.monotonic()))
        start = self.snap()
        await asyncio.sleep(max(0.0, run.window_end - time.monotonic()))
        end = self.snap()
        procs_after = await asyncio.to_thread(all_process_cpu)
        wall = end[0] - start[0]
        run.cpu = {
            "wall_s": wall,
            "client_cpu_s": end[1] - start[1],
            "server_cpu_s": end[2] - start[2],
            "server_main_thread_cpu_s": end[3] - start[3],
            "client_pct_of_core": 100 * (end[1] - start[1]) / wall,
            "server_pct_of_core": 100 * (end[2] - start[2]) / wall,
            "server_main_thread_pct_of_core": 100 * (end[3] - start[3]) / wall,
            "machine_busy_cpu_s": end[4] - start[4],
            # whatever else ran on the machine meanwhile (other processes, the kernel's
            # share not charged to us): noise to know about
            "other_cpu_s": (end[4] - start[4]) - (end[1] - start[1]) - (end[2] - start[2]),
            "other_top": top_others(procs_before, procs_after, {os.getpid(), *self.pids}),
        }

    async def finish_profile(self) -> None:
        if self.spy is None:
            return
        deadline = time.monotonic() + 30
        while self.spy.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if self.spy.poll() is None:
            self.spy.kill()
        self.spy.wait()
        self.spy = None


def start_py_spy(pid: int, out: Path, duration: float) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        print("  (py-spy not found: no profile)", flush=True)
        return None
    fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(out.suffix, "raw")
    with Path(f"{out}.log").open("ab") as log:
        return subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(math.ceil(duration)),
                "--rate",
                "200",
                "--format",
                fmt,
                "--output",
                str(out),
                "--nonblocking",
                "--threads",
                "--gil",  # only samples holding the GIL: where the Python CPU time goes
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


async def drain(run: Run) -> None:
    """Wait for every answer after the last send: until none is missing, nothing has come
    for ``STALL_S``, or the plan's drain timeout; then a moment more, for late duplicates."""
    drain_start = progress_at = time.monotonic()
    deadline = drain_start + run.plan.drain_timeout
    left = run.outstanding()
    while left and time.monotonic() < deadline and time.monotonic() - progress_at < STALL_S:
        await asyncio.sleep(0.1)
        now_left = run.outstanding()
        if now_left < left:
            progress_at = time.monotonic()
        left = now_left
    run.drain_s = time.monotonic() - drain_start
    await asyncio.sleep(0.5)  # late duplicates would show up here


async def run_load(
    run: Run,
    streams: list[Stream],
    server_pid: int,
    profile: Path | None = None,
    *,
    more_pids: Sequence[int] = (),
) -> None:
    """The measured part: schedule every stream, wait for the answers, count."""
    plan = run.plan
    text = message_text(plan.message_chars)
    # No collector pauses in the load generator while it measures (setup garbage is frozen).
    gc.collect()
    gc.freeze()
    gc.disable()
    run.start(time.monotonic() + 0.5)
    sampler = CpuSampler(run, server_pid, profile, more_pids)
    sampling = asyncio.create_task(sampler.sample())
    period = 1.0 / plan.rate
    senders = [
        asyncio.create_task(send_stream(run, s, period * i / len(streams), text))
        for i, s in enumerate(streams)
    ]
    try:
        await asyncio.gather(*senders)
        await sampling
        # Wait for every answer: until none is missing, nothing has come for STALL_S, or the
        # drain timeout. An overloaded server is still working through its backlog here.
        await drain(run)
        run.frozen = True  # what comes after this (while closing) is not counted
        await sampler.finish_profile()
    finally:
        run.frozen = True
        gc.enable()
        gc.unfreeze()
        for task in (*senders, sampling):
            task.cancel()
        if sampler.spy is not None:
            sampler.spy.kill()
            sampler.spy.wait()


def interleave(visitors: list[Stream], hosts: list[Stream]) -> list[Stream]:
    out: list[Stream] = []
    for v, h in zip(visitors, hosts, strict=True):
        out += [v, h]
    return out


async def close_all(
    run: Run, sockets: Iterable[ClientConnection], tasks: list[asyncio.Task[None]]
) -> None:
    run.closing = True
    socks = list(sockets)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            asyncio.gather(*(ws.close() for ws in socks), return_exceptions=True), 20
        )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def note_close(run: Run, kind: str, ws: ClientConnection, sock: int) -> None:
    if not run.closing:
        run.closes[f"{kind} socket closed during the run: {ws.close_code} {ws.close_reason}"] += 1
        run.sock_closed.add(sock)


# -- baseline: a bare websockets echo server ----------------------------------------------------
async def echo_server(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def handler(ws: ServerConnection) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                await ws.send(message)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
    ):
        await stop


async def echo_receiver(run: Run, ws: ClientConnection, sock: int) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for raw in ws:
            now = time.monotonic()
            if run.frozen:
                continue
            run.on_frame(now)
            frame = orjson.loads(raw)
            run.on_echo(frame["client_id"], sock, now)
    note_close(run, "echo", ws, sock)


async def baseline_async(plan: Plan, port: int, server_pid: int) -> Run:
    run = Run("baseline (websockets echo)", plan, echo=True)
    url = f"ws://127.0.0.1:{port}/"
    sem = asyncio.Semaphore(32)

    async def opened() -> ClientConnection:
        async with sem:
            return await connect(url, **WS_OPTS)

    n, h = plan.conversations, plan.hosts
    async with asyncio.timeout(60 + 0.1 * (n + h)):
        socks = await asyncio.gather(*(opened() for _ in range(n + h)))
    tasks = [asyncio.create_task(echo_receiver(run, ws, i)) for i, ws in enumerate(socks)]
    try:
        visitors = [Stream(socks[c], "v2h", c, f"{c:032x}", c, c) for c in range(n)]
        hosts = [
            Stream(
                socks[n + plan.host_of(c)],
                "h2v",
                c,
                f"{c:032x}",
                n + plan.host_of(c),
                n + plan.host_of(c),
            )
            for c in range(n)
        ]
        await run_load(run, interleave(visitors, hosts), server_pid)
    finally:
        await close_all(run, socks, tasks)
    return run


def run_baseline(plan: Plan, children: Children, workdir: Path) -> Run:
    port = free_port()
    proc = children.spawn(
        [sys.executable, str(Path(__file__).resolve()), "--echo-server", str(port)],
        dict(os.environ),
        workdir / "echo-server.log",
    )
    try:
        wait_tcp(port, proc)
        return asyncio.run(baseline_async(plan, port, proc.pid))
    finally:
        children.stop(proc)


# -- Lykt -------------------------------------------------------------------------------------
@dataclass
class Host:
    email: str
    name: str
    password: str
    secret: str = ""  # the second factor (TOTP), as the host's authenticator app holds it
    cookie: str = ""
    ws: ClientConnection | None = None
    claims: dict[str, asyncio.Future[None]] = field(default_factory=dict)


def add_hosts_with_cli(env: dict[str, str], hosts: list[Host], jobs: int) -> None:
    def add(host: Host) -> None:
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "lykt",
                "staff",
                "add",
                "--email",
                host.email,
                "--name",
                host.name,
                "--role",
                "host",
                "--password-stdin",
            ],
            env=env,
            cwd=ROOT,
            input=host.password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        uri = next(line for line in added.stdout.splitlines() if line.startswith("otpauth://"))
        host.secret = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["secret"][0]

    add(hosts[0])  # creates and migrates the database alone
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        for future in concurrent.futures.as_completed([pool.submit(add, h) for h in hosts[1:]]):
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C: start no more of them


def add_hosts_fast(env: dict[str, str], hosts: list[Host]) -> None:
    """Every host in ONE process, through Lykt's own ``add_staff`` action (what ``lykt staff
    add`` runs, after the same migration), but with cheap argon2 parameters. Each ``staff
    add`` process costs about 2 s of CPU on a slow machine (start, imports, a 0.2 s hash) and
    each login another 0.2 s hash in the server, so hundreds of hosts would take minutes of
    setup. An argon2 hash records its parameters, so the server's login check of these
    passwords is cheap too. Password hashing is never part of what is measured."""
    request = orjson.dumps(
        {"hosts": [{"email": h.email, "name": h.name, "password": h.password} for h in hosts]}
    )
    done = subprocess.run(
        [sys.executable, "-c", "import bench.chat_load as m; m.add_hosts_child()"],
        env=env,
        cwd=ROOT,
        input=request,
        capture_output=True,
        timeout=120 + 0.5 * len(hosts),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"adding hosts failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}"
        )
    secrets_by_email = orjson.loads(done.stdout.splitlines()[-1])
    for host in hosts:
        host.secret = secrets_by_email[host.email]


def add_hosts_child() -> None:
    """The process :func:`add_hosts_fast` starts: the hosts as JSON on stdin, the settings
    from the environment (``LYKT_*``), as for ``lykt staff add``."""
    import argon2

    import lykt.actions.passwords as passwords
    import lykt.actions.staff as staff_actions
    from lykt.app import build_context, close_databases, open_databases
    from lykt.bus import InMemoryBus
    from lykt.settings import Settings

    request = orjson.loads(sys.stdin.buffer.read())
    if hasattr(passwords, "hasher"):
        passwords.hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    else:
        print("note: full-cost password hashes (lykt's hasher moved)", file=sys.stderr)
    added: dict[str, str] = {}

    async def add_all() -> None:
        ctx = build_context(Settings(), bus=InMemoryBus())
        try:
            await open_databases(ctx)
            for host in request["hosts"]:
                staff = await staff_actions.add_staff(
                    ctx, host["email"], host["name"], "host", host["password"]
                )
                assert staff.totp_secret is not None
                added[staff.email] = staff.totp_secret
        finally:
            await close_databases(ctx)

    asyncio.run(add_all())
    print(orjson.dumps(added).decode())  # the hosts' second factors, for their logins


class LyktClient:
    """Visitors use ``base_url``/``ws_url`` (``POST /api/conversations``, ``/ws/visitor``);
    hosts use ``host_base_url``/``host_ws_url`` (login, ``/ws/staff``), by default the same
    server, or another process of the same service (the events then cross Redis)."""

    def __init__(
        self,
        run: Run,
        base_url: str,
        ws_url: str,
        hosts: list[Host],
        *,
        host_base_url: str | None = None,
        host_ws_url: str | None = None,
    ) -> None:
        self.run = run
        self.plan = run.plan
        self.base_url = base_url
        self.ws_url = ws_url
        self.host_base_url = host_base_url or base_url
        self.host_ws_url = host_ws_url or ws_url
        self.hosts = hosts
        self.conv_ids: list[str] = [""] * self.plan.conversations
        self.conv_index: dict[str, int] = {}
        self.visitors: list[ClientConnection | None] = [None] * self.plan.conversations
        self.joined: list[asyncio.Future[None] | None] = [None] * self.plan.conversations
        self.tasks: list[asyncio.Task[None]] = []

    def host_sock(self, host_index: int) -> int:
        return self.plan.conversations + host_index

    # receivers
    async def staff_receiver(self, host_index: int) -> None:
        run, host = self.run, self.hosts[host_index]
        ws = host.ws
        assert ws is not None
        sock = self.host_sock(host_index)
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                now = time.monotonic()
                if run.frozen:
                    continue
                run.on_frame(now)
                frame = orjson.loads(raw)
                kind = frame.get("type")
                if kind == "message.posted":
                    conv = self.conv_index.get(frame.get("conversation_id", ""))
                    if conv is None:
                        run.anomalies["message.posted for an unknown conversation"] += 1
                        continue
                    run.check_seq(conv, sock, frame.get("seq"))
                    run.on_posted(frame["client_id"], sock, now)
                elif kind == "message.ack":
                    run.on_ack(frame["client_id"], sock, now)
                elif kind == "conversation.history":
                    fut = host.claims.pop(frame.get("conversation_id", ""), None)
                    if fut is not None and not fut.done():
                        fut.set_result(None)
                elif kind == "error":
                    fut = host.claims.pop(frame.get("conversation_id") or "", None)
                    if fut is not None and "client_id" not in frame:
                        if not fut.done():
                            fut.set_exception(RuntimeError(f"claim refused: {frame}"))
                    else:
                        run.on_refused(frame.get("client_id"), frame.get("code", "?"))
                elif kind == "ping":
                    await ws.send(PONG)
                elif kind == "conversation.ended":
                    run.anomalies["conversation ended during the run"] += 1
        note_close(run, "staff", ws, sock)

    async def visitor_receiver(self, conv: int) -> None:
        run, ws = self.run, self.visitors[conv]
        assert ws is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                now = time.monotonic()
                if run.frozen:
                    continue
                run.on_frame(now)
                frame = orjson.loads(raw)
                kind = frame.get("type")
                if kind == "message.posted":
                    run.check_seq(conv, conv, frame.get("seq"))
                    run.on_posted(frame["client_id"], conv, now)
                elif kind == "message.ack":
                    run.on_ack(frame["client_id"], conv, now)
                elif kind == "host.joined":
                    fut = self.joined[conv]
                    if fut is not None and not fut.done():
                        fut.set_result(None)
                elif kind == "error":
                    run.on_refused(frame.get("client_id"), frame.get("code", "?"))
                elif kind == "ping":
                    await ws.send(PONG)
                elif kind == "conversation.ended":
                    run.anomalies["conversation ended during the run"] += 1
        note_close(run, "visitor", ws, conv)

    # setup
    async def setup(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self.base_url, trust_env=False, timeout=30) as http,
            httpx.AsyncClient(
                base_url=self.host_base_url, trust_env=False, timeout=30
            ) as staff_http,
        ):
            sem = asyncio.Semaphore(4)  # argon2 verifies run in the server's threads

            async def login(host: Host) -> None:
                async with sem:
                    r = await staff_http.post(
                        "/api/staff/login",
                        json={
                            "email": host.email,
                            "password": host.password,
                            "otp": pyotp.TOTP(host.secret).now(),
                        },
                    )
                r.raise_for_status()
                cookie = r.cookies.get("lykt_staff")
                if not cookie:
                    raise RuntimeError("the login set no lykt_staff cookie")
                host.cookie = cookie

            await asyncio.gather(*(login(h) for h in self.hosts))
            staff_http.cookies.clear()
            await asyncio.gather(*(self.open_staff(i) for i in range(len(self.hosts))))
            conv_sem = asyncio.Semaphore(8)  # keeps the waiting queue (broadcast to all) short

            async def one(conv: int) -> None:
                async with conv_sem:
                    await self.open_conversation(http, conv)

            await asyncio.gather(*(one(c) for c in range(self.plan.conversations)))

    async def open_staff(self, index: int) -> None:
        host = self.hosts[index]
        ws = await connect(
            self.host_ws_url + "/ws/staff",
            additional_headers={"Cookie": f"lykt_staff={host.cookie}"},
            **WS_OPTS,
        )
        welcome = orjson.loads(await asyncio.wait_for(ws.recv(), 15))
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"staff socket: expected welcome, got {welcome}")
        host.ws = ws
        self.tasks.append(asyncio.create_task(self.staff_receiver(index)))

    async def open_conversation(self, http: httpx.AsyncClient, conv: int) -> None:
        r = await http.post("/api/conversations", json={"age": 15, "about": "self"})
        r.raise_for_status()
        body = r.json()
        conv_id, token = body["conversation_id"], body["token"]
        self.conv_ids[conv] = conv_id
        self.conv_index[conv_id] = conv
        ws = await connect(self.ws_url + "/ws/visitor", **WS_OPTS)
        self.visitors[conv] = ws
        await ws.send(orjson.dumps({"type": "hello", "token": token, "last_seq": 0}).decode())
        welcome = orjson.loads(await asyncio.wait_for(ws.recv(), 15))
        if welcome.get("type") != "welcome" or welcome.get("state") != "waiting":
            raise RuntimeError(f"visitor socket: unexpected first frame {welcome}")
        loop = asyncio.get_running_loop()
        self.joined[conv] = joined = loop.create_future()
        self.tasks.append(asyncio.create_task(self.visitor_receiver(conv)))
        host = self.hosts[self.plan.host_of(conv)]
        assert host.ws is not None
        host.claims[conv_id] = claimed = loop.create_future()
        await host.ws.send(
            orjson.dumps({"type": "conversation.claim", "conversation_id": conv_id}).decode()
        )
        await asyncio.wait_for(claimed, 15)
        await asyncio.wait_for(joined, 15)

    def streams(self) -> list[Stream]:
        visitors, hosts = [], []
        for c in range(self.plan.conversations):
            h = self.host_sock(self.plan.host_of(c))
            visitor_ws, host_ws = self.visitors[c], self.hosts[self.plan.host_of(c)].ws
            assert visitor_ws is not None and host_ws is not None
            visitors.append(Stream(visitor_ws, "v2h", c, self.conv_ids[c], c, h))
            hosts.append(Stream(host_ws, "h2v", c, self.conv_ids[c], h, c))
        return interleave(visitors, hosts)

    def sockets(self) -> list[ClientConnection]:
        socks = [ws for ws in self.visitors if ws is not None]
        socks += [h.ws for h in self.hosts if h.ws is not None]
        return socks


async def lykt_async(
    plan: Plan,
    port: int,
    server_pid: int,
    hosts: list[Host],
    profile: Path | None,
    *,
    host_port: int | None = None,
    host_pid: int | None = None,
    name: str = "lykt",
) -> Run:
    """Set up and run the load. With ``host_port``, the hosts log in and open their staff
    sockets on that server (another process, pid ``host_pid``) and the visitors on ``port``."""
    run = Run(name, plan, echo=False)
    client = LyktClient(
        run,
        f"http://127.0.0.1:{port}",
        f"ws://127.0.0.1:{port}",
        hosts,
        host_base_url=None if host_port is None else f"http://127.0.0.1:{host_port}",
        host_ws_url=None if host_port is None else f"ws://127.0.0.1:{host_port}",
    )
    try:
        t = time.monotonic()
        async with asyncio.timeout(60 + 0.5 * plan.conversations + 0.2 * plan.hosts):
            await client.setup()
        print(
            f"  setup: {len(hosts)} hosts logged in, {plan.conversations} conversations "
            f"claimed in {time.monotonic() - t:.1f} s",
            flush=True,
        )
        more_pids = () if host_pid is None else (host_pid,)
        await run_load(run, client.streams(), server_pid, profile, more_pids=more_pids)
    finally:
        await close_all(run, client.sockets(), client.tasks)
    return run


def lykt_env(
    data_dir: Path, max_chats: int, *, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's and the CLI's environment. ``extra`` is added last, on purpose (e.g.
    ``LYKT_DATABASE_URL``, ``LYKT_REDIS_URL``, ``LYKT_REDIS_PREFIX``)."""
    # No LYKT_* setting of the caller's (a database URL!) may leak into the benchmark.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LYKT_")}
    env.update(
        LYKT_DATA_DIR=str(data_dir),
        LYKT_MAX_CHATS_PER_HOST=str(max_chats),
        # Every simulated visitor comes from 127.0.0.1: the per-source flood limits would
        # stop the benchmark, which measures the chat itself. Open at any hour, too.
        LYKT_OPENING_HOURS="always",
        LYKT_SOURCE_CONVERSATIONS_BURST="1000000",
        LYKT_SOURCE_MESSAGES_BURST="1000000",
        LYKT_SOURCE_MESSAGES_PER_S="1000000",
        LYKT_SOURCE_LOGINS_BURST="1000000",
    )
    if extra:
        env.update(extra)
    return env


def start_lykt_server(
    children: Children, env: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m lykt serve`` on a free port, once it answers ``/api/status``."""
    port = free_port()
    proc = children.spawn(
        [sys.executable, "-m", "lykt", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        log_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"lykt serve exited:\n{log_path.read_text(errors='replace')}")
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=1, trust_env=False)
                if r.status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("lykt serve did not answer /api/status within 30 s")
            time.sleep(0.05)
    except BaseException:
        children.stop(proc)
        raise
    return proc, port


def server_log_report(log_path: Path, stop_offset: int, label: str = "server") -> dict[str, Any]:
    """The warnings and errors of a server log, before and after we asked it to stop;
    printed too."""
    data = log_path.read_bytes() if log_path.exists() else b""
    report = {
        "during_run": log_problems(data[:stop_offset].decode(errors="replace")),
        "during_shutdown": log_problems(data[stop_offset:].decode(errors="replace")),
    }
    for when, found in report.items():
        if found["problem_lines"]:
            print(
                f"  {label} log {when.replace('_', ' ')}: {found['problem_lines']} warning/error "
                f"lines; exceptions: {found['exceptions'] or 'none'}"
            )
            for ln in found["first"]:
                print("    " + ln)
    return report


def run_lykt(
    plan: Plan,
    children: Children,
    workdir: Path,
    jobs: int,
    profile: Path | None,
    *,
    extra_env: Mapping[str, str] | None = None,
    two_processes: bool = False,
    name: str = "lykt",
    fast_hosts: bool = False,
) -> tuple[Run, dict[str, Any]]:
    """Hosts added, a fresh server started, the load run, the server stopped.

    ``extra_env`` goes to the server and the CLI (database URL, Redis). ``two_processes``:
    two ``lykt serve`` processes of one service (``extra_env`` must name a shared database
    and Redis), every visitor on the first and every host on the second, so that every
    ``message.posted`` crosses Redis; the report then also has ``host_process``, the second
    server's log. ``fast_hosts``: add the hosts with :func:`add_hosts_fast` instead of one
    ``lykt staff add`` per host."""
    if two_processes and not (
        extra_env and extra_env.get("LYKT_DATABASE_URL") and extra_env.get("LYKT_REDIS_URL")
    ):
        raise ValueError("two processes need LYKT_DATABASE_URL and LYKT_REDIS_URL in extra_env")
    data_dir = workdir / "data"
    env = lykt_env(data_dir, plan.convs_per_host, extra=extra_env)
    hosts = [
        Host(f"bench-host-{i}@example.org", f"Host {i}", secrets.token_urlsafe(18))
        for i in range(plan.hosts)
    ]
    t = time.monotonic()
    if fast_hosts:
        add_hosts_fast(env, hosts)
        how = "in one process (lykt's add_staff, cheap argon2 parameters)"
    else:
        add_hosts_with_cli(env, hosts, jobs)
        how = "with `python -m lykt staff add`"
    print(f"  added {len(hosts)} hosts {how} in {time.monotonic() - t:.1f} s", flush=True)
    log_path = workdir / "lykt-server.log"
    host_log_path = workdir / "lykt-server-b.log"
    stop_offset = host_stop_offset = 0
    proc, port = start_lykt_server(children, env, log_path)
    host_proc: subprocess.Popen[bytes] | None = None
    try:
        print(f"  lykt serve pid {proc.pid} on 127.0.0.1:{port}, data in {data_dir}", flush=True)
        host_port: int | None = None
        if two_processes:
            host_env = lykt_env(workdir / "data-b", plan.convs_per_host, extra=extra_env)
            host_proc, host_port = start_lykt_server(children, host_env, host_log_path)
            print(
                f"  second lykt serve pid {host_proc.pid} on 127.0.0.1:{host_port}: visitors "
                f"on :{port}, hosts on :{host_port}",
                flush=True,
            )
        run = asyncio.run(
            lykt_async(
                plan,
                port,
                proc.pid,
                hosts,
                profile,
                host_port=host_port,
                host_pid=None if host_proc is None else host_proc.pid,
                name=name,
            )
        )
    finally:
        stop_offset = log_path.stat().st_size if log_path.exists() else 0
        if host_proc is not None:
            host_stop_offset = host_log_path.stat().st_size if host_log_path.exists() else 0
            children.stop(host_proc)
        children.stop(proc)
    report = server_log_report(log_path, stop_offset, "server" if host_proc is None else "server A")
    if host_proc is not None:
        report["host_process"] = server_log_report(host_log_path, host_stop_offset, "server B")
    return run, report


def log_problems(log: str) -> dict[str, Any]:
    """Warning/error lines of a server log, and the exceptions its tracebacks end with."""
    lines = log.splitlines()
    bad = [ln for ln in lines if any(w in ln for w in ("ERROR", "WARNING", "cannot keep up"))]
    exceptions: collections.Counter[str] = collections.Counter()
    in_traceback = False
    for ln in lines:
        if ln.startswith("Traceback"):
            in_traceback = True
        elif (
            in_traceback
            and ln
            and not ln[0].isspace()
            and not ln.startswith(("During handling", "The above exception", "+", "|"))
        ):
            exceptions[ln[:160]] += 1
            in_traceback = False
    return {
        "problem_lines": len(bad),
        "exceptions": dict(exceptions.most_common(8)),
        "first": [ln[:200] for ln in bad[:5]],
    }


# -- report ---------------------------------------------------------------------------------
def hist_summary(h: HdrHistogram) -> dict[str, float]:
    out: dict[str, float] = {"count": h.get_total_count()}
    if not out["count"]:
        return out
    for p in PERCENTILES:
        out[f"p{p:g}"] = h.get_value_at_percentile(p) / 1000
    out["max"] = h.get_max_value() / 1000
    out["mean"] = h.get_mean_value() / 1000
    return out


HIST_ORDER = (
    "echo visitor-socket",
    "echo host-socket",
    "echo (all)",
    "deliver visitor->host",
    "deliver host->visitor",
    "deliver (all)",
    "ack visitor",
    "ack host",
    "ack (all)",
    "client send lag",
)


def summarize(run: Run) -> dict[str, Any]:
    plan = run.plan
    msgs = list(run.sent.values())
    refused = [m for m in msgs if m.refused is not None]
    accepted = [m for m in msgs if m.refused is None]
    closed = run.sock_closed
    result: dict[str, Any] = {
        "name": run.name,
        "sent": len(msgs),
        "sent_in_window": sum(m.measured for m in msgs),
        "send_failures": run.send_failures,
        "acked": sum(m.acks >= 1 for m in msgs),
        "ack_doubled": sum(m.acks > 1 for m in msgs),
        "delivered": sum(m.deliveries >= 1 for m in msgs),
        "delivery_doubled": sum(m.deliveries > 1 for m in msgs),
        # Missing answers on a socket that stays open: lost (or later than the drain).
        "unacked": sum(m.acks == 0 and m.ack_sock not in closed for m in accepted),
        "lost": sum(
            m.acks >= 1 and m.deliveries == 0 and m.deliver_sock not in closed for m in accepted
        ),
        # Missing because the server closed the socket they were due on. A real client would
        # reconnect and resume from its last seq; this benchmark does not, it reports them.
        "unacked_socket_closed": sum(m.acks == 0 and m.ack_sock in closed for m in accepted),
        "undelivered_socket_closed": sum(
            m.acks >= 1 and m.deliveries == 0 and m.deliver_sock in closed for m in accepted
        ),
        "refused": dict(run.refused),
        "refused_but_delivered": sum(m.deliveries > 0 or m.acks > 0 for m in refused),
        "anomalies": dict(run.anomalies),
        "socket_closes": dict(run.closes),
        "drain_s": round(run.drain_s, 3),
        "throughput_per_s": {
            "offered": plan.offered_per_s,
            "acked_in_window": run.acks_in_window / plan.duration,
            "delivered_in_window": run.deliveries_in_window / plan.duration,
            "client_frames_received": run.frames_in_window / plan.duration,
        },
        "latency_ms": {
            name: hist_summary(run.hists[name]) for name in HIST_ORDER if name in run.hists
        },
        "cpu": run.cpu,
    }
    if not run.echo:
        result["self_copy_mismatch"] = sum(m.self_copies != 1 for m in accepted)
    result["ok"] = (
        result["unacked"] == 0
        and result["lost"] == 0
        and result["ack_doubled"] == 0
        and result["delivery_doubled"] == 0
        and result["refused_but_delivered"] == 0
        and result["send_failures"] == 0
        and not run.anomalies
        and not run.closes
    )
    return result


def fmt_ms(v: float | None) -> str:
    return "-" if v is None else (f"{v:8.2f}" if v < 1000 else f"{v:8.0f}")


def print_result(res: dict[str, Any], plan: Plan) -> None:
    print(f"\n=== {res['name']} ===")
    tp = res["throughput_per_s"]
    refused = sum(res["refused"].values())
    print(
        f"messages : sent {res['sent']} ({res['sent_in_window']} in the measured window), "
        f"acked {res['acked']}, delivered {res['delivered']}, refused {refused} "
        f"{res['refused'] or ''}"
    )
    print(
        f"checks   : lost {res['lost']}, unacked {res['unacked']}, doubled acks "
        f"{res['ack_doubled']}, doubled deliveries {res['delivery_doubled']}, "
        f"refused-but-delivered {res['refused_but_delivered']}, send failures "
        f"{res['send_failures']}"
        + (
            f", cut off by a server-closed socket: {res['unacked_socket_closed']} unacked + "
            f"{res['undelivered_socket_closed']} undelivered"
            if res["unacked_socket_closed"] or res["undelivered_socket_closed"]
            else ""
        )
        + (
            f", self-copy mismatches {res['self_copy_mismatch']}"
            if "self_copy_mismatch" in res
            else ""
        )
        + f"  -> {'OK' if res['ok'] else 'FAILED'}"
    )
    if res["anomalies"]:
        print(f"anomalies: {res['anomalies']}")
    if res["socket_closes"]:
        print(f"closes   : {res['socket_closes']}")
    print(
        f"rate     : offered {tp['offered']:.0f} msg/s; persisted (acks received in window / "
        f"{plan.duration:g} s) {tp['acked_in_window']:.1f} msg/s; delivered "
        f"{tp['delivered_in_window']:.1f} msg/s; client received "
        f"{tp['client_frames_received']:.0f} frames/s; drain {res['drain_s']:.2f} s"
    )
    print(
        f"{'latency (ms)':<24}{'count':>8}"
        + "".join(f"{'p' + format(p, 'g'):>9}" for p in PERCENTILES)
        + f"{'max':>9}"
    )
    for name, s in res["latency_ms"].items():
        cells = "".join(" " + fmt_ms(s.get(f"p{p:g}")) for p in PERCENTILES)
        print(f"  {name:<22}{s['count']:>8}{cells} {fmt_ms(s.get('max'))}")
    cpu = res["cpu"]
    if cpu:
        print(
            f"cpu      : over the {cpu['wall_s']:.1f} s window the client used "
            f"{cpu['client_cpu_s']:.1f} s ({cpu['client_pct_of_core']:.0f}% of a core), the "
            f"server {cpu['server_cpu_s']:.1f} s ({cpu['server_pct_of_core']:.0f}% of a core; "
            f"its main thread {cpu['server_main_thread_cpu_s']:.1f} s = "
            f"{cpu['server_main_thread_pct_of_core']:.0f}%); {os.cpu_count()} CPUs"
        )
        print(
            f"           the machine was busy {cpu['machine_busy_cpu_s']:.1f} CPU-s in all, of "
            f"which about {max(0.0, cpu['other_cpu_s']):.1f} s was neither client nor server "
            "(other processes, kernel)"
            + (f"; busiest others (CPU-s): {cpu['other_top']}" if cpu["other_top"] else "")
        )
        acked = tp["acked_in_window"] * plan.duration
        if acked:
            print(
                f"           server CPU per persisted message: "
                f"{1000 * cpu['server_cpu_s'] / acked:.2f} ms"
            )


def print_comparison(results: dict[str, Any]) -> None:
    base, lykt = results.get("baseline"), results.get("lykt")
    if not base or not lykt:
        return
    print("\n=== comparison (same client, same run) ===")
    print(f"{'':<34}" + "".join(f"{'p' + format(p, 'g'):>9}" for p in PERCENTILES) + f"{'max':>9}")
    rows = [
        ("baseline echo round trip", base["latency_ms"].get("echo (all)")),
        ("lykt sender -> ack", lykt["latency_ms"].get("ack (all)")),
        ("lykt sender -> other side", lykt["latency_ms"].get("deliver (all)")),
    ]
    for label, s in rows:
        if s and s.get("count"):
            print(
                f"  {label:<32}"
                + "".join(" " + fmt_ms(s.get(f"p{p:g}")) for p in PERCENTILES)
                + " "
                + fmt_ms(s.get("max"))
            )


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.chat_load",
        description="Open-loop load benchmark of Lykt's live chat against a websockets echo "
        "baseline, all on 127.0.0.1.",
    )
    p.add_argument("--conversations", type=int, default=100, help="concurrent 1:1 chats")
    p.add_argument(
        "--rate-per-conv",
        type=float,
        default=2.0,
        help="messages/s per conversation in EACH direction (visitor and host)",
    )
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load not measured")
    p.add_argument("--message-chars", type=int, default=100, help="text length (ASCII)")
    p.add_argument(
        "--convs-per-host",
        type=int,
        default=0,
        help="chats per host (default: as many as the server's 5 msg/s per staff "
        "socket limit sustains at this rate, at most 20)",
    )
    p.add_argument(
        "--baseline",
        choices=("first", "only", "skip"),
        default="first",
        help="run the websockets echo baseline first (default), only, or not",
    )
    p.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="at most this many seconds to wait for outstanding answers after the last send "
        f"(it also stops after {STALL_S:g} s without any answer)",
    )
    p.add_argument(
        "--cli-jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="parallel `lykt staff add` processes",
    )
    p.add_argument(
        "--data-parent",
        type=Path,
        default=None,
        help="where to make the temporary data directory (default: the system "
        "temp dir; try /dev/shm to take fsync out of the picture)",
    )
    p.add_argument("--keep-data", action="store_true", help="keep the data dir and logs")
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy the server during the window (.svg flamegraph, .json "
        "speedscope, anything else: collapsed stacks)",
    )
    p.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    p.add_argument("--echo-server", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.echo_server is None:
        if not 1 <= args.conversations <= 5000:
            p.error("--conversations must be 1..5000")
        if not 0 < args.rate_per_conv <= 100:
            p.error("--rate-per-conv must be in (0, 100]")
        if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 120:
            p.error("--duration must be 1..600 s and --warmup 0..120 s")
        if not 1 <= args.message_chars <= 4000:
            p.error("--message-chars must be 1..4000")
        if not 0 <= args.convs_per_host <= MAX_CHATS_SETTING:
            p.error(f"--convs-per-host must be 1..{MAX_CHATS_SETTING}")
        if not 0 < args.drain_timeout <= 300:
            p.error("--drain-timeout must be in (0, 300]")
    return args


def plan_for(
    conversations: int,
    rate_per_conv: float,
    duration: float,
    warmup: float,
    message_chars: int,
    drain_timeout: float,
) -> Plan:
    """A plan for another scenario, through this one's option parsing (same checks, same
    defaults for everything not given)."""
    argv = [
        "--conversations",
        str(conversations),
        "--rate-per-conv",
        f"{rate_per_conv:g}",
        "--duration",
        f"{duration:g}",
        "--warmup",
        f"{warmup:g}",
        "--message-chars",
        str(message_chars),
        "--drain-timeout",
        f"{drain_timeout:g}",
    ]
    return plan_from_args(parse_args(argv))


def write_json(path: Path, results: Any) -> None:
    """Every figure, for a later look or a comparison."""
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    print(f"figures written to {path}")


def plan_from_args(args: argparse.Namespace) -> Plan:
    """The plan that :func:`parse_args`'s options describe."""
    return Plan(
        conversations=args.conversations,
        rate=args.rate_per_conv,
        convs_per_host=args.convs_per_host or default_convs_per_host(args.rate_per_conv),
        duration=args.duration,
        warmup=args.warmup,
        message_chars=args.message_chars,
        drain_timeout=args.drain_timeout,
    )


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.echo_server is not None:
        asyncio.run(echo_server(args.echo_server))
        return 0
    plan = plan_from_args(args)
    print(
        f"plan: {plan.conversations} conversations x {plan.rate:g} msg/s each way = "
        f"{plan.offered_per_s:g} msg/s offered; {plan.hosts} hosts x {plan.convs_per_host} "
        f"chats; {plan.message_chars}-char texts; warmup {plan.warmup:g} s, measured "
        f"{plan.duration:g} s"
    )
    print(
        f"      {os.cpu_count()} CPUs, Python {platform.python_version()}, websockets "
        f"{websockets.__version__}, pid {os.getpid()}"
    )
    if plan.rate > VISITOR_MSG_RATE:
        print(
            f"note: the server allows a visitor socket {VISITOR_MSG_RATE:g} msg/s (burst "
            f"{VISITOR_MSG_BURST}); faster visitors get rate_limited errors"
        )
    if plan.rate * plan.convs_per_host > STAFF_MSG_RATE:
        print(
            f"note: the server allows a staff socket {STAFF_MSG_RATE:g} msg/s (burst "
            f"{STAFF_MSG_BURST}); {plan.convs_per_host} chats x {plan.rate:g} msg/s is more, "
            "so hosts get rate_limited errors"
        )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Ctrl-C stops the run even when started from a script that ignores SIGINT for background
    # jobs; asyncio.run then cancels the load cleanly and the servers are stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    children = Children()
    workdir = Path(tempfile.mkdtemp(prefix="lykt-bench-", dir=args.data_parent))
    results: dict[str, Any] = {
        "plan": {**plan.__dict__, "hosts": plan.hosts, "offered_per_s": plan.offered_per_s},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "websockets": websockets.__version__,
            "workdir": str(workdir),
        },
    }
    ok = True
    try:
        if args.baseline in ("first", "only"):
            print("\nbaseline: bare websockets echo server …", flush=True)
            res = summarize(run_baseline(plan, children, workdir))
            results["baseline"] = res
            print_result(res, plan)
            ok &= res["ok"]
        if args.baseline != "only":
            print("\nlykt: …", flush=True)
            run, log_report = run_lykt(plan, children, workdir, args.cli_jobs, args.profile)
            res = summarize(run)
            res["server_log"] = log_report
            results["lykt"] = res
            print_result(res, plan)
            ok &= res["ok"]
        print_comparison(results)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        if args.keep_data:
            print(f"data and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json is not None:
        print()
        write_json(args.json, results)
    if args.profile is not None and args.profile.exists():
        print(f"server profile written to {args.profile}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Scenario (f): the purge of a million messages, and chat latency while it runs.

    .venv/bin/python -m bench.purge_load [--database sqlite|postgresql|both]
        [--messages 1000000] [--per-conversation 50] [--conversations 50 --rate-per-conv 2]
        [--json out.json]

A benchmark, not a test: it measures this machine. Per database, all on 127.0.0.1, bounded in
time, every process it starts stopped on exit (PostgreSQL: the database it made dropped):

1. Seed (timed apart, not part of the figure): a fresh data directory (PostgreSQL: a fresh
   database ``lykt_bench_<hex>``), the schema from ``python -m lykt db upgrade``, the hosts
   from ``python -m lykt staff add``. Then ``--messages / --per-conversation`` conversations
   that ended 73 to 97 hours ago, each with its messages (~100 characters, seq 1..k, unique
   client ids, a host's messages carrying its staff id, several chats interleaved in insertion
   order as concurrent chats are) and ``--escrow-per-conversation`` sealed escrow records,
   written straight into the tables: stdlib ``sqlite3`` ``executemany`` (``synchronous=OFF``
   on that connection only), or asyncpg ``COPY`` followed by ``VACUUM ANALYZE``.
2. Chat load: ``python -m lykt serve`` and N live 1:1 conversations sending open loop, the
   machinery of ``bench.chat_load`` (latency from the *intended* send time: sender -> its
   ``message.ack``, sender -> ``message.posted`` on the other side).
   The server runs with ``LYKT_RETENTION_HOURS=720``: ``lykt.jobs`` runs every job at its
   first tick whatever its interval, so with the default 72 h the server's own purge job would
   delete the seeded data as it starts. At 720 h it finds nothing (and
   ``LYKT_PURGE_INTERVAL_S`` is a day, so it does not run again).
3. After ``--warmup`` and ``--before`` seconds of load, ``python -m lykt purge`` (the same
   ``purge_expired`` as the server's job, default 72 h retention) runs in its own process,
   timed from spawn to exit, while the chat goes on; the load stops ``--after`` seconds after
   the purge has exited. Chat latency is kept per window, by intended send time: before the
   purge, during it, after it. An empty ``lykt purge`` is timed before seeding: the CLI's fixed
   cost (start-up, imports, the migration check), which is inside the figure.
4. Checks (exit status 1 if any fails): the purge said it deleted every seeded conversation
   and message, and none of them (nor an escrow record) is left; every live message was acked
   and delivered exactly once (as chat_load checks); the database holds exactly the acked live
   messages, seq 1..n in each live conversation.

The figures: purge seconds against the target (1,000,000 messages in at most 5 s on SQLite,
15 s on PostgreSQL), and chat p99 (sender -> other side) during the purge over p99 before it,
in the same run (target: at most 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import itertools
import math
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from hdrh.histogram import HdrHistogram
from sqlalchemy import make_url

from bench.chat_load import (
    PERCENTILES,
    ROOT,
    Children,
    Host,
    LyktClient,
    Plan,
    Run,
    Stream,
    add_hosts_with_cli,
    close_all,
    default_convs_per_host,
    drain,
    fmt_ms,
    free_port,
    hist_summary,
    log_problems,
    lykt_env,
    machine_busy_s,
    message_text,
    new_hist,
    print_result,
    proc_cpu_s,
    record,
    send_stream,
    summarize,
    write_json,
)

TARGET_S = {"sqlite": 5.0, "postgresql": 15.0}  # for 1,000,000 messages
TARGET_RATIO = 2.0  # chat p99 during the purge / before it
SEED_AGE_H = 73  # the newest seeded conversation ended this long ago (retention: 72 h)
SEED_SPREAD_H = 24  # ... and the oldest this much earlier
SERVER_RETENTION_H = 720  # the largest LYKT_RETENTION_HOURS allows; see the docstring
SERVER_PURGE_INTERVAL_S = 86_400
FLUSH_MESSAGES = 50_000  # rows per seeding transaction (and per COPY)
PHASES = ("before", "during", "after")
HEADLINE = "deliver (all)"  # "chat p99": sender -> the other side, what a person waits for
PURGE_PRINTS = re.compile(r"deleted (\d+) conversation\(s\), (\d+) message\(s\)(?: in ([\d.]+) s)?")
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

CONV_COLS = (
    "id",
    "token_hash",
    "age",
    "about",
    "status",
    "host_id",
    "last_seq",
    "created_at",
    "claimed_at",
    "ended_at",
    "end_reason",
    "last_activity_at",
)
MSG_COLS = ("conversation_id", "seq", "sender", "staff_id", "client_id", "text", "sent_at")
ESCROW_COLS = ("conversation_id", "key_id", "sealed", "created_at")
Row = tuple[Any, ...]


# -- seeding ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeedSpec:
    messages: int
    per_conversation: int
    escrow_per_conversation: int
    interleave: int  # conversations whose messages alternate in insertion order
    message_chars: int  # mean text length

    @property
    def conversations(self) -> int:
        return math.ceil(self.messages / self.per_conversation)


@dataclass
class SeedResult:
    conversations: int = 0
    messages: int = 0
    escrow_records: int = 0
    seconds: float = 0.0
    database_bytes: int = 0


def text_pool(mean_chars: int, rng: random.Random) -> list[str]:
    """256 texts from 0.4x to 1.6x the mean length (so the mean is ``mean_chars``)."""
    base = message_text(2 * mean_chars + 200)
    pool = []
    for i in range(256):
        n = max(1, round(mean_chars * (0.4 + 1.2 * i / 255)))
        start = rng.randrange(0, 100)
        pool.append(base[start : start + n])
    return pool


def client_id_of(bits: int) -> str:
    """Looks like the browser's ``crypto.randomUUID()``."""
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def seed_batches(
    spec: SeedSpec, staff_ids: list[int], now: datetime, ts: Callable[[datetime], Any]
) -> Iterator[tuple[list[Row], list[Row], list[Row]]]:
    """Rows for ``spec``, ``interleave`` conversations at a time: (conversations, messages,
    escrow records). Times are naive UTC, through ``ts`` (SQLite wants SQLAlchemy's string)."""
    rng = random.Random(20261129)
    texts = text_pool(spec.message_chars, rng)
    reasons = ("ended_by_visitor", "ended_by_host", "ended_by_host", "quick_exit")
    newest = (now - timedelta(hours=SEED_AGE_H)).astimezone(UTC).replace(tzinfo=None)
    spread_s = SEED_SPREAD_H * 3600.0
    key_id = f"{rng.getrandbits(64):016x}"
    total = spec.conversations
    left, number = spec.messages, 0
    while left > 0:
        convs: list[Row] = []
        escrow: list[Row] = []
        per_conv: list[list[Row]] = []
        for _ in range(spec.interleave):
            if left <= 0:
                break
            k = min(spec.per_conversation, left)
            left -= k
            conv_id = f"{rng.getrandbits(128):032x}"  # uuid4().hex-like: random id order
            host = staff_ids[number % len(staff_ids)]
            # Oldest first, as a real history; the newest ended SEED_AGE_H ago.
            ended = newest - timedelta(seconds=spread_s * (1 - number / max(1, total - 1)))
            gap = 15.0 + 45.0 * rng.random()  # seconds between two messages
            waited = 30.0 + 600.0 * rng.random()
            claimed = ended - timedelta(seconds=gap * k + 30.0)
            created = claimed - timedelta(seconds=waited)
            convs.append(
                (
                    conv_id,
                    f"{rng.getrandbits(256):064x}",
                    rng.randrange(10, 26) if rng.random() < 0.9 else None,
                    "self" if rng.random() < 0.8 else "friend",
                    "ended",
                    host,
                    k,
                    ts(created),
                    ts(claimed),
                    ts(ended),
                    reasons[number % len(reasons)],
                    ts(ended),
                )
            )
            rows = []
            for seq in range(1, k + 1):
                by_host = seq % 2 == 0 if rng.random() < 0.8 else seq % 2 == 1
                rows.append(
                    (
                        conv_id,
                        seq,
                        "host" if by_host else "visitor",
                        host if by_host else None,
                        client_id_of(rng.getrandbits(128)),
                        texts[rng.getrandbits(8)],
                        ts(claimed + timedelta(seconds=gap * seq)),
                    )
                )
            per_conv.append(rows)
            for _ in range(spec.escrow_per_conversation):
                # A sealed box: 48 bytes of overhead around ~110 bytes of JSON.
                escrow.append((conv_id, key_id, rng.randbytes(158), ts(created)))
            number += 1
        messages = [
            row for rows in itertools.zip_longest(*per_conv) for row in rows if row is not None
        ]
        yield convs, messages, escrow


def sqlite_ts(moment: datetime) -> str:
    """How SQLAlchemy's SQLite DateTime stores a naive datetime (compared as text)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def insert_sql(table: str, cols: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def seed_sqlite(data_dir: Path, spec: SeedSpec, now: datetime) -> SeedResult:
    t = time.monotonic()
    main_path, escrow_path = data_dir / "lykt.db", data_dir / "escrow.db"
    if not main_path.exists() or not escrow_path.exists():
        raise RuntimeError(f"no lykt.db / escrow.db in {data_dir} after `lykt db upgrade`")
    main = sqlite3.connect(main_path, isolation_level=None)
    esc = sqlite3.connect(escrow_path, isolation_level=None)
    result = SeedResult()
    try:
        for con in (main, esc):
            con.execute("PRAGMA synchronous=OFF")  # this connection only: seeding is not timed
            con.execute("PRAGMA cache_size=-262144")  # 256 MiB: the indexes stay in memory
        staff_ids = [int(r[0]) for r in main.execute("SELECT id FROM staff ORDER BY id")]
        if not staff_ids:
            raise RuntimeError("no staff to seed host messages with")
        convs: list[Row] = []
        msgs: list[Row] = []
        escrow: list[Row] = []

        def flush() -> None:
            main.execute("BEGIN")
            main.executemany(insert_sql("conversations", CONV_COLS), convs)
            main.executemany(insert_sql("messages", MSG_COLS), msgs)
            main.execute("COMMIT")
            esc.execute("BEGIN")
            esc.executemany(insert_sql("escrow_records", ESCROW_COLS), escrow)
            esc.execute("COMMIT")
            convs.clear()
            msgs.clear()
            escrow.clear()

        for c, m, e in seed_batches(spec, staff_ids, now, sqlite_ts):
            convs += c
            msgs += m
            escrow += e
            if len(msgs) >= FLUSH_MESSAGES:
                flush()
        flush()
        for con in (main, esc):
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        result.conversations = main.execute(
            "SELECT count(*) FROM conversations WHERE status = 'ended'"
        ).fetchone()[0]
        result.messages = main.execute("SELECT count(*) FROM messages").fetchone()[0]
        result.escrow_records = esc.execute("SELECT count(*) FROM escrow_records").fetchone()[0]
    finally:
        main.close()
        esc.close()
    result.database_bytes = sqlite_bytes(data_dir)
    result.seconds = time.monotonic() - t
    return result


def sqlite_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in data_dir.glob("*.db*") if p.is_file())


async def seed_postgres(dsn: str, spec: SeedSpec, now: datetime) -> SeedResult:
    t = time.monotonic()
    conn = await asyncpg.connect(dsn)
    result = SeedResult()
    try:
        staff_ids = [int(r["id"]) for r in await conn.fetch("SELECT id FROM staff ORDER BY id")]
        if not staff_ids:
            raise RuntimeError("no staff to seed host messages with")
        convs: list[Row] = []
        msgs: list[Row] = []
        escrow: list[Row] = []

        async def flush() -> None:
            async with conn.transaction():
                await conn.copy_records_to_table("conversations", records=convs, columns=CONV_COLS)
                await conn.copy_records_to_table("messages", records=msgs, columns=MSG_COLS)
                await conn.copy_records_to_table(
                    "escrow_records", records=escrow, columns=ESCROW_COLS
                )
            convs.clear()
            msgs.clear()
            escrow.clear()

        for c, m, e in seed_batches(spec, staff_ids, now, lambda moment: moment):
            convs += c
            msgs += m
            escrow += e
            if len(msgs) >= FLUSH_MESSAGES:
                await flush()
        await flush()
        # A database in service has been vacuumed and analysed; a fresh COPY has neither.
        await conn.execute("VACUUM ANALYZE conversations, messages, escrow_records")
        result.conversations = await conn.fetchval(
            "SELECT count(*) FROM conversations WHERE status = 'ended'"
        )
        result.messages = await conn.fetchval("SELECT count(*) FROM messages")
        result.escrow_records = await conn.fetchval("SELECT count(*) FROM escrow_records")
        result.database_bytes = await conn.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await conn.close()
    result.seconds = time.monotonic() - t
    return result


# -- PostgreSQL: a database of our own ---------------------------------------------------------
class PgDatabase:
    """``lykt_bench_<hex>`` on the server behind ``admin_url``, made and dropped by us."""

    def __init__(self, admin_url: str) -> None:
        url = make_url(admin_url)
        self.admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.name = f"lykt_bench_{secrets.token_hex(6)}"
        self.dsn = url.set(drivername="postgresql", database=self.name).render_as_string(
            hide_password=False
        )
        self.lykt_url = url.set(drivername="postgresql+asyncpg", database=self.name)
        self.created = False

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def create(self) -> None:
        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))
        self.created = True

    def drop(self) -> None:
        if self.created:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.created = False


# -- the purge process ------------------------------------------------------------------------
@dataclass
class PurgeOutcome:
    started: float = 0.0
    ended: float = 0.0
    returncode: int | None = None
    timed_out: bool = False
    output: str = ""
    conversations: int | None = None
    messages: int | None = None
    # What the purge itself took, as the command says (without starting Python and Lykt).
    purge_only_s: float | None = None
    cpu_user_s: float = 0.0
    cpu_sys_s: float = 0.0

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def purge_command(profile: Path | None) -> list[str]:
    args = [sys.executable, "-m", "lykt", "purge"]
    if profile is None:
        return args
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(profile.suffix, "raw")
    # --idle: time spent waiting (on the database, the disk) shows too.
    spy = [exe, "record", "--idle", "--rate", "250", "--format", fmt, "-o", str(profile)]
    return [*spy, "--", *args]


async def run_purge(
    children: Children, env: dict[str, str], log_path: Path, timeout: float, profile: Path | None
) -> PurgeOutcome:
    """``python -m lykt purge`` in its own process, from spawn to exit, and its CPU time."""
    args = purge_command(profile)
    out = PurgeOutcome()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log_path.open("wb") as log:
        out.started = time.monotonic()
        # No preexec_fn here (threads are running); it is bounded, and stopped with the rest.
        proc = subprocess.Popen(
            args,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    children.procs.append(proc)
    waiting = asyncio.ensure_future(asyncio.to_thread(proc.wait))
    try:
        out.returncode = await asyncio.wait_for(asyncio.shield(waiting), timeout)
    except TimeoutError:
        out.timed_out = True
        proc.kill()
        out.returncode = await waiting
    out.ended = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children.procs.remove(proc)
    out.cpu_user_s = after.ru_utime - usage.ru_utime
    out.cpu_sys_s = after.ru_stime - usage.ru_stime
    out.output = log_path.read_text(errors="replace")
    found = PURGE_PRINTS.search(out.output)
    if found:
        out.conversations, out.messages = int(found[1]), int(found[2])
        out.purge_only_s = float(found[3]) if found[3] else None
    return out


def said_line(output: str) -> str:
    found = PURGE_PRINTS.search(output)
    if found:
        return found[0]
    return output.strip().splitlines()[-1] if output.strip() else "(nothing)"


def timed_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[float, str]:
    t = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "lykt", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    took = time.monotonic() - t
    if done.returncode != 0:
        raise RuntimeError(f"`lykt {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return took, done.stdout.strip()


# -- the chat load around the purge -------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    warmup: float
    before: float
    after: float
    purge_timeout: float


@dataclass(frozen=True)
class Mark:
    """CPU counters at one moment (seconds)."""

    at: float
    client: float
    server: float
    server_main: float
    machine: float


def mark(server_pid: int) -> Mark:
    server, main = proc_cpu_s(server_pid)
    return Mark(time.monotonic(), time.process_time(), server, main, machine_busy_s())


async def load_around_purge(
    run: Run,
    streams: list[Stream],
    server_pid: int,
    timing: Timing,
    purge: Callable[[], Awaitable[PurgeOutcome]],
) -> tuple[PurgeOutcome, list[Mark]]:
    """Open-loop chat load; the purge starts ``timing.before`` s into the measured window and
    the load ends ``timing.after`` s after it exits. Then every answer is waited for."""
    plan = run.plan
    text = message_text(plan.message_chars)
    gc.collect()
    gc.freeze()
    gc.disable()
    run.start(time.monotonic() + 0.5)
    # Provisional: moved to (purge exit + after) once the purge has exited.
    run.window_end = run.window_start + timing.before + timing.purge_timeout + timing.after
    period = 1.0 / plan.rate
    senders = [
        asyncio.create_task(send_stream(run, s, period * i / len(streams), text))
        for i, s in enumerate(streams)
    ]
    marks: list[Mark] = []
    try:
        await asyncio.sleep(max(0.0, run.window_start - time.monotonic()))
        marks.append(mark(server_pid))
        await asyncio.sleep(max(0.0, run.window_start + timing.before - time.monotonic()))
        marks.append(mark(server_pid))
        outcome = await purge()
        marks.append(mark(server_pid))
        run.window_end = outcome.ended + timing.after
        await asyncio.gather(*senders)
        marks.append(mark(server_pid))
        await drain(run)
        run.frozen = True
    finally:
        run.frozen = True
        gc.enable()
        gc.unfreeze()
        for task in senders:
            task.cancel()
    return outcome, marks


async def chat_with_purge(
    plan: Plan,
    port: int,
    server_pid: int,
    hosts: list[Host],
    timing: Timing,
    purge: Callable[[], Awaitable[PurgeOutcome]],
) -> tuple[Run, list[str], PurgeOutcome, list[Mark]]:
    run = Run("lykt (chat during the purge)", plan, echo=False)
    client = LyktClient(run, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", hosts)
    try:
        t = time.monotonic()
        async with asyncio.timeout(60 + 0.5 * plan.conversations + 0.2 * plan.hosts):
            await client.setup()
        print(
            f"  setup: {len(hosts)} hosts logged in, {plan.conversations} live conversations "
            f"claimed in {time.monotonic() - t:.1f} s",
            flush=True,
        )
        outcome, marks = await load_around_purge(run, client.streams(), server_pid, timing, purge)
    finally:
        await close_all(run, client.sockets(), client.tasks)
    return run, list(client.conv_ids), outcome, marks


def start_server(
    children: Children, env: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = children.spawn(
        [sys.executable, "-m", "lykt", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        log_path,
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"lykt serve exited:\n{log_path.read_text(errors='replace')}")
        with contextlib.suppress(httpx.HTTPError):
            r = httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=1, trust_env=False)
            if r.status_code == 200:
                return proc, port
        if time.monotonic() > deadline:
            raise RuntimeError("lykt serve did not answer /api/status within 60 s")
        time.sleep(0.05)


# -- windows ----------------------------------------------------------------------------------
def window_figures(run: Run, bounds: list[float], marks: list[Mark]) -> dict[str, Any]:
    """Per window: latency by intended send time, throughput (acks received in it), CPU."""
    hists: dict[str, dict[str, HdrHistogram]] = {
        p: {"ack (all)": new_hist(), "deliver (all)": new_hist()} for p in PHASES
    }
    sent = dict.fromkeys(PHASES, 0)
    acked = dict.fromkeys(PHASES, 0)

    def phase_of(moment: float) -> str | None:
        if not bounds[0] <= moment < bounds[3]:
            return None
        return PHASES[0 if moment < bounds[1] else 1 if moment < bounds[2] else 2]

    for m in run.sent.values():
        if m.acks and (when := phase_of(m.acked_at)) is not None:
            acked[when] += 1  # throughput: acks received in the window, whenever sent
        phase = phase_of(m.intended) if m.measured else None
        if phase is None:
            continue
        sent[phase] += 1
        if m.acks:
            record(hists[phase]["ack (all)"], m.acked_at - m.intended)
        if m.deliveries:
            record(hists[phase]["deliver (all)"], m.delivered_at - m.intended)
    out: dict[str, Any] = {}
    for i, phase in enumerate(PHASES):
        length = bounds[i + 1] - bounds[i]
        a, b = marks[i], marks[i + 1]
        wall = max(1e-9, b.at - a.at)
        out[phase] = {
            "seconds": length,
            "sent": sent[phase],
            "stored_per_s": acked[phase] / length if length > 0 else 0.0,
            "latency_ms": {name: hist_summary(h) for name, h in hists[phase].items()},
            "cpu_pct_of_core": {
                "server": 100 * (b.server - a.server) / wall,
                "server_main_thread": 100 * (b.server_main - a.server_main) / wall,
                "client": 100 * (b.client - a.client) / wall,
                "machine_busy": 100 * (b.machine - a.machine) / wall,
            },
        }
    return out


def print_windows(windows: dict[str, Any]) -> None:
    cols = "".join(f"{'p' + format(p, 'g'):>9}" for p in PERCENTILES if p != 90.0)
    print(
        f"  {'window':<8}{'s':>6}{'sent':>7}{'stored/s':>9}  {'latency (ms)':<14}{'count':>7}"
        f"{cols}{'max':>9}   CPU % of a core: server (main), client, machine"
    )
    for phase, w in windows.items():
        cpu = w["cpu_pct_of_core"]
        for j, name in enumerate(("ack (all)", "deliver (all)")):
            s = w["latency_ms"][name]
            cells = "".join(" " + fmt_ms(s.get(f"p{p:g}")) for p in PERCENTILES if p != 90.0)
            head = (
                f"  {phase:<8}{w['seconds']:>6.1f}{w['sent']:>7}{w['stored_per_s']:>9.1f}"
                if j == 0
                else " " * 32
            )
            tail = (
                f"   {cpu['server']:.0f} ({cpu['server_main_thread']:.0f}), "
                f"{cpu['client']:.0f}, {cpu['machine_busy']:.0f}"
                if j == 0
                else ""
            )
            label = "sender->ack" if name == "ack (all)" else "sender->other"
            print(f"{head}  {label:<14}{s['count']:>7}{cells} {fmt_ms(s.get('max'))}{tail}")


# -- checks -----------------------------------------------------------------------------------
@dataclass
class Stored:
    """What the database holds after the run."""

    other_conversations: int = 0  # not one of the live ones: seeded ones left behind
    other_messages: int = 0
    escrow_records: int = 0
    live: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # id -> (client, seq)


def stored_sqlite(data_dir: Path, live_ids: list[str]) -> Stored:
    out = Stored()
    live = set(live_ids)
    con = sqlite3.connect(data_dir / "lykt.db")
    try:
        ids = {r[0] for r in con.execute("SELECT id FROM conversations")}
        out.other_conversations = len(ids - live)
        for conv_id, count in con.execute(
            "SELECT conversation_id, count(*) FROM messages GROUP BY conversation_id"
        ):
            if conv_id not in live:
                out.other_messages += count
        marks = ",".join("?" * len(live_ids))
        for conv_id, client_id, seq in con.execute(
            f"SELECT conversation_id, client_id, seq FROM messages "
            f"WHERE conversation_id IN ({marks})",
            live_ids,
        ):
            out.live.setdefault(conv_id, []).append((client_id, seq))
    finally:
        con.close()
    esc = sqlite3.connect(data_dir / "escrow.db")
    try:
        out.escrow_records = esc.execute("SELECT count(*) FROM escrow_records").fetchone()[0]
    finally:
        esc.close()
    return out


async def stored_postgres(dsn: str, live_ids: list[str]) -> Stored:
    out = Stored()
    conn = await asyncpg.connect(dsn)
    try:
        out.other_conversations = await conn.fetchval(
            "SELECT count(*) FROM conversations WHERE NOT (id = ANY($1::text[]))", live_ids
        )
        out.other_messages = await conn.fetchval(
            "SELECT count(*) FROM messages WHERE NOT (conversation_id = ANY($1::text[]))",
            live_ids,
        )
        out.escrow_records = await conn.fetchval("SELECT count(*) FROM escrow_records")
        for r in await conn.fetch(
            "SELECT conversation_id, client_id, seq FROM messages "
            "WHERE conversation_id = ANY($1::text[])",
            live_ids,
        ):
            out.live.setdefault(r["conversation_id"], []).append((r["client_id"], r["seq"]))
    finally:
        await conn.close()
    return out


def check_live(run: Run, live_ids: list[str], stored: Stored) -> dict[str, int]:
    """The database against what the client saw: every acked live message stored once, nothing
    stored that was not sent, seq 1..n in every live conversation. A message stored without an
    ack is a failure only if its sender's socket stayed open (a closed one is reported apart,
    and fails chat_load's own checks anyway)."""
    acked: dict[str, set[str]] = {conv_id: set() for conv_id in live_ids}
    for client_id, m in run.sent.items():
        if m.acks:
            acked[live_ids[int(client_id[1:].split(".", 1)[0])]].add(client_id)
    counts = dict.fromkeys(
        (
            "acked_not_stored",
            "stored_not_acked",
            "stored_not_acked_socket_closed",
            "stored_never_sent",
            "stored_twice",
            "conversations_with_seq_gaps",
        ),
        0,
    )
    for conv_id in live_ids:
        rows = stored.live.get(conv_id, [])
        clients = {c for c, _ in rows}
        counts["stored_twice"] += len(rows) - len(clients)
        counts["acked_not_stored"] += len(acked[conv_id] - clients)
        for client_id in clients - acked[conv_id]:
            sent = run.sent.get(client_id)
            if sent is None:
                counts["stored_never_sent"] += 1
            elif sent.ack_sock in run.sock_closed:
                counts["stored_not_acked_socket_closed"] += 1
            else:
                counts["stored_not_acked"] += 1
        counts["conversations_with_seq_gaps"] += sorted(s for _, s in rows) != list(
            range(1, len(rows) + 1)
        )
    counts["stored_live_messages"] = sum(len(r) for r in stored.live.values())
    return counts


# -- one database -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    seed: SeedSpec
    plan: Plan
    timing: Timing
    cli_jobs: int
    profile_purge: Path | None
    seed_only: bool
    kinds: tuple[str, ...]


def run_database(
    kind: str, opts: Options, children: Children, workdir: Path, pg_admin: str
) -> dict[str, Any]:
    """Seed, load, purge, check, on one database; returns its figures."""
    print(f"\n=== {kind} ===", flush=True)
    data_dir = workdir / kind / "data"
    data_dir.mkdir(parents=True)
    plan = opts.plan
    env = lykt_env(data_dir, plan.convs_per_host)
    pg: PgDatabase | None = None
    res: dict[str, Any] = {"database": kind, "ok": False}
    try:
        if kind == "postgresql":
            pg = PgDatabase(pg_admin)
            pg.create()
            env["LYKT_DATABASE_URL"] = pg.lykt_url.render_as_string(hide_password=False)
            print(f"  database {pg.name} (dropped at the end)")
        took, said = timed_cli(["db", "upgrade"], env)
        res["db_upgrade_s"] = took
        hosts = [
            Host(f"bench-host-{i}@example.org", f"Host {i}", secrets.token_urlsafe(18))
            for i in range(plan.hosts)
        ]
        t = time.monotonic()
        add_hosts_with_cli(env, hosts, opts.cli_jobs)
        res["hosts_s"] = time.monotonic() - t
        empty_s, empty_said = timed_cli(["purge"], env)
        res["empty_purge_s"] = empty_s
        print(
            f"  `lykt db upgrade` {took:.2f} s ({said}); {len(hosts)} hosts added in "
            f"{res['hosts_s']:.1f} s; an empty `lykt purge` (the CLI's fixed cost) took "
            f"{empty_s:.2f} s ({empty_said})",
            flush=True,
        )
        now = datetime.now(UTC)
        if pg is not None:
            seeded = asyncio.run(seed_postgres(pg.dsn, opts.seed, now))
        else:
            seeded = seed_sqlite(data_dir, opts.seed, now)
        res["seed"] = dataclasses.asdict(seeded)
        print(
            f"  seeded {seeded.conversations:,} ended conversations, {seeded.messages:,} "
            f"messages, {seeded.escrow_records:,} escrow records in {seeded.seconds:.1f} s "
            f"({seeded.messages / max(seeded.seconds, 1e-9):,.0f} messages/s); database "
            f"{seeded.database_bytes / 2**20:,.0f} MiB",
            flush=True,
        )
        if opts.seed_only:
            if pg is not None:
                pg.created = False  # kept on purpose: the caller drops it
                print(f"  kept: LYKT_DATABASE_URL={env['LYKT_DATABASE_URL']}")
            print(f"  kept: LYKT_DATA_DIR={data_dir}")
            res["ok"] = True
            return res

        server_env = dict(
            env,
            LYKT_RETENTION_HOURS=str(SERVER_RETENTION_H),
            LYKT_PURGE_INTERVAL_S=str(SERVER_PURGE_INTERVAL_S),
        )
        log_path = workdir / kind / "lykt-server.log"
        proc, port = start_server(children, server_env, log_path)
        print(f"  lykt serve pid {proc.pid} on 127.0.0.1:{port}", flush=True)

        profile = opts.profile_purge
        if profile is not None and len(opts.kinds) > 1:
            profile = profile.with_stem(f"{profile.stem}-{kind}")

        def purge() -> Awaitable[PurgeOutcome]:
            return run_purge(
                children, env, workdir / kind / "purge.log", opts.timing.purge_timeout, profile
            )

        stop_offset = 0
        try:
            run, live_ids, outcome, marks = asyncio.run(
                chat_with_purge(plan, port, proc.pid, hosts, opts.timing, purge)
            )
        finally:
            stop_offset = log_path.stat().st_size if log_path.exists() else 0
            children.stop(proc)
        log = log_path.read_bytes().decode(errors="replace") if log_path.exists() else ""
        res["server_log"] = {
            "during_run": log_problems(log[:stop_offset]),
            "during_shutdown": log_problems(log[stop_offset:]),
        }

        # The chat: chat_load's checks and figures over the whole measured window.
        run.plan = dataclasses.replace(plan, duration=run.window_end - run.window_start)
        chat = summarize(run)
        res["chat"] = chat
        bounds = [run.window_start, outcome.started, outcome.ended, run.window_end]
        windows = window_figures(run, bounds, marks)
        res["windows"] = windows
        res["purge"] = {
            "seconds": outcome.seconds,
            "returncode": outcome.returncode,
            "timed_out": outcome.timed_out,
            "said": outcome.output.strip()[-2000:],
            "conversations": outcome.conversations,
            "messages": outcome.messages,
            "cpu_user_s": outcome.cpu_user_s,
            "cpu_sys_s": outcome.cpu_sys_s,
        }
        stored = (
            asyncio.run(stored_postgres(pg.dsn, live_ids))
            if pg is not None
            else stored_sqlite(data_dir, live_ids)
        )
        live = check_live(run, live_ids, stored)
        res["left_behind"] = {
            "conversations": stored.other_conversations,
            "messages": stored.other_messages,
            "escrow_records": stored.escrow_records,
        }
        res["live_in_database"] = live
        if pg is None:
            res["database_bytes_after"] = sqlite_bytes(data_dir)

        print_result(chat, run.plan)
        for when, found in res["server_log"].items():
            if found["problem_lines"]:
                print(
                    f"  server log {when.replace('_', ' ')}: {found['problem_lines']} warning/"
                    f"error lines; exceptions: {found['exceptions'] or 'none'}"
                )
                for ln in found["first"]:
                    print("    " + ln)
        p = res["purge"]
        print(
            f"\n  purge: `python -m lykt purge` exited {p['returncode']}"
            + (" (killed: timed out)" if p["timed_out"] else "")
            + f" after {p['seconds']:.2f} s (spawn to exit; an empty one took "
            f"{empty_s:.2f} s); CPU {p['cpu_user_s']:.2f} s user + {p['cpu_sys_s']:.2f} s sys;"
            f" it said: {said_line(p['said'])}"
        )
        if pg is None:
            print(
                f"  database files: {seeded.database_bytes / 2**20:,.0f} MiB before, "
                f"{res['database_bytes_after'] / 2**20:,.0f} MiB after"
            )
        print("  chat latency by intended send time, before / during / after the purge:")
        print_windows(windows)
        lb = res["left_behind"]
        purge_ok = (
            p["returncode"] == 0
            and not p["timed_out"]
            and p["conversations"] == seeded.conversations
            and p["messages"] == seeded.messages
            and lb["conversations"] == 0
            and lb["messages"] == 0
            and lb["escrow_records"] == 0
        )
        live_ok = (
            chat["ok"]
            and not chat["refused"]
            and live["acked_not_stored"] == 0
            and live["stored_not_acked"] == 0
            and live["stored_never_sent"] == 0
            and live["stored_twice"] == 0
            and live["conversations_with_seq_gaps"] == 0
        )
        print(
            f"  checks: left behind {lb['conversations']} seeded conversations, "
            f"{lb['messages']} messages, {lb['escrow_records']} escrow records; purge said "
            f"{p['conversations']} / {p['messages']} (seeded {seeded.conversations} / "
            f"{seeded.messages})  -> {'OK' if purge_ok else 'FAILED'}"
        )
        print(
            f"          live messages in the database {live['stored_live_messages']}: acked but "
            f"not stored {live['acked_not_stored']}, stored but not acked "
            f"{live['stored_not_acked']} (+{live['stored_not_acked_socket_closed']} whose "
            f"socket the server closed), stored but never sent {live['stored_never_sent']}, "
            f"stored twice {live['stored_twice']}, conversations "
            f"with seq gaps {live['conversations_with_seq_gaps']}; refused "
            f"{sum(chat['refused'].values())}  -> {'OK' if live_ok else 'FAILED'}"
        )
        kept_up = windows["before"]["stored_per_s"] / plan.offered_per_s
        res["before_kept_up"] = kept_up
        if kept_up < 0.95:
            print(
                f"  WARNING: before the purge the server stored only "
                f"{windows['before']['stored_per_s']:.0f} of {plan.offered_per_s:g} msg/s "
                f"offered: the chat was already overloaded with the seeded rows in place, so "
                f"'before' is no baseline and the ratio means little"
            )
        before = windows["before"]["latency_ms"][HEADLINE].get("p99")
        during = windows["during"]["latency_ms"][HEADLINE].get("p99")
        ratio = during / before if before and during else None
        res["headline"] = {
            "messages": seeded.messages,
            "purge_s": outcome.seconds,
            "purge_only_s": outcome.purge_only_s,
            "target_s_per_million": TARGET_S[kind],
            "chat_p99_before_ms": before,
            "chat_p99_during_ms": during,
            "ratio": ratio,
            "target_ratio": TARGET_RATIO,
        }
        res["line"] = (
            f"purge: {seeded.messages:,} messages in {outcome.seconds:.2f} s on {kind} "
            + (
                f"({outcome.purge_only_s:.2f} s of it the purge itself, the rest starting "
                "the command) "
                if outcome.purge_only_s is not None
                else ""
            )
            + (
                f"(target {TARGET_S[kind]:g} s)"
                if seeded.messages == 1_000_000
                else f"(target: 1,000,000 in {TARGET_S[kind]:g} s)"
            )
            + "; chat p99 "
            f"{fmt_ms(before).strip()} ms before, {fmt_ms(during).strip()} ms during (ratio "
            f"{'-' if ratio is None else format(ratio, '.2f')}, target at most "
            f"{TARGET_RATIO:g})"
            + ("" if kept_up >= 0.95 else " [chat overloaded before the purge]")
        )
        res["ok"] = purge_ok and live_ok
        return res
    finally:
        if pg is not None:
            with contextlib.suppress(Exception):
                children.stop_all()  # nothing may hold a connection to it any more
            pg.drop()


# -- main -------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.purge_load",
        description="Scenario (f): purge of a million expired messages, timed, and the chat's "
        "latency before and while it runs, all on 127.0.0.1.",
    )
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("LYKT_BENCH_POSTGRES_URL", DEFAULT_PG_ADMIN),
        help="a PostgreSQL server on which we may CREATE DATABASE (default: "
        f"$LYKT_BENCH_POSTGRES_URL or {DEFAULT_PG_ADMIN})",
    )
    p.add_argument("--messages", type=int, default=1_000_000, help="expired messages to seed")
    p.add_argument("--per-conversation", type=int, default=50, help="messages per conversation")
    p.add_argument(
        "--escrow-per-conversation",
        type=int,
        default=1,
        help="sealed escrow records per seeded conversation (0: none)",
    )
    p.add_argument(
        "--interleave",
        type=int,
        default=10,
        help="seeded conversations whose messages alternate in insertion order (as that many "
        "concurrent chats would leave them)",
    )
    p.add_argument("--conversations", type=int, default=50, help="live 1:1 chats during the run")
    p.add_argument(
        "--rate-per-conv", type=float, default=2.0, help="messages/s per chat in EACH direction"
    )
    p.add_argument("--message-chars", type=int, default=100, help="text length, live and seeded")
    p.add_argument("--convs-per-host", type=int, default=0, help="as in bench.chat_load")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load not measured")
    p.add_argument("--before", type=float, default=10.0, help="measured seconds before the purge")
    p.add_argument(
        "--after", type=float, default=3.0, help="seconds the load goes on after the purge"
    )
    p.add_argument(
        "--purge-timeout", type=float, default=180.0, help="the purge is killed after this"
    )
    p.add_argument("--drain-timeout", type=float, default=30.0)
    p.add_argument("--cli-jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--data-parent", type=Path, default=None, help="where the temporary dir goes")
    p.add_argument("--keep-data", action="store_true", help="keep the data dirs and logs")
    p.add_argument(
        "--seed-only",
        action="store_true",
        help="seed, keep the data (and the PostgreSQL database: drop it yourself) and stop, "
        "to study the purge by hand",
    )
    p.add_argument(
        "--profile-purge",
        type=Path,
        default=None,
        help="run the purge under `py-spy record --idle` (.svg, .json speedscope, else raw); "
        "it slows the purge down, so the figure is then not the real one",
    )
    p.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    args = p.parse_args(argv)
    if not 1 <= args.per_conversation <= 10_000 or not 1 <= args.messages <= 20_000_000:
        p.error("--messages must be 1..20,000,000 and --per-conversation 1..10,000")
    if not 0 <= args.escrow_per_conversation <= 100 or not 1 <= args.interleave <= 1000:
        p.error("--escrow-per-conversation must be 0..100 and --interleave 1..1000")
    if not 1 <= args.conversations <= 5000 or not 0 < args.rate_per_conv <= 100:
        p.error("--conversations must be 1..5000 and --rate-per-conv in (0, 100]")
    if not 1 <= args.message_chars <= 4000 or not 0 <= args.convs_per_host <= 20:
        p.error("--message-chars must be 1..4000 and --convs-per-host 0..20")
    if not 0 <= args.warmup <= 120 or not 1 <= args.before <= 600 or not 0 <= args.after <= 600:
        p.error("--warmup must be 0..120 s, --before 1..600 s, --after 0..600 s")
    if not 1 <= args.purge_timeout <= 3600 or not 0 < args.drain_timeout <= 300:
        p.error("--purge-timeout must be 1..3600 s and --drain-timeout in (0, 300]")
    return args


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan(
        conversations=args.conversations,
        rate=args.rate_per_conv,
        convs_per_host=args.convs_per_host or default_convs_per_host(args.rate_per_conv),
        duration=args.before,  # replaced by the real measured length after the run
        warmup=args.warmup,
        message_chars=args.message_chars,
        drain_timeout=args.drain_timeout,
    )
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    opts = Options(
        seed=SeedSpec(
            messages=args.messages,
            per_conversation=args.per_conversation,
            escrow_per_conversation=args.escrow_per_conversation,
            interleave=args.interleave,
            message_chars=args.message_chars,
        ),
        plan=plan,
        timing=Timing(args.warmup, args.before, args.after, args.purge_timeout),
        cli_jobs=args.cli_jobs,
        profile_purge=args.profile_purge.resolve() if args.profile_purge else None,
        seed_only=args.seed_only,
        kinds=kinds,
    )
    print(
        f"plan: purge {args.messages:,} messages ({opts.seed.conversations:,} conversations x "
        f"{args.per_conversation}, ended {SEED_AGE_H}-{SEED_AGE_H + SEED_SPREAD_H} h ago) on "
        f"{', '.join(kinds)}, while {plan.conversations} live chats send {plan.rate:g} msg/s "
        f"each way ({plan.offered_per_s:g} msg/s; {plan.hosts} hosts x {plan.convs_per_host}); "
        f"warmup {args.warmup:g} s, {args.before:g} s before the purge, {args.after:g} s after"
    )
    print(
        f"      {os.cpu_count()} CPUs, Python {platform.python_version()}, pid {os.getpid()}"
        + (
            f"; the purge runs under py-spy ({opts.profile_purge}): its time is not the real one"
            if opts.profile_purge
            else ""
        )
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    children = Children()
    workdir = Path(tempfile.mkdtemp(prefix="lykt-purge-bench-", dir=args.data_parent))
    keep = args.keep_data or args.seed_only
    results: dict[str, Any] = {
        "plan": {
            "seed": dataclasses.asdict(opts.seed),
            "chat": {**plan.__dict__, "hosts": plan.hosts, "offered_per_s": plan.offered_per_s},
            "timing": dataclasses.asdict(opts.timing),
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets": {"seconds_per_million": TARGET_S, "p99_ratio": TARGET_RATIO},
    }
    ok = True
    lines: list[str] = []
    try:
        for kind in kinds:
            try:
                res = run_database(kind, opts, children, workdir, args.postgres_url)
            except (OSError, RuntimeError, asyncpg.PostgresError, subprocess.SubprocessError) as e:
                print(f"  {kind}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
                res = {"database": kind, "ok": False, "error": f"{type(e).__name__}: {e}"}
            results[kind] = res
            ok &= bool(res["ok"])
            if "line" in res:
                lines.append(res["line"] + ("" if res["ok"] else "  [CHECKS FAILED]"))
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        if keep:
            print(f"\ndata and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if lines:
        print()
        for line in lines:
            print(line)
    if args.json is not None:
        write_json(args.json, results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

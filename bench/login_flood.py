"""Scenario (g): a staff member's login while a flood of wrong logins hits the server.

    .venv/bin/python -m bench.login_flood [--duration 30] [--flood both|limits|lifted]
        [--sources 50] [--accounts 40] [--baseline-logins 20] [--json out.json]

A benchmark, not a test: it measures this machine. Everything runs on 127.0.0.1, is bounded in
time and count, and every process it starts is stopped on exit (also on Ctrl-C, SIGTERM or an
error; the children also get SIGTERM if the benchmark itself dies).

Setup (not measured): a fresh temporary data directory (SQLite); ``--accounts`` real staff
accounts and ``--victims`` victim accounts added in one process through Lykt's own
``add_staff`` with the REAL argon2 parameters (the point is CPU contention from hashing, so
the server verifies full-cost hashes); ``python -m lykt serve`` with
``LYKT_TRUSTED_PROXIES='["127.0.0.1"]'`` and ``LYKT_OPENING_HOURS=always``. Every request
names its client in ``X-Lykt-Client: ip:port``, which the server believes from 127.0.0.1, so
one client on loopback plays many sources (each a keyed hash of its address).

1. **Baseline**: ``--baseline-logins`` real logins one after another with no other load, each
   with a fresh account, a fresh source address (198.51.100.x, then 192.0.2.x), the right
   password and a TOTP code (``pyotp.TOTP(secret).now()``). A code works once per account, so
   an account is used again only in a later 30 s step (none is, with the defaults, within a
   phase).
2. **Flood**: a child process plays ``--sources`` sources (203.0.113.1..50), each sending
   wrong logins on its own keep-alive connection as fast as the server answers (it ignores
   ``Retry-After``, as an attacker would): ``--victim-share`` of them at the victims' emails,
   the rest at made-up emails (a new one each time, so the server's dummy hash is verified
   and no per-pair wait ever applies). After ``--warmup`` seconds (the flood under way) the
   same kind of real login as in 1 runs one after another for ``--duration``
   seconds. A real login answered ``429`` is retried from the same source after its
   ``Retry-After`` (until ``--give-up`` seconds): it did not succeed at the first try, and its
   time to success is reported too. The flood goes on until the last real login has its
   answer; its answers in that window are counted by kind: ``401`` (hashed and wrong), ``429``
   from the per-source login limit, from the hash gate (too many waiting), from the
   account's or pair's wait (too many wrong tries).

``--flood`` picks the server: ``limits`` is the server as deployed (per source: 10 logins at
once, 10 a minute); ``lifted`` lifts the per-source login limit
(``LYKT_SOURCE_LOGINS_BURST``/``_PER_MIN`` a million), so the hash gate alone stands between
the flood and the CPU, as with a botnet of thousands of addresses; ``both`` (the default) runs
one after the other, each on a fresh server process over the same database.

CPU over each measured window (``/proc``): the server (all threads, and its main thread, the
event loop), the flood client, this process, and the whole machine, so a busy neighbour shows.
The client shares the machine's cores with the server: the flood's own CPU is CPU the server
does not get, which a real attacker elsewhere would not take.

The target (issue): a real login answers within 1 s during the flood. Figures are printed
beside the same-run baseline with the ratio; ``--json`` writes every figure and every login.
Exit status 1 if a real login never succeeded or got an answer other than 200/429.
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
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyotp

from bench.chat_load import (
    ROOT,
    Children,
    _die_with_parent,
    _raise_interrupt,
    all_process_cpu,
    machine_busy_s,
    proc_cpu_s,
    server_log_report,
    start_lykt_server,
    start_py_spy,
    top_others,
    write_json,
)

TARGET_S = 1.0
TOTP_STEP_S = 30
LOGIN_PATH = "/api/staff/login"
CLIENT_HEADER = "X-Lykt-Client"
FLOOD_NAMES = {
    "limits": "flood, the server's login limits",
    "lifted": "flood, no per-source login limit",
}
# What the body of a 429 says, for telling who turned the flood away (src/lykt/web/api.py,
# actions/passwords.HashGate, actions/sessions.LoginGuard).
REASONS = (
    (b"try again soon", "429 per-source limit"),
    (b"in a moment", "429 hash gate full"),
    (b"wrong tries", "429 account/pair wait"),
)
SHORT = {
    "401 wrong": "401",
    "429 per-source limit": "429 source",
    "429 hash gate full": "429 gate",
    "429 account/pair wait": "429 waits",
    "other": "other",
}
KINDS = (
    "401 wrong",
    "429 per-source limit",
    "429 hash gate full",
    "429 account/pair wait",
    "other",
)


# -- small helpers ---------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (exact for the few dozen logins measured here)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def spread(values: list[float]) -> dict[str, float | None]:
    return {
        "count": len(values),
        "p50": pct(values, 50),
        "p90": pct(values, 90),
        "max": max(values) if values else None,
    }


def real_source(index: int) -> str:
    """A fresh address for the index-th real login: 198.51.100.1.., then 192.0.2.1.."""
    nets = ("198.51.100", "192.0.2", "100.64.0", "100.64.1")
    net, host = divmod(index, 254)
    return f"{nets[net % len(nets)]}.{host + 1}"


def lykt_login_env(data_dir: Path, lifted: bool) -> dict[str, str]:
    """The server's (and the account adder's) environment: no LYKT_* of the caller's leaks in;
    loopback is the trusted proxy, so X-Lykt-Client names each request's source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LYKT_")}
    env.update(
        LYKT_DATA_DIR=str(data_dir),
        LYKT_OPENING_HOURS="always",
        LYKT_TRUSTED_PROXIES='["127.0.0.1"]',
    )
    if lifted:
        env.update(LYKT_SOURCE_LOGINS_BURST="1000000", LYKT_SOURCE_LOGINS_PER_MIN="1000000")
    return env


# -- accounts --------------------------------------------------------------------------------
@dataclass
class Account:
    email: str
    password: str
    secret: str = ""
    last_step: int = -1  # the TOTP step of its last login: a code works once per account


def add_accounts(env: dict[str, str], accounts: list[Account]) -> None:
    """Every account in ONE process, through Lykt's own ``add_staff`` (what ``lykt staff add``
    runs) with the real argon2 parameters; the hashes go through the gate, two at a time."""
    request = orjson.dumps(
        {"accounts": [{"email": a.email, "password": a.password} for a in accounts]}
    )
    done = subprocess.run(
        [sys.executable, "-c", "import bench.login_flood as m; m.add_accounts_child()"],
        env=env,
        cwd=ROOT,
        input=request,
        capture_output=True,
        timeout=120 + 3 * len(accounts),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"adding accounts failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}"
        )
    secrets_by_email = orjson.loads(done.stdout.splitlines()[-1])
    for account in accounts:
        account.secret = secrets_by_email[account.email]


def add_accounts_child() -> None:
    """The process :func:`add_accounts` starts: accounts as JSON on stdin, settings from the
    environment; prints each account's TOTP secret as JSON."""
    import lykt.actions.passwords as passwords
    import lykt.actions.staff as staff_actions
    from lykt.app import build_context, close_databases, open_databases
    from lykt.bus import InMemoryBus
    from lykt.settings import Settings

    request = orjson.loads(sys.stdin.buffer.read())
    default = passwords.PasswordHasher()
    if (passwords.hasher.time_cost, passwords.hasher.memory_cost) != (
        default.time_cost,
        default.memory_cost,
    ):
        print("note: lykt's hasher is not argon2's default any more", file=sys.stderr)
    added: dict[str, str] = {}

    async def add_all() -> None:
        ctx = build_context(Settings(), bus=InMemoryBus())
        try:
            await open_databases(ctx)

            at_once = asyncio.Semaphore(4)  # the gate hashes two at once, keeps 32 waiting

            async def one(i: int, entry: dict[str, str]) -> None:
                async with at_once:
                    staff = await staff_actions.add_staff(
                        ctx, entry["email"], f"Bench {i}", "host", entry["password"]
                    )
                assert staff.totp_secret is not None
                added[staff.email] = staff.totp_secret

            first, *rest = request["accounts"]
            await one(0, first)  # alone: nothing else writes while the first one goes in
            await asyncio.gather(*(one(i + 1, e) for i, e in enumerate(rest)))
        finally:
            await close_databases(ctx)

    asyncio.run(add_all())
    print(orjson.dumps(added).decode())


class AccountPool:
    """Hands out the account unused the longest whose last code is from an earlier step."""

    def __init__(self, accounts: list[Account]) -> None:
        self.accounts = accounts
        self.waited_s = 0.0

    async def take(self, deadline: float) -> Account | None:
        while True:
            step = int(time.time() // TOTP_STEP_S)
            free = [a for a in self.accounts if a.last_step < step]
            if free:
                return min(free, key=lambda a: a.last_step)
            wait = (step + 1) * TOTP_STEP_S - time.time() + 0.05
            if time.monotonic() + wait > deadline:
                return None
            self.waited_s += wait
            await asyncio.sleep(wait)


# -- the real logins -------------------------------------------------------------------------
@dataclass
class Login:
    email: str
    source: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    first_answer_s: float = 0.0
    to_success_s: float | None = None
    started: float = 0.0

    @property
    def first_status(self) -> int:
        return int(self.attempts[0]["status"]) if self.attempts else 0

    @property
    def first_try_ok(self) -> bool:
        return self.first_status == 200


async def real_login(
    http: httpx.AsyncClient, account: Account, index: int, give_up_s: float
) -> Login:
    """One member logging in from their own (fresh) address: right password and code; on 429
    they wait for Retry-After and try again, from the same address."""
    source = real_source(index)
    header = {CLIENT_HEADER: f"{source}:{40000 + index % 20000}"}
    login = Login(account.email, source, started=time.monotonic())
    while True:
        code = pyotp.TOTP(account.secret).now()
        step = int(time.time() // TOTP_STEP_S)
        sent = time.monotonic()
        try:
            r = await http.post(
                LOGIN_PATH,
                json={"email": account.email, "password": account.password, "otp": code},
                headers=header,
            )
            status, retry_after = r.status_code, r.headers.get("retry-after")
            error = "" if status == 200 else str(r.json().get("error", ""))[:40]
        except httpx.HTTPError as exc:
            status, retry_after, error = 0, None, type(exc).__name__
        now = time.monotonic()
        http.cookies.clear()
        login.attempts.append(
            {"status": status, "s": now - sent, "retry_after": retry_after, "error": error}
        )
        if len(login.attempts) == 1:
            login.first_answer_s = now - sent
        if status == 200:
            account.last_step = max(account.last_step, step)
            login.to_success_s = now - login.started
            return login
        if status != 429:
            account.last_step = max(account.last_step, step + 1)  # its code may be spent
            return login
        wait = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
        if now + wait - login.started > give_up_s:
            return login
        await asyncio.sleep(wait)


async def run_real_logins(
    base_url: str,
    pool: AccountPool,
    first_index: int,
    *,
    count: int | None,
    until: float | None,
    give_up_s: float,
) -> list[Login]:
    """Real logins one after another: ``count`` of them, or as many as start before
    ``until`` (monotonic)."""
    logins: list[Login] = []
    hard_deadline = (until or time.monotonic() + 600) + give_up_s
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=give_up_s) as http:
        while (count is None or len(logins) < count) and (
            until is None or time.monotonic() < until
        ):
            account = await pool.take(until if until is not None else hard_deadline)
            if account is None or (until is not None and time.monotonic() >= until):
                break
            logins.append(await real_login(http, account, first_index + len(logins), give_up_s))
    return logins


def summarize_logins(logins: list[Login], t0: float) -> dict[str, Any]:
    """The figures of a phase's real logins; ``t0`` (monotonic) is the start of its window."""
    ok = [g for g in logins if g.to_success_s is not None]
    first_ok = [g for g in logins if g.first_try_ok]
    return {
        "logins": len(logins),
        "first_try_ok": len(first_ok),
        "succeeded": len(ok),
        "never_succeeded": len(logins) - len(ok),
        "first_try_ok_within_target": sum(g.first_answer_s <= TARGET_S for g in first_ok),
        "first_statuses": dict(collections.Counter(str(g.first_status) for g in logins)),
        "first_answer_s": spread([g.first_answer_s for g in logins]),
        "to_success_s": spread([g.to_success_s for g in ok if g.to_success_s is not None]),
        "retry_after_first_s": spread(
            [
                float(g.attempts[0]["retry_after"])
                for g in logins
                if g.first_status == 429 and str(g.attempts[0]["retry_after"] or "").isdigit()
            ]
        ),
        "each": [
            {
                "email": g.email,
                "source": g.source,
                "at_s": round(g.started - t0, 3),
                "first_status": g.first_status,
                "first_answer_s": round(g.first_answer_s, 4),
                "to_success_s": None if g.to_success_s is None else round(g.to_success_s, 4),
                "attempts": g.attempts,
            }
            for g in logins
        ],
    }


# -- the flood (a child process) -------------------------------------------------------------
async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


def _kind(status: int, body: bytes) -> str:
    if status == 401:
        return "401 wrong"
    if status == 429:
        for needle, kind in REASONS:
            if needle in body:
                return kind
    return "other"


async def flood_async(config: dict[str, Any]) -> dict[str, Any]:
    """``sources`` keep-alive connections, each sending wrong logins back to back, until a
    line arrives on stdin (or ``hard_stop``). Every answer is kept as (time, kind, latency)."""
    port, sources = int(config["port"]), int(config["sources"])
    victims: list[str] = config["victims"]
    share = float(config["victim_share"])
    rng = random.Random(config["seed"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    stop_line: list[str] = []

    def read_stdin() -> None:
        line = sys.stdin.readline()
        stop_line.append(line)
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=read_stdin, daemon=True).start()
    loop.call_later(max(0.0, config["hard_stop"] - time.monotonic()), stop.set)
    await asyncio.sleep(max(0.0, config["start_at"] - time.monotonic()))
    started = time.monotonic()
    answers: list[tuple[float, str, float]] = []
    errors: collections.Counter[str] = collections.Counter()

    async def source(i: int) -> None:
        ip, cport = f"203.0.113.{i + 1}", 50000 + i
        writer: asyncio.StreamWriter | None = None
        while not stop.is_set():
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                if rng.random() < share and victims:
                    email = rng.choice(victims)
                else:
                    email = f"nobody-{rng.getrandbits(48):012x}@example.org"
                body = orjson.dumps(
                    {
                        "email": email,
                        "password": f"wrong-{rng.getrandbits(64):016x}",
                        "otp": f"{rng.randrange(10**6):06d}",
                    }
                )
                request = (
                    f"POST {LOGIN_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    f"{CLIENT_HEADER}: {ip}:{cport}\r\n\r\n"
                ).encode() + body
                sent = time.monotonic()
                writer.write(request)
                status, answer = await _read_response(reader)
                now = time.monotonic()
                answers.append((now, _kind(status, answer), now - sent))
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] += 1
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(0.05)

    tasks = [asyncio.create_task(source(i)) for i in range(sources)]
    await stop.wait()
    stopped = time.monotonic()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    window_start, window_end = started, stopped
    with contextlib.suppress(ValueError, IndexError):
        window_start, window_end = (float(x) for x in stop_line[0].split()[:2])
    inside = [a for a in answers if window_start <= a[0] < window_end]
    wall = max(1e-9, window_end - window_start)
    by_kind = collections.Counter(a[1] for a in inside)
    latency = {
        kind: spread([a[2] for a in inside if a[1] == kind]) for kind in KINDS if by_kind[kind]
    }
    return {
        "started": started,
        "stopped": stopped,
        "window_s": wall,
        "answers": len(inside),
        "answers_per_s": len(inside) / wall,
        "by_kind": {k: by_kind[k] for k in KINDS},
        "per_s": {k: by_kind[k] / wall for k in KINDS},
        "latency_s": latency,
        "answers_total": len(answers),
        "connection_errors": dict(errors),
    }


def flood_child(config_json: str) -> None:
    result = asyncio.run(flood_async(orjson.loads(config_json)))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    sys.stdout.flush()


class Flood:
    """The flood's process: started at ``start_at``, stopped when told, its answers counted
    over the window it is told."""

    def __init__(
        self, children: Children, workdir: Path, name: str, config: dict[str, Any]
    ) -> None:
        self.out_path = workdir / f"flood-{name}.json"
        self.children = children
        with self.out_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.login_flood", "--flood-child", orjson.dumps(config)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        children.procs.append(self.proc)

    def finish(self, window_start: float, window_end: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(f"{window_start} {window_end}\n".encode())
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        finally:
            self.children.stop(self.proc)
        text = self.out_path.read_text(errors="replace")
        try:
            return dict(orjson.loads(text.strip().splitlines()[-1]))
        except (orjson.JSONDecodeError, IndexError) as exc:
            raise RuntimeError(f"the flood process said:\n{text[-2000:]}") from exc


# -- CPU -------------------------------------------------------------------------------------
class Cpu:
    """CPU seconds of the server, the flood and this process, and the machine, between two
    snapshots."""

    def __init__(self, server_pid: int, flood_pid: int | None) -> None:
        self.server_pid, self.flood_pid = server_pid, flood_pid
        self.start = self._snap()
        self.procs = all_process_cpu()

    def _snap(self) -> dict[str, float]:
        server, server_main = proc_cpu_s(self.server_pid)
        out = {
            "t": time.monotonic(),
            "server": server,
            "server_main": server_main,
            "client": time.process_time(),
            "machine": machine_busy_s(),
            "flood": 0.0,
        }
        if self.flood_pid is not None:
            with contextlib.suppress(OSError):
                out["flood"] = proc_cpu_s(self.flood_pid)[0]
        return out

    def end(self) -> dict[str, Any]:
        end = self._snap()
        procs = all_process_cpu()
        d = {k: end[k] - self.start[k] for k in end}
        wall = max(1e-9, d["t"])
        others = d["machine"] - d["server"] - d["flood"] - d["client"]
        skip = {os.getpid(), self.server_pid}
        if self.flood_pid is not None:
            skip.add(self.flood_pid)
        return {
            "wall_s": wall,
            "server_cpu_s": d["server"],
            "server_pct_of_core": 100 * d["server"] / wall,
            "server_main_thread_pct_of_core": 100 * d["server_main"] / wall,
            "flood_client_pct_of_core": 100 * d["flood"] / wall,
            "login_client_pct_of_core": 100 * d["client"] / wall,
            "machine_busy_pct_of_core": 100 * d["machine"] / wall,
            "others_pct_of_core": 100 * max(0.0, others) / wall,
            "other_top": top_others(self.procs, procs, skip),
        }


# -- the phases ------------------------------------------------------------------------------
def baseline_phase(
    args: argparse.Namespace, port: int, server_pid: int, pool: AccountPool
) -> dict[str, Any]:
    cpu = Cpu(server_pid, None)
    logins = asyncio.run(
        run_real_logins(
            f"http://127.0.0.1:{port}",
            pool,
            0,
            count=args.baseline_logins,
            until=None,
            give_up_s=args.give_up,
        )
    )
    res = summarize_logins(logins, cpu.start["t"])
    res["cpu"] = cpu.end()
    if logins:
        res["cpu"]["server_cpu_per_login_s"] = res["cpu"]["server_cpu_s"] / len(logins)
    return res


def flood_phase(
    args: argparse.Namespace,
    name: str,
    children: Children,
    workdir: Path,
    port: int,
    server_pid: int,
    pool: AccountPool,
    victims: list[Account],
    first_index: int,
) -> dict[str, Any]:
    start_at = time.monotonic() + 1.5  # the child's imports
    window_start = start_at + args.warmup
    flood = Flood(
        children,
        workdir,
        name,
        {
            "port": port,
            "sources": args.sources,
            "victims": [v.email for v in victims],
            "victim_share": args.victim_share,
            "seed": args.seed,
            "start_at": start_at,
            "hard_stop": window_start + args.duration + args.give_up + 60,
        },
    )
    spy = None
    try:
        time.sleep(max(0.0, window_start - time.monotonic() - 0.3))
        if args.profile is not None:
            out = args.profile.with_name(f"{args.profile.stem}-{name}{args.profile.suffix}")
            spy = start_py_spy(server_pid, out, args.duration)
        time.sleep(max(0.0, window_start - time.monotonic()))
        cpu = Cpu(server_pid, flood.proc.pid)
        logins = asyncio.run(
            run_real_logins(
                f"http://127.0.0.1:{port}",
                pool,
                first_index,
                count=args.max_logins,
                until=window_start + args.duration,
                give_up_s=args.give_up,
            )
        )
        window_end = time.monotonic()
        cpu_used = cpu.end()
    except BaseException:
        children.stop(flood.proc)
        raise
    finally:
        if spy is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=args.duration + 30)
            if spy.poll() is None:
                spy.kill()
                spy.wait()
    flood_res = flood.finish(window_start, window_end)
    res = summarize_logins(logins, window_start)
    res.update(cpu=cpu_used, flood=flood_res, accounts_wait_s=pool.waited_s)
    if flood_res["started"] > window_start:
        res["note"] = f"the flood started {flood_res['started'] - window_start:.2f} s late"
    return res


# -- report ----------------------------------------------------------------------------------
def fmt_s(v: float | None) -> str:
    return "    -" if v is None else (f"{v:5.3f}" if v < 10 else f"{v:5.1f}")


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.1f}x"


def print_report(results: dict[str, Any]) -> None:
    base = results.get("baseline")
    phases = [("baseline, no load", base)] + [
        (FLOOD_NAMES[k], results["floods"][k]) for k in results.get("floods", {})
    ]
    print("\n=== real logins (seconds; each a fresh account and source) ===")
    print(
        f"{'':<38}{'n':>4}{'1st try ok':>12}{'≤1 s':>6}   first answer p50 / p90 / max"
        "     to success p50 / p90 / max"
    )
    for label, res in phases:
        if not res:
            continue
        fa, ts = res["first_answer_s"], res["to_success_s"]
        print(
            f"  {label:<36}{res['logins']:>4}{res['first_try_ok']:>7}/{res['logins']:<4}"
            f"{res['first_try_ok_within_target']:>6}     "
            f"{fmt_s(fa['p50'])} / {fmt_s(fa['p90'])} / {fmt_s(fa['max'])}"
            f"          {fmt_s(ts['p50'])} / {fmt_s(ts['p90'])} / {fmt_s(ts['max'])}"
        )
    if base:
        for label, res in phases[1:]:
            if not res:
                continue
            fa, bfa = res["first_answer_s"], base["first_answer_s"]
            ts, bts = res["to_success_s"], base["to_success_s"]
            print(
                f"  {'  ratio to baseline: ' + label[7:]:<58}     "
                f"{ratio(fa['p50'], bfa['p50'])} / {ratio(fa['p90'], bfa['p90'])} / "
                f"{ratio(fa['max'], bfa['max'])}"
                f"          {ratio(ts['p50'], bts['p50'])} / {ratio(ts['p90'], bts['p90'])} / "
                f"{ratio(ts['max'], bts['max'])}"
            )
    for label, res in phases[1:]:
        if res and res["first_statuses"] != {"200": res["logins"]}:
            print(
                f"  {label}: first answers {res['first_statuses']}; Retry-After of the first "
                f"429s p50/max {res['retry_after_first_s']['p50']} / "
                f"{res['retry_after_first_s']['max']} s; never succeeded "
                f"{res['never_succeeded']}"
            )
    for label, res in phases[1:]:
        if res:
            seq = ", ".join(
                f"{e['at_s']:.0f}s:{e['first_answer_s']:.2f}"
                + ("" if e["first_status"] == 200 else f"({e['first_status']})")
                for e in res["each"]
            )
            print(f"  {label}, each login (start: first answer): {seq}")
    floods = results.get("floods", {})
    if floods:
        print(f"\n=== the flood ({results['plan']['sources']} sources), answers a second ===")
        print(f"{'':<38}{'all':>8}" + "".join(f"{SHORT[k]:>12}" for k in KINDS))
        for key, res in floods.items():
            f = res["flood"]
            print(
                f"  {FLOOD_NAMES[key]:<36}{f['answers_per_s']:>8.1f}"
                + "".join(f"{f['per_s'][k]:>12.1f}" for k in KINDS)
            )
            lat = f["latency_s"].get("401 wrong")
            if lat:
                print(
                    f"  {'':<36}a 401 (hashed) took p50 {fmt_s(lat['p50'])} s, p90 "
                    f"{fmt_s(lat['p90'])} s; {f['answers']} answers in "
                    f"{f['window_s']:.1f} s; connection errors {f['connection_errors'] or 0}"
                )
    print("\n=== CPU over each window, % of one core ===")
    print(
        f"{'':<38}{'server':>8}{'main thr':>10}{'flood':>8}{'logins':>8}{'others':>8}"
        f"{'machine':>9}  busiest others (CPU-s)"
    )
    for label, res in phases:
        if not res:
            continue
        c = res["cpu"]
        print(
            f"  {label:<36}{c['server_pct_of_core']:>8.0f}"
            f"{c['server_main_thread_pct_of_core']:>10.0f}{c['flood_client_pct_of_core']:>8.0f}"
            f"{c['login_client_pct_of_core']:>8.0f}{c['others_pct_of_core']:>8.0f}"
            f"{c['machine_busy_pct_of_core']:>9.0f}  {c['other_top']}"
        )
    if base and base["logins"]:
        print(
            f"  server CPU per login in the baseline: "
            f"{1000 * base['cpu']['server_cpu_per_login_s']:.0f} ms ({os.cpu_count()} CPUs)"
        )
    for key, res in floods.items():
        fa = res["first_answer_s"]
        worst = res["to_success_s"]["max"]
        met = res["first_try_ok"] == res["logins"] > 0 and (fa["max"] or 0) <= TARGET_S
        print(
            f"target ({FLOOD_NAMES[key]}): every real login answered and in within "
            f"{TARGET_S:g} s: {'met' if met else 'MISSED'} (first answer max "
            f"{fmt_s(fa['max'])} s, p90 {fmt_s(fa['p90'])} s; time to success max "
            f"{fmt_s(worst)} s)"
        )


# -- main ------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.login_flood",
        description="A real staff login while 50 sources flood the login with wrong "
        "passwords, against the same logins with no load; all on 127.0.0.1.",
    )
    p.add_argument("--duration", type=float, default=30.0, help="measured seconds per flood")
    p.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of flood before the first real login"
    )
    p.add_argument(
        "--flood",
        choices=("both", "limits", "lifted"),
        default="both",
        help="the server's per-source login limits as deployed, lifted, or both (default)",
    )
    p.add_argument("--sources", type=int, default=50, help="flood sources (203.0.113.x)")
    p.add_argument(
        "--victim-share",
        type=float,
        default=0.25,
        help="share of flood attempts at existing (victim) emails; the rest made up",
    )
    p.add_argument("--victims", type=int, default=3, help="victim accounts the flood tries")
    p.add_argument(
        "--accounts",
        type=int,
        default=40,
        help="real accounts (full-cost hashes; adding one takes about 0.5 s here)",
    )
    p.add_argument("--baseline-logins", type=int, default=20, help="real logins with no load")
    p.add_argument(
        "--max-logins", type=int, default=200, help="at most this many real logins per flood"
    )
    p.add_argument(
        "--give-up",
        type=float,
        default=60.0,
        help="a real login that has not succeeded this long after its first try has failed",
    )
    p.add_argument("--seed", type=int, default=1, help="the flood's random emails and passwords")
    p.add_argument(
        "--data-parent", type=Path, default=None, help="where to make the temporary data dir"
    )
    p.add_argument("--keep-data", action="store_true", help="keep the data dir and logs")
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy the server during each flood window (NAME-<flood>.svg flamegraph, .json "
        "speedscope, anything else: raw collapsed stacks)",
    )
    p.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    p.add_argument("--flood-child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.flood_child is None:
        if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
            p.error("--duration must be 1..600 s and --warmup 0..60 s")
        if not 1 <= args.sources <= 250:
            p.error("--sources must be 1..250")
        if not 0 <= args.victim_share <= 1 or not 0 <= args.victims <= 50:
            p.error("--victim-share must be 0..1 and --victims 0..50")
        if not 1 <= args.accounts <= 500 or not 1 <= args.baseline_logins <= 500:
            p.error("--accounts and --baseline-logins must be 1..500")
        if not 1 <= args.max_logins <= 2000 or not 1 <= args.give_up <= 300:
            p.error("--max-logins must be 1..2000 and --give-up 1..300 s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.flood_child is not None:
        flood_child(args.flood_child)
        return 0
    floods = ["limits", "lifted"] if args.flood == "both" else [args.flood]
    print(
        f"plan: baseline {args.baseline_logins} real logins; then per flood ({', '.join(floods)}) "
        f"{args.sources} sources for {args.warmup:g} + {args.duration:g} s, "
        f"{args.victim_share:.0%} at {args.victims} victims; {args.accounts} real accounts"
    )
    print(f"      {os.cpu_count()} CPUs, Python {platform.python_version()}, pid {os.getpid()}")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    children = Children()
    workdir = Path(tempfile.mkdtemp(prefix="lykt-bench-login-", dir=args.data_parent))
    data_dir = workdir / "data"
    results: dict[str, Any] = {
        "plan": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "workdir": str(workdir),
        },
        "floods": {},
        "server_logs": {},
    }
    ok = True
    try:
        accounts = [
            Account(f"real-{i}@example.org", secrets.token_urlsafe(18))
            for i in range(args.accounts)
        ]
        victims = [
            Account(f"victim-{i}@example.org", secrets.token_urlsafe(18))
            for i in range(args.victims)
        ]
        t = time.monotonic()
        add_accounts(lykt_login_env(data_dir, False), accounts + victims)
        print(
            f"added {len(accounts)} real and {len(victims)} victim accounts (real argon2 "
            f"parameters) in {time.monotonic() - t:.1f} s",
            flush=True,
        )
        pool = AccountPool(accounts)
        used = 0
        for n, lifted in enumerate(sorted({f == "lifted" for f in floods})):
            todo = [f for f in floods if (f == "lifted") == lifted]
            log_path = workdir / f"server-{'lifted' if lifted else 'limits'}.log"
            proc, port = start_lykt_server(children, lykt_login_env(data_dir, lifted), log_path)
            try:
                print(f"lykt serve pid {proc.pid} on 127.0.0.1:{port} ({log_path.name})")
                if n == 0:  # the baseline on the first server (its limits do not matter)
                    print(f"baseline: {args.baseline_logins} real logins, no load …", flush=True)
                    res = baseline_phase(args, port, proc.pid, pool)
                    results["baseline"] = res
                    used += res["logins"]
                for name in todo:
                    print(f"{FLOOD_NAMES[name]} …", flush=True)
                    pool.waited_s = 0.0
                    res = flood_phase(
                        args, name, children, workdir, port, proc.pid, pool, victims, used
                    )
                    results["floods"][name] = res
                    used += res["logins"]
            finally:
                stop_offset = log_path.stat().st_size if log_path.exists() else 0
                children.stop(proc)
                results["server_logs"][log_path.name] = server_log_report(
                    log_path, stop_offset, log_path.stem
                )
        for res in (results.get("baseline"), *results["floods"].values()):
            if res and (res["never_succeeded"] or set(res["first_statuses"]) - {"200", "429"}):
                ok = False
        print_report(results)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the server and the flood", file=sys.stderr)
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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Scenario (d): the extra latency of the Redis hop between two Lykt processes.

    .venv/bin/python -m bench.redis_hop [--conversations 50] [--rate-per-conv 2]
        [--duration 15] [--warmup 3] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
        [--redis-url redis://127.0.0.1:6379/0] [--order one-first|two-first] [--json out.json]

A benchmark, not a test: it measures this machine, all on 127.0.0.1, bounded in time; every
process it starts is stopped and every database it creates is dropped on exit. The same
open-loop load (``bench.chat_load``: every visitor and every host sends ``--rate-per-conv``
messages/s, so 50 x 2 x 2 = 200 msg/s by default) runs twice on PostgreSQL and Redis:

1. **one process**: one ``lykt serve`` with ``LYKT_REDIS_URL`` set (so it publishes every
   event to Redis too), visitors and hosts both on it: events reach the other side inside
   the process;
2. **two processes**: two ``lykt serve`` processes of one service (same database, same Redis,
   same prefix), every visitor on process A and every host on process B, so every
   ``message.posted`` for the other side crosses Redis (publish on one, subscriber on the
   other).

Each run gets a fresh database ``lykt_bench_<hex>_<n>`` on the same PostgreSQL server (made
with ``CREATE DATABASE``, migrated by the first host added, dropped at the end), so both
start from the same empty state, and a random ``LYKT_REDIS_PREFIX``. Redis is a private
``redis-server`` on a free port, started and stopped here (nothing saved), unless
``--redis-url`` names one.

The figure is the deliver latency (intended send -> ``message.posted`` on the other side's
socket) at p50/p99/p99.9 in both runs, and the difference at p99: "the Redis hop adds X ms at
p99" (the target is at most 1 ms). Ack latency is shown too: it does not involve the hop,
so it shows how much the two runs differ for other reasons (noise, two processes sharing
the CPUs, PostgreSQL's commit time). Because that noise easily exceeds 1 ms, a second figure
takes it out: per message, the other side's ``message.posted`` minus the sender's ack (both
wait for the same commit; in one process the two frames leave together, about 0), p50/p99
in both runs and their difference.

Same-run baselines, at the same rate: chat_load's bare ``websockets`` echo server (the
floor of this client and machine), and a raw redis-py pub/sub trip: a publisher process
publishes payloads of the size of Lykt's encoded ``MessagePosted`` on the same open-loop
schedule with ``redis.asyncio`` (as Lykt's bus does), and this process, subscribed with
``redis.asyncio``, records intended publish time -> received (``time.monotonic`` is the same
clock in both processes on Linux).

Hosts are added in one process through Lykt's own ``add_staff`` with cheap argon2 parameters
(``chat_load.add_hosts_fast``); the first one creates the schema. Exit status 1 if a check
failed in either run (lost, doubled, unacked, closed sockets, a conversation's seq not seen as
1, 2, 3... on a socket) or in the pub/sub trip (lost, doubled).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
import websockets

from bench import chat_load
from bench.chat_load import (
    PERCENTILES,
    Children,
    Plan,
    Run,
    fmt_ms,
    free_port,
    hist_summary,
    message_text,
    new_hist,
    print_result,
    record,
    run_baseline,
    run_lykt,
    summarize,
    wait_tcp,
)

TARGET_MS = 1.0
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- PostgreSQL: a database per run -----------------------------------------------------------
def admin_dsn(url: str) -> str:
    """A libpq/asyncpg DSN from a URL that may name SQLAlchemy's driver."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def lykt_database_url(dsn: str, database: str) -> str:
    """Lykt's LYKT_DATABASE_URL: the same server, another database, the asyncpg driver."""
    parts = urlsplit(admin_dsn(dsn))
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg", path=f"/{database}"))


async def _admin(dsn: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn(dsn), timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class Databases:
    """The databases this run creates; each one dropped (WITH FORCE) when done."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.prefix = f"lykt_bench_{secrets.token_hex(5)}"
        self.created: list[str] = []

    def create(self, suffix: str) -> str:
        name = f"{self.prefix}_{suffix}"
        asyncio.run(_admin(self.dsn, f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        asyncio.run(_admin(self.dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            try:
                self.drop(name)
            except Exception as exc:
                print(f"could not drop database {name}: {exc}", file=sys.stderr)


# -- Redis ------------------------------------------------------------------------------------
def start_private_redis(children: Children, workdir: Path) -> str:
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(exe).exists():
        raise RuntimeError("redis-server is not installed; pass --redis-url")
    port = free_port()
    directory = workdir / "redis"
    directory.mkdir()
    proc = children.spawn(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        dict(os.environ),
        workdir / "redis.log",
    )  # fmt: skip
    wait_tcp(port, proc)
    print(f"private redis-server pid {proc.pid} on 127.0.0.1:{port}", flush=True)
    return f"redis://127.0.0.1:{port}/0"


def posted_payload(node: str) -> dict[str, Any]:
    """Shaped and sized like Lykt's ``encode_event`` of a ``MessagePosted`` (bus.py)."""
    return {
        "n": node,
        "t": "MessagePosted",
        "f": {
            "conversation_id": secrets.token_hex(16),
            "seq": 1234,
            "sender": "visitor",
            "text": message_text(100),
            "client_id": "v12.345",
            "sent_at": {"$dt": "2026-11-29T12:34:56.789012+00:00"},
            "host_name": None,
        },
    }


def publisher_child() -> None:
    """The publishing process of the pub/sub baseline: ``python -c ... CONFIG_JSON``."""
    cfg = orjson.loads(sys.argv[1])

    async def publish_all() -> None:
        import redis.asyncio as redis

        client = redis.from_url(
            cfg["url"], socket_connect_timeout=2, socket_keepalive=True, health_check_interval=5
        )
        try:
            await client.ping()
            t0, rate, payload = cfg["t0"], cfg["rate"], cfg["payload"]
            for k in range(cfg["count"]):
                intended = t0 + k / rate
                delay = intended - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await client.publish(
                    cfg["channel"], orjson.dumps({**payload, "k": k, "i": intended})
                )
        finally:
            await client.aclose()

    gc.disable()
    asyncio.run(publish_all())


async def _pubsub_async(url: str, plan: Plan, children: Children, workdir: Path) -> dict[str, Any]:
    import redis.asyncio as redis

    channel = f"lykt-bench-{secrets.token_hex(6)}:events"
    rate = plan.offered_per_s
    client = redis.from_url(
        url, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=5
    )
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    proc: subprocess.Popen[bytes] | None = None
    hist = new_hist()
    seen: set[int] = set()
    doubled = 0
    payload = posted_payload(secrets.token_hex(8))
    t0 = 0.0
    count = 0
    try:
        await pubsub.subscribe(channel)
        t0 = time.monotonic() + 2.0  # the publisher's interpreter starts meanwhile
        window_start = t0 + plan.warmup
        end = window_start + plan.duration
        while t0 + count / rate < end:
            count += 1
        cfg: dict[str, Any] = {
            "url": url,
            "channel": channel,
            "t0": t0,
            "rate": rate,
            "count": count,
            "payload": payload,
        }
        proc = children.spawn(
            [
                sys.executable,
                "-c",
                "import bench.redis_hop as m; m.publisher_child()",
                orjson.dumps(cfg).decode(),
            ],
            dict(os.environ),
            workdir / "publisher.log",
        )
        gc.collect()
        gc.freeze()
        gc.disable()

        async def receive() -> None:
            nonlocal doubled
            async for message in pubsub.listen():
                now = time.monotonic()
                if message.get("type") != "message":
                    continue
                data = orjson.loads(message["data"])
                k = data["k"]
                if k in seen:
                    doubled += 1
                    continue
                seen.add(k)
                if data["i"] >= window_start:
                    record(hist, now - data["i"])
                if len(seen) >= count:
                    return

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(end - time.monotonic() + 10):
                await receive()
    finally:
        gc.enable()
        gc.unfreeze()
        if proc is not None:
            children.stop(proc)
        with contextlib.suppress(Exception):
            await pubsub.aclose()
        with contextlib.suppress(Exception):
            await client.aclose()
    publisher_log = (workdir / "publisher.log").read_text(errors="replace").strip()
    return {
        "name": "raw Redis pub/sub (redis.asyncio, process -> process)",
        "rate_per_s": rate,
        "payload_bytes": len(orjson.dumps({**payload, "k": count, "i": t0})),
        "published": count,
        "received": len(seen),
        "lost": count - len(seen),
        "doubled": doubled,
        "latency_ms": hist_summary(hist),
        "publisher_log": publisher_log[-2000:],
        "ok": count == len(seen) and doubled == 0,
    }


def run_pubsub(url: str, plan: Plan, children: Children, workdir: Path) -> dict[str, Any]:
    return asyncio.run(_pubsub_async(url, plan, children, workdir))


def deliver_after_ack(run: Run) -> dict[str, float]:
    """Per message of the measured window: other side's ``message.posted`` - sender's ack, in
    ms (may be below zero). Both wait for the same commit, so this is the hop with the
    database's share (and most of the noise) taken out: about 0 in one process."""
    values = sorted(
        1000 * (m.delivered_at - m.acked_at)
        for m in run.sent.values()
        if m.measured and m.acks and m.deliveries
    )
    out: dict[str, float] = {"count": len(values)}
    if values:
        for pct in PERCENTILES:
            out[f"p{pct:g}"] = values[max(0, math.ceil(pct / 100 * len(values)) - 1)]
        out["max"] = values[-1]
    return out


# -- report -----------------------------------------------------------------------------------
def signed_ms(v: float | None) -> str:
    return fmt_ms(v) if v is None or v >= 0 else f"{v:8.2f}"


def row(label: str, s: dict[str, Any] | None) -> str:
    if not s or not s.get("count"):
        return f"  {label:<44}{'-':>8}"
    return (
        f"  {label:<44}{s['count']:>8}"
        + "".join(" " + signed_ms(s.get(f"p{p:g}")) for p in PERCENTILES)
        + " "
        + signed_ms(s.get("max"))
    )


def print_summary(results: dict[str, Any]) -> str:
    print("\n=== the Redis hop (same client, same run; ms from the intended send time) ===")
    print(
        f"  {'':<44}{'count':>8}"
        + "".join(f"{'p' + format(p, 'g'):>9}" for p in PERCENTILES)
        + f"{'max':>9}"
    )
    base = results.get("baseline")
    if base:
        print(row("baseline: websockets echo round trip", base["latency_ms"].get("echo (all)")))
    pubsub = results.get("pubsub")
    if pubsub:
        print(row("baseline: raw Redis pub/sub, process->process", pubsub["latency_ms"]))
    one, two = results.get("one process"), results.get("two processes")
    for key in ("deliver (all)", "ack (all)"):
        for name, res in (("one process", one), ("two processes", two)):
            if res:
                print(row(f"{name}: {key}", res["latency_ms"].get(key)))
    for name, res in (("one process", one), ("two processes", two)):
        if res:
            print(row(f"{name}: deliver - ack, same message", res.get("deliver_after_ack_ms")))
    if not one or not two:
        return "the Redis hop: not measured (a run is missing)"
    d1 = one["latency_ms"].get("deliver (all)", {})
    d2 = two["latency_ms"].get("deliver (all)", {})
    if not d1.get("count") or not d2.get("count"):
        return "the Redis hop: not measured (no deliveries)"
    diff = {f"p{p:g}": d2[f"p{p:g}"] - d1[f"p{p:g}"] for p in PERCENTILES}
    print(
        f"  {'deliver: two processes - one process':<44}{'':>8}"
        + "".join(f" {diff[f'p{p:g}']:+8.2f}" for p in PERCENTILES)
    )
    hop = diff["p99"]
    a1, a2 = one.get("deliver_after_ack_ms", {}), two.get("deliver_after_ack_ms", {})
    per_message = (
        f"; per message (deliver - ack, without the commit both wait for) it adds "
        f"{a2['p99'] - a1['p99']:.2f} ms at p99 ({a1['p99']:.2f} -> {a2['p99']:.2f} ms), "
        f"{a2['p50'] - a1['p50']:.2f} ms at p50"
        if a1.get("count") and a2.get("count")
        else ""
    )
    checks = "; ".join(f"{name}: {check_text(res)}" for name, res in (("one", one), ("two", two)))
    pub = (
        f"; raw pub/sub p50 {pubsub['latency_ms'].get('p50', 0):.2f} ms, p99 "
        f"{pubsub['latency_ms'].get('p99', 0):.2f} ms"
        if pubsub and pubsub["latency_ms"].get("count")
        else ""
    )
    echo = (base or {}).get("latency_ms", {}).get("echo (all)", {})
    echo_text = (
        f"; echo baseline p50 {echo['p50']:.2f} ms, p99 {echo['p99']:.2f} ms"
        if echo.get("count")
        else ""
    )
    return (
        f"the Redis hop adds {hop:.2f} ms at p99 (deliver p99 {d1['p99']:.2f} -> "
        f"{d2['p99']:.2f} ms; p50 {diff['p50']:+.2f} ms, p99.9 {diff['p99.9']:+.2f} ms); "
        f"target at most {TARGET_MS:g} ms: {'met' if hop <= TARGET_MS else 'NOT met'}"
        + (" (below zero: the noise is larger than the hop)" if hop < 0 else "")
        + f"{per_message}{pub}{echo_text}; {checks}"
    )


def check_text(res: dict[str, Any]) -> str:
    """chat_load's checks in a few words; out-of-order seqs named apart (with two processes a
    socket can get a conversation's messages n+1, n when both sides post at once: the local
    copy of one process's message overtakes the other's, which comes through Redis)."""
    if res["ok"]:
        return "checks OK"
    bad = [
        f"{key} {res[key]}"
        for key in ("lost", "unacked", "ack_doubled", "delivery_doubled", "send_failures")
        if res.get(key)
    ]
    bad += [f"{k} {v}" for k, v in res["anomalies"].items()]
    bad += [f"{k} {v}" for k, v in res["socket_closes"].items()]
    return "CHECKS FAILED: " + ", ".join(bad or ["see above"])


# -- main -------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench.redis_hop",
        description="Deliver latency with visitors and hosts on one Lykt process vs on two "
        "(every message crossing Redis), with same-run echo and pub/sub baselines.",
    )
    ap.add_argument("--conversations", type=int, default=50)
    ap.add_argument("--rate-per-conv", type=float, default=2.0, help="msg/s each way")
    ap.add_argument("--duration", type=float, default=15.0, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per run")
    ap.add_argument("--message-chars", type=int, default=100)
    ap.add_argument("--drain-timeout", type=float, default=30.0)
    ap.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="a PostgreSQL server where we may CREATE DATABASE (any database on it)",
    )
    ap.add_argument(
        "--redis-url",
        default=None,
        help="use this Redis (a random prefix per run) instead of a private redis-server",
    )
    ap.add_argument(
        "--order",
        choices=("one-first", "two-first"),
        default="one-first",
        help="which Lykt run goes first",
    )
    ap.add_argument(
        "--baseline", choices=("run", "skip"), default="run", help="the echo and pub/sub runs"
    )
    ap.add_argument("--keep-data", action="store_true", help="keep logs (databases are dropped)")
    ap.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    args = ap.parse_args(argv)
    return args


def plan_of(args: argparse.Namespace) -> Plan:
    """Through chat_load's own option parsing (same checks, same defaults)."""
    return chat_load.plan_for(
        args.conversations,
        args.rate_per_conv,
        args.duration,
        args.warmup,
        args.message_chars,
        args.drain_timeout,
    )


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = plan_of(args)
    print(
        f"redis_hop: {plan.conversations} conversations x {plan.rate:g} msg/s each way = "
        f"{plan.offered_per_s:g} msg/s; {plan.hosts} hosts x {plan.convs_per_host} chats; "
        f"warmup {plan.warmup:g} s, measured {plan.duration:g} s per run; PostgreSQL + Redis"
    )
    print(
        f"           {os.cpu_count()} CPUs, Python {platform.python_version()}, websockets "
        f"{websockets.__version__}, pid {os.getpid()}"
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    children = Children()
    databases = Databases(args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="lykt-redis-hop-"))
    results: dict[str, Any] = {
        "plan": {**plan.__dict__, "hosts": plan.hosts, "offered_per_s": plan.offered_per_s}
    }
    ok = True
    try:
        redis_url = args.redis_url or start_private_redis(children, workdir)
        if args.baseline == "run":
            print("\nbaseline: bare websockets echo server …", flush=True)
            res = summarize(run_baseline(plan, children, workdir))
            results["baseline"] = res
            print_result(res, plan)
            print(f"\nbaseline: raw Redis pub/sub at {plan.offered_per_s:g} msg/s …", flush=True)
            pubsub = run_pubsub(redis_url, plan, children, workdir)
            results["pubsub"] = pubsub
            print(
                f"  published {pubsub['published']} ({pubsub['payload_bytes']} bytes each), "
                f"received {pubsub['received']}, lost {pubsub['lost']}, doubled "
                f"{pubsub['doubled']} -> {'OK' if pubsub['ok'] else 'FAILED'}; p50 "
                f"{fmt_ms(pubsub['latency_ms'].get('p50'))} ms, p99 "
                f"{fmt_ms(pubsub['latency_ms'].get('p99'))} ms"
            )
            ok &= pubsub["ok"]
        runs = [("one process", False), ("two processes", True)]
        if args.order == "two-first":
            runs.reverse()
        for n, (name, two) in enumerate(runs, 1):
            database = databases.create(str(n))
            extra = {
                "LYKT_DATABASE_URL": lykt_database_url(args.postgres, database),
                "LYKT_REDIS_URL": redis_url,
                "LYKT_REDIS_PREFIX": f"lykt-bench-{secrets.token_hex(6)}",
            }
            print(
                f"\n{name}: database {database}, Redis prefix {extra['LYKT_REDIS_PREFIX']} …",
                flush=True,
            )
            rundir = workdir / name.replace(" ", "-")
            rundir.mkdir()
            try:
                run, log_report = run_lykt(
                    plan,
                    children,
                    rundir,
                    1,
                    None,
                    extra_env=extra,
                    two_processes=two,
                    name=name,
                    fast_hosts=True,
                )
            finally:
                databases.drop(database)
            res = summarize(run)
            res["deliver_after_ack_ms"] = deliver_after_ack(run)
            del run
            res["server_log"] = log_report
            results[name] = res
            print_result(res, plan)
            ok &= res["ok"]
        answer = print_summary(results)
        results["answer"] = answer
        print("\n" + answer)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        databases.drop_all()
        if args.keep_data:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json is not None:
        chat_load.write_json(args.json, results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

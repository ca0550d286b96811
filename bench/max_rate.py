"""Scenario (c): the highest persisted message rate at which ack p99 and deliver p99 stay
under 50 ms, on SQLite (the default database), with the same-run websockets echo baseline.

    .venv/bin/python -m bench.max_rate [--start-rate 200] [--max-rate 6400] [--p99-ms 50]
        [--duration 10] [--warmup 3] [--rate-per-conv 2] [--max-steps 8] [--json out.json]

A benchmark, not a test: it measures this machine, all on 127.0.0.1, bounded in time, and
every process it starts is stopped on exit. It drives ``bench.chat_load`` (the same open-loop
client, histograms and checks) at stepped offered rates: it starts at ``--start-rate``,
doubles while a step is good, then bisects between the last good and the first bad rate
until they are within ``--resolution`` of each other or ``--max-steps`` runs were made.
Every step is a fresh ``lykt serve`` on a fresh data directory (SQLite, as configured by
default), with its hosts added and logged in (``chat_load.run_lykt``).

Offered rate = 2 x conversations x ``--rate-per-conv`` (the visitor and the host of every
conversation each send that many messages a second). The server allows a visitor socket 2
msg/s (burst 20) and a staff socket 5 msg/s (burst 30), so the rate per conversation stays at
most 2 and the offered rate grows by conversations; each host gets as many chats as its
socket's limit sustains (``chat_load.default_convs_per_host``: 2 at 2 msg/s). Offered rates
are rounded to whole conversations.

A step is *good* when ack p99 and deliver p99 (every message of the measured window, from its
intended send time) are both under ``--p99-ms``, chat_load's checks pass (every message acked
and delivered exactly once, seq without gaps, no socket closed by the server), nothing was
refused (e.g. ``rate_limited``), and the persisted rate (acks received in the window / its
length) is at least 97 % of the offered one. The answer line says whether the target (at
least 3,000 persisted msg/s, within 1 % for the window's edges, with p99 under the limit)
was met.

Hosts are added in one process through Lykt's own ``add_staff`` with cheap argon2 parameters
(``chat_load.add_hosts_fast``): at a few hundred hosts, one ``lykt staff add`` each and a
full-cost login each would make every step's setup take minutes. Hashing is not measured.

The baseline: chat_load's bare ``websockets`` echo server, driven by the same client with the
same sockets and rates, at the highest good rate (its p99 is the floor there) and at the
first bad one (if the echo also misses there, the client or the machine is the limit, not
Lykt). The output is one line per step, a table of every step, and the answer line.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets

from bench import chat_load
from bench.chat_load import (
    STAFF_MSG_RATE,
    VISITOR_MSG_RATE,
    Children,
    Plan,
    run_baseline,
    run_lykt,
    summarize,
)

TARGET_RATE = 3000  # persisted messages/s with p99 under the limit: the goal to report against
TARGET_MET_SHARE = 0.99  # the window's edges cost a message or two: 2,990/s counts as 3,000
MIN_PERSISTED_SHARE = 0.97


@dataclass
class Step:
    index: int
    plan: Plan
    result: dict[str, Any]
    failures: list[str]
    seconds: float

    @property
    def offered(self) -> float:
        return self.plan.offered_per_s

    @property
    def good(self) -> bool:
        return not self.failures


def p(res: dict[str, Any], hist: str, pct: str) -> float | None:
    value = res["latency_ms"].get(hist, {}).get(pct)
    return None if value is None else float(value)


def failures_of(res: dict[str, Any], plan: Plan, limit_ms: float) -> list[str]:
    """Why a step is not good (empty: it is)."""
    out: list[str] = []
    for label, hist in (("ack", "ack (all)"), ("deliver", "deliver (all)")):
        p99 = p(res, hist, "p99")
        if p99 is None:
            out.append(f"no {label} measured")
        elif p99 >= limit_ms:
            out.append(f"{label} p99 {p99:.1f} ms")
    refused = sum(res["refused"].values())
    if refused:
        out.append(f"refused {refused} {res['refused']}")
    if not res["ok"]:
        bad = [
            f"{key} {res[key]}"
            for key in (
                "lost",
                "unacked",
                "ack_doubled",
                "delivery_doubled",
                "unacked_socket_closed",
                "undelivered_socket_closed",
                "send_failures",
                "refused_but_delivered",
            )
            if res.get(key)
        ]
        if res["anomalies"]:
            bad.append(f"anomalies {res['anomalies']}")
        if res["socket_closes"]:
            bad.append(f"closes {res['socket_closes']}")
        out.append("checks failed: " + (", ".join(bad) or "see above"))
    stored = res["throughput_per_s"]["acked_in_window"]
    if stored < MIN_PERSISTED_SHARE * plan.offered_per_s:
        out.append(f"persisted only {stored:.0f}/s")
    return out


def step_plan(args: argparse.Namespace, conversations: int) -> Plan:
    """A step's plan, through chat_load's own option parsing (same checks, same defaults)."""
    return chat_load.plan_for(
        conversations,
        args.rate_per_conv,
        args.duration,
        args.warmup,
        args.message_chars,
        args.drain_timeout,
    )


def log_lines(res: dict[str, Any]) -> int:
    log = res.get("server_log", {})
    return int(sum(part.get("problem_lines", 0) for part in log.values()))


def run_step(args: argparse.Namespace, children: Children, index: int, conversations: int) -> Step:
    plan = step_plan(args, conversations)
    print(
        f"\nstep {index}: {plan.offered_per_s:g} msg/s offered ({plan.conversations} "
        f"conversations x {plan.rate:g} msg/s each way, {plan.hosts} hosts x "
        f"{plan.convs_per_host} chats)",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="lykt-max-rate-", dir=args.data_parent))
    t = time.monotonic()
    try:
        run, log_report = run_lykt(
            plan,
            children,
            workdir,
            args.cli_jobs,
            None,
            name=f"lykt at {plan.offered_per_s:g} msg/s",
            fast_hosts=True,
        )
        res = summarize(run)
        del run  # tens of thousands of messages: keep only the figures
        res["server_log"] = log_report
        if args.verbose:
            chat_load.print_result(res, plan)
    finally:
        if args.keep_data:
            print(f"  data and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    step = Step(index, plan, res, failures_of(res, plan, args.p99_ms), time.monotonic() - t)
    print(
        f"  -> stored {res['throughput_per_s']['acked_in_window']:.1f}/s, ack p50 "
        f"{fmt(p(res, 'ack (all)', 'p50'))} p99 {fmt(p(res, 'ack (all)', 'p99'))} ms, deliver "
        f"p99 {fmt(p(res, 'deliver (all)', 'p99'))} ms: "
        + ("good" if step.good else "BAD (" + "; ".join(step.failures) + ")")
        + f" [{step.seconds:.0f} s]",
        flush=True,
    )
    return step


def fmt(v: float | None) -> str:
    return "-" if v is None else (f"{v:.2f}" if v < 100 else f"{v:.0f}")


def search(args: argparse.Namespace, children: Children) -> list[Step]:
    """Double from the start rate while good, then bisect (in whole conversations)."""
    unit = 2 * args.rate_per_conv  # offered msg/s per conversation
    start = max(1, round(args.start_rate / unit))
    cap = max(start, math.floor(args.max_rate / unit + 1e-9))
    steps: list[Step] = []
    good: Step | None = None
    bad: Step | None = None
    convs = start
    while len(steps) < args.max_steps:
        step = run_step(args, children, len(steps) + 1, convs)
        steps.append(step)
        if not step.good:
            bad = step
            break
        good = step
        if convs >= cap:
            print(f"\n--max-rate {args.max_rate:g} reached with every step good", flush=True)
            return steps
        convs = min(2 * convs, cap)
        time.sleep(args.pause)
    while bad is not None and len(steps) < args.max_steps:
        low = good.plan.conversations if good is not None else 0
        high = bad.plan.conversations
        if high - low <= max(1, args.resolution * high):
            break
        convs = (low + high) // 2
        if convs in (low, high) or convs < 1:
            break
        time.sleep(args.pause)
        step = run_step(args, children, len(steps) + 1, convs)
        steps.append(step)
        if step.good:
            good = step
        else:
            bad = step
    return steps


def best_and_worst(steps: list[Step]) -> tuple[Step | None, Step | None]:
    """The highest good step, and the lowest bad one above it."""
    good = [s for s in steps if s.good]
    best = max(good, key=lambda s: s.offered) if good else None
    above = [s for s in steps if not s.good and (best is None or s.offered > best.offered)]
    first_bad = min(above, key=lambda s: s.offered) if above else None
    return best, first_bad


def print_table(steps: list[Step], limit_ms: float) -> None:
    print(f"\n=== every step (p99 limit {limit_ms:g} ms; latency in ms from intended send) ===")
    head = (
        f"{'step':>4} {'offered':>8} {'convs':>6} {'hosts':>5} {'stored/s':>9} "
        f"{'ack p50':>8} {'ack p99':>8} {'dlv p50':>8} {'dlv p99':>8} {'lag p99':>8} "
        f"{'lost':>5} {'unackd':>6} {'dbl':>4} {'refusd':>6} {'srv%':>5} {'cli%':>5} "
        f"{'log':>4}  result"
    )
    print(head)
    for s in sorted(steps, key=lambda s: (s.offered, s.index)):
        r = s.result
        cpu = r.get("cpu") or {}
        unacked = r["unacked"] + r["unacked_socket_closed"] + r["undelivered_socket_closed"]
        print(
            f"{s.index:>4} {s.offered:>8g} {s.plan.conversations:>6} {s.plan.hosts:>5} "
            f"{r['throughput_per_s']['acked_in_window']:>9.1f} "
            f"{fmt(p(r, 'ack (all)', 'p50')):>8} {fmt(p(r, 'ack (all)', 'p99')):>8} "
            f"{fmt(p(r, 'deliver (all)', 'p50')):>8} {fmt(p(r, 'deliver (all)', 'p99')):>8} "
            f"{fmt(p(r, 'client send lag', 'p99')):>8} "
            f"{r['lost']:>5} {unacked:>6} {r['ack_doubled'] + r['delivery_doubled']:>4} "
            f"{sum(r['refused'].values()):>6} "
            f"{cpu.get('server_pct_of_core', 0):>5.0f} {cpu.get('client_pct_of_core', 0):>5.0f} "
            f"{log_lines(r):>4}  " + ("good" if s.good else "BAD: " + "; ".join(s.failures))
        )
    print(
        "  (stored/s: acks received in the measured window / its length; lag: the client's "
        "own send delay; srv%/cli%: server/client CPU, % of one core; log: warning/error "
        "lines in the server log)"
    )


def baseline_at(
    args: argparse.Namespace, children: Children, plan: Plan, label: str
) -> dict[str, Any]:
    print(f"\nbaseline at {label} ({plan.offered_per_s:g} msg/s): bare websockets echo …")
    workdir = Path(tempfile.mkdtemp(prefix="lykt-max-rate-echo-", dir=args.data_parent))
    try:
        res = summarize(run_baseline(plan, children, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    echo = res["latency_ms"].get("echo (all)", {})
    print(
        f"  -> echo p50 {fmt(echo.get('p50'))} ms, p99 {fmt(echo.get('p99'))} ms, p99.9 "
        f"{fmt(echo.get('p99.9'))} ms; {res['throughput_per_s']['acked_in_window']:.1f}/s; "
        f"client send lag p99 {fmt(p(res, 'client send lag', 'p99'))} ms"
        + ("" if res["ok"] else "; echo checks FAILED"),
        flush=True,
    )
    return res


def answer_line(
    best: Step | None,
    first_bad: Step | None,
    baselines: dict[str, dict[str, Any]],
    args: argparse.Namespace,
) -> str:
    limit = f"{args.p99_ms:g} ms"
    if best is None:
        text = f"max rate (SQLite): no step kept ack and deliver p99 under {limit}"
    else:
        r = best.result
        stored = r["throughput_per_s"]["acked_in_window"]
        at_least = "at least " if first_bad is None else ""
        text = (
            f"max rate (SQLite): {at_least}{best.offered:,.0f} msg/s offered, {stored:,.1f} "
            f"persisted msg/s, ack p99 {fmt(p(r, 'ack (all)', 'p99'))} ms and deliver p99 "
            f"{fmt(p(r, 'deliver (all)', 'p99'))} ms (< {limit})"
        )
    if first_bad is not None:
        text += f"; {first_bad.offered:,.0f} msg/s failed ({'; '.join(first_bad.failures)})"
    elif best is not None:
        text += f" (--max-rate {args.max_rate:g} reached)"
    for key, res in baselines.items():
        echo = res["latency_ms"].get("echo (all)", {})
        text += (
            f"; same-run baseline (websockets echo) at {key}: p50 {fmt(echo.get('p50'))} ms, "
            f"p99 {fmt(echo.get('p99'))} ms"
        )
    reached = best.result["throughput_per_s"]["acked_in_window"] if best else 0.0
    met = reached >= TARGET_MET_SHARE * TARGET_RATE
    text += (
        f". Target at least {TARGET_RATE:,} persisted msg/s with p99 < {limit}: "
        + ("MET" if met else "not met")
        + "."
    )
    return text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench.max_rate",
        description="The highest persisted message rate with ack and deliver p99 under a "
        "limit (SQLite), by stepped chat_load runs, with the same-run echo baseline.",
    )
    ap.add_argument("--start-rate", type=float, default=200, help="first offered msg/s")
    ap.add_argument("--max-rate", type=float, default=6400, help="never offer more than this")
    ap.add_argument("--p99-ms", type=float, default=50.0, help="the p99 limit (ack, deliver)")
    ap.add_argument("--rate-per-conv", type=float, default=2.0, help="msg/s each way, <= 2")
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds per step")
    ap.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per step")
    ap.add_argument("--max-steps", type=int, default=8, help="at most this many Lykt runs")
    ap.add_argument(
        "--resolution",
        type=float,
        default=0.1,
        help="stop bisecting when the bad rate is within this share of the good one",
    )
    ap.add_argument("--message-chars", type=int, default=100)
    ap.add_argument(
        "--drain-timeout",
        type=float,
        default=20.0,
        help="seconds to wait for answers after the last send (an overloaded step fails anyway)",
    )
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between steps")
    ap.add_argument(
        "--baseline",
        choices=("best", "both", "skip"),
        default="both",
        help="echo baseline at the best rate, at the best and the first bad rate (default), "
        "or none",
    )
    ap.add_argument("--cli-jobs", type=int, default=os.cpu_count() or 2, help=argparse.SUPPRESS)
    ap.add_argument("--data-parent", type=Path, default=None, help="where the data dirs go")
    ap.add_argument("--keep-data", action="store_true", help="keep every step's data and log")
    ap.add_argument("--verbose", action="store_true", help="chat_load's full report per step")
    ap.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    args = ap.parse_args(argv)
    if not 0 < args.rate_per_conv <= VISITOR_MSG_RATE:
        ap.error(f"--rate-per-conv must be in (0, {VISITOR_MSG_RATE:g}] (the visitor limit)")
    if not 0 < args.start_rate <= args.max_rate:
        ap.error("--start-rate must be positive and at most --max-rate")
    if not 1 <= args.max_steps <= 20:
        ap.error("--max-steps must be 1..20")
    if not 0 < args.resolution < 1:
        ap.error("--resolution must be in (0, 1)")
    return args


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"max_rate: offered msg/s from {args.start_rate:g}, doubling, then bisecting, up to "
        f"{args.max_rate:g}; good = ack and deliver p99 < {args.p99_ms:g} ms, nothing lost, "
        f"doubled or refused; {args.rate_per_conv:g} msg/s each way per conversation "
        f"(limits: visitor {VISITOR_MSG_RATE:g}, staff socket {STAFF_MSG_RATE:g} msg/s); "
        f"warmup {args.warmup:g} s, measured {args.duration:g} s per step; SQLite"
    )
    print(
        f"          {os.cpu_count()} CPUs, Python {platform.python_version()}, websockets "
        f"{websockets.__version__}, pid {os.getpid()}"
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Thousands of sockets at the top rates, in this client and in the server (it inherits).
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    children = Children()
    steps: list[Step] = []
    baselines: dict[str, dict[str, Any]] = {}
    best: Step | None = None
    first_bad: Step | None = None
    started = time.monotonic()
    try:
        steps = search(args, children)
        best, first_bad = best_and_worst(steps)
        if args.baseline != "skip":
            where = [("best", best)] + (
                [("first bad", first_bad)] if args.baseline == "both" else []
            )
            for label, step in where:
                if step is not None:
                    key = f"{step.offered:g} msg/s ({label})"
                    baselines[key] = baseline_at(args, children, step.plan, label)
            if best is None and first_bad is None and steps:
                lowest = min(steps, key=lambda s: s.offered)
                baselines[f"{lowest.offered:g} msg/s"] = baseline_at(
                    args, children, lowest.plan, "the lowest rate"
                )
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the servers", file=sys.stderr)
        if steps:
            print_table(steps, args.p99_ms)
        return 130
    finally:
        children.stop_all()
    print_table(steps, args.p99_ms)
    for key, res in baselines.items():
        echo = res["latency_ms"].get("echo (all)", {})
        print(
            f"baseline (websockets echo, same client) at {key}: p50 {fmt(echo.get('p50'))}, "
            f"p99 {fmt(echo.get('p99'))}, p99.9 {fmt(echo.get('p99.9'))} ms"
        )
    answer = answer_line(best, first_bad, baselines, args)
    print(f"\n[{(time.monotonic() - started) / 60:.1f} min in all]")
    print(answer)
    if args.json is not None:
        out = {
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "steps": [
                {
                    "index": s.index,
                    "plan": {**s.plan.__dict__, "hosts": s.plan.hosts},
                    "offered_per_s": s.offered,
                    "good": s.good,
                    "failures": s.failures,
                    "seconds": s.seconds,
                    "result": s.result,
                }
                for s in steps
            ],
            "baselines": baselines,
            "answer": answer,
        }
        chat_load.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

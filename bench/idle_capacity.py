"""Scenario (a): idle capacity. N visitors connected and waiting in the queue; the server's
memory per connection, against a bare ``websockets`` server holding the same N idle sockets
(the baseline, measured in the same run with the same client).

    .venv/bin/python -m bench.idle_capacity [--visitors 10000] [--settle 5]

A benchmark, not a test: it measures this machine. Every process it starts is stopped on exit.
Memory is the server process's resident set (VmRSS) after start and after all N sockets have
said hello and the queue has settled; the difference divided by N is the cost of one waiting
visitor (its socket, its conversation row in the cache, its place in the hub and the queue).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.chat_load import WS_OPTS, Children, free_port, lykt_env

BASELINE_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve
async def hold(ws):
    async for _ in ws:
        pass
async def main():
    async with serve(hold, "127.0.0.1", int(sys.argv[1]), compression=None, ping_interval=None):
        print("ready", flush=True)
        await asyncio.Future()
asyncio.run(main())
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def raise_file_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    return hard


def wait_for_port(port: int, proc: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited early")
        with contextlib.suppress(OSError):
            asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
            return
        time.sleep(0.05)
    raise RuntimeError("the server did not listen")


async def keep_answering(ws: ClientConnection) -> None:
    """Answer the server's heartbeats, as a browser tab would, until the socket closes."""
    with contextlib.suppress(Exception):
        async for raw in ws:
            if '"ping"' in str(raw):
                await ws.send('{"type":"pong"}')


READERS: list[asyncio.Task[None]] = []  # each visitor answers heartbeats from its welcome on


async def open_visitors(port: int, n: int, concurrency: int = 100) -> list[ClientConnection]:
    sockets: list[ClientConnection] = []
    tokens: list[str] = []
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:

        async def new() -> None:
            async with limit:
                r = await http.post("/api/conversations", json={"age": 13, "about": "self"})
                r.raise_for_status()
                tokens.append(r.json()["token"])

        await asyncio.gather(*(new() for _ in range(n)))

    async def hello(token: str) -> None:
        async with limit:
            ws = await connect(f"ws://127.0.0.1:{port}/ws/visitor", **WS_OPTS)
            await ws.send(json.dumps({"type": "hello", "token": token, "last_seq": 0}))
            while json.loads(await ws.recv())["type"] != "welcome":
                pass
            sockets.append(ws)
            # As a browser tab does: from the welcome on it answers the server's pings (a
            # socket silent for three heartbeats is closed, and 10,000 take minutes to open).
            READERS.append(asyncio.create_task(keep_answering(ws)))

    await asyncio.gather(*(hello(t) for t in tokens))
    return sockets


async def open_idle(port: int, n: int, concurrency: int = 100) -> list[ClientConnection]:
    limit = asyncio.Semaphore(concurrency)
    sockets: list[ClientConnection] = []

    async def one() -> None:
        async with limit:
            sockets.append(await connect(f"ws://127.0.0.1:{port}/", **WS_OPTS))

    await asyncio.gather(*(one() for _ in range(n)))
    return sockets


def measure(kind: str, pid: int, opener: Any, n: int, settle: float) -> dict[str, float]:
    async def run() -> dict[str, float]:
        before = rss_kib(pid)
        t = time.monotonic()
        sockets = await opener(n)
        took = time.monotonic() - t
        # Lykt's visitors answer from their welcome on; the baseline's idle sockets from now.
        readers = list(READERS) or [asyncio.create_task(keep_answering(ws)) for ws in sockets]
        await asyncio.sleep(settle)  # let queue pushes and heartbeats settle before reading
        after = rss_kib(pid)
        alive = sum(1 for ws in sockets if ws.state.name == "OPEN")
        closes = collections.Counter(
            str(ws.close_code) for ws in sockets if ws.state.name != "OPEN"
        )
        if closes:
            print(f"{kind:9} closed by the server before the end: {dict(closes)}", flush=True)
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        for task in readers:
            task.cancel()
        return {
            "connected": float(len(sockets)),
            "alive_after_settle": float(alive),
            "seconds_to_connect": round(took, 1),
            "rss_before_mib": round(before / 1024, 1),
            "rss_after_mib": round(after / 1024, 1),
            "kib_per_connection": round((after - before) / max(1, len(sockets)), 2),
        }

    result = asyncio.run(run())
    print(f"{kind:9} " + "  ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--visitors", type=int, default=10_000)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    limit = raise_file_limit()
    if limit < args.visitors + 200:  # the client holds one socket per visitor
        print(f"the open-file limit ({limit}) is too low for {args.visitors} visitors")
        return 2
    children = Children()
    results: dict[str, Any] = {"visitors": args.visitors}
    try:
        with tempfile.TemporaryDirectory(prefix="lykt-idle-") as tmp:
            port = free_port()
            base = children.spawn(
                [sys.executable, "-c", BASELINE_SERVER, str(port)], {}, Path(tmp) / "base.log"
            )
            wait_for_port(port, base)
            results["baseline"] = measure(
                "baseline", base.pid, lambda n: open_idle(port, n), args.visitors, args.settle
            )
            children.stop(base)

            port = free_port()
            env = lykt_env(Path(tmp) / "data", 3)
            server = children.spawn(
                [sys.executable, "-m", "lykt", "serve", "--port", str(port)],
                env,
                Path(tmp) / "lykt.log",
            )
            wait_for_port(port, server)
            results["lykt"] = measure(
                "lykt", server.pid, lambda n: open_visitors(port, n), args.visitors, args.settle
            )
            children.stop(server)
    finally:
        children.stop_all()
    ratio = results["lykt"]["kib_per_connection"] / max(
        0.01, results["baseline"]["kib_per_connection"]
    )
    print(
        f"memory per waiting visitor: {results['lykt']['kib_per_connection']} KiB "
        f"(baseline idle socket {results['baseline']['kib_per_connection']} KiB, "
        f"ratio {ratio:.1f}); target: at most 32 KiB for 10,000 per process"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What one stored message costs when it is alone in its transaction: the floor under
scenarios (b) and (c) at light load, without sockets, frames or a client.

    .venv/bin/python -m bench.post_cost [--posts 500]

In one process: a fresh SQLite database in a temporary directory (as ``lykt serve`` makes
it: WAL, ``synchronous=FULL``), one conversation, then ``--posts`` calls of
``actions.messages.post_message`` one after another, each its own transaction (what group
commit does when posts do not overlap). Printed: wall time, and user and system CPU of the
whole process (every thread) per post. Two baselines, same run and same disk: the stdlib
``sqlite3`` module doing one such write (``BEGIN IMMEDIATE``, one INSERT, ``COMMIT``) with
the same pragmas, which is what the database itself costs; and ``aiosqlite`` (the driver
Lykt uses under SQLAlchemy) running the very statements of a post batch (the locking read,
the resend lookup, the seq update, the insert, the commit) on Lykt's own database, which is
what the async driver costs without SQLAlchemy.

A benchmark, not a test: it measures this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import tempfile
import time
from pathlib import Path


def usage_ms(before: resource.struct_rusage, n: int) -> tuple[float, float]:
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (
        1000 * (after.ru_utime - before.ru_utime) / n,
        1000 * (after.ru_stime - before.ru_stime) / n,
    )


async def driver_posts(db_path: Path, conversation_id: str, n: int) -> tuple[float, float, float]:
    import aiosqlite

    db = await aiosqlite.connect(db_path, isolation_level=None)
    text = "hei " * 25
    seq = 10_000
    try:
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        for i in range(n):
            await db.execute("BEGIN IMMEDIATE")
            query = "SELECT id, status, host_id, last_seq FROM conversations WHERE id IN (?)"
            async with db.execute(query, (conversation_id,)) as cursor:
                await cursor.fetchall()
            query = "SELECT * FROM messages WHERE conversation_id IN (?) AND client_id IN (?)"
            async with db.execute(query, (conversation_id, f"raw{i}")) as cursor:
                await cursor.fetchall()
            seq += 1
            now = "2026-11-29 12:00:00.000000"
            await db.execute(
                "UPDATE conversations SET last_seq = ?, last_activity_at = ? WHERE id = ?",
                (seq, now, conversation_id),
            )
            await db.executemany(
                "INSERT INTO messages (conversation_id, seq, sender, client_id, text, sent_at) "
                "VALUES (?, ?, 'visitor', ?, ?, ?)",
                [(conversation_id, seq, f"raw{i}", text, now)],
            )
            await db.execute("COMMIT")
        wall = 1000 * (time.perf_counter() - started) / n
        user, system = usage_ms(before, n)
    finally:
        await db.close()
    return wall, user, system


async def lykt_posts(data_dir: Path, n: int) -> tuple[float, float, float, str]:
    from lykt.actions.conversations import open_conversation
    from lykt.actions.messages import post_message
    from lykt.app import build_context, close_databases, open_databases
    from lykt.bus import InMemoryBus
    from lykt.settings import Settings

    ctx = build_context(Settings(data_dir=data_dir, opening_hours="always"), bus=InMemoryBus())
    await open_databases(ctx)
    try:
        conversation, _ = await open_conversation(ctx, 14, "self")
        text = "hei " * 25
        for i in range(50):  # warm the statement caches and the pool
            await post_message(ctx, conversation.id, "visitor", f"warm{i}", text)
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        for i in range(n):
            await post_message(ctx, conversation.id, "visitor", f"m{i}", text)
        wall = 1000 * (time.perf_counter() - started) / n
        user, system = usage_ms(before, n)
    finally:
        await ctx.stop()
        await close_databases(ctx)
    return wall, user, system, conversation.id


def raw_posts(path: Path, n: int) -> tuple[float, float, float]:
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON"):
        db.execute(f"PRAGMA {pragma}")
    db.execute(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id TEXT, seq INT, text TEXT)"
    )
    text = "hei " * 25
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO messages (conversation_id, seq, text) VALUES ('c', ?, ?)", (i, text)
        )
        db.execute("COMMIT")
    wall = 1000 * (time.perf_counter() - started) / n
    user, system = usage_ms(before, n)
    db.close()
    return wall, user, system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--posts", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lykt-post-cost-") as tmp:
        raw = raw_posts(Path(tmp) / "raw.db", args.posts)
        *lykt, conversation_id = asyncio.run(lykt_posts(Path(tmp) / "data", args.posts))
        driver = asyncio.run(
            driver_posts(Path(tmp) / "data" / "lykt.db", conversation_id, args.posts)
        )
    print(f"{args.posts} lone posts, ms per post:               wall   user CPU   system CPU")
    rows = (
        ("baseline: sqlite3, one INSERT", raw),
        ("baseline: aiosqlite, a post's statements", driver),
        ("lykt: post_message", lykt),
    )
    for name, (wall, user, system) in rows:
        print(f"  {name:42} {wall:6.2f}   {user:8.2f}   {system:10.2f}")
    print(
        f"user CPU per post: {lykt[1]:.2f} ms, {lykt[1] / max(driver[1], 0.001):.1f}x the same "
        f"statements on the driver alone, {lykt[1] / max(raw[1], 0.001):.0f}x a bare write"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

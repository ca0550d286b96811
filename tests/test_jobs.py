"""The timed jobs run on exactly one process at a time, and another takes over when it goes."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from lykt.actions.context import Context, Rules
from lykt.bus import InMemoryBus
from lykt.clock import ManualClock
from lykt.db import Database
from lykt.jobs import Job, Jobs

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_of_two_processes_one_runs_the_jobs_and_the_other_takes_over(database_url: str) -> None:
    runs: Counter[str] = Counter()

    def job(name: str, leader_only: bool) -> Job:
        async def run(ctx: Context) -> None:
            runs[f"{name}@{id(ctx)}"] += 1

        return Job(name, run, every_s=0, leader_only=leader_only)

    async def main() -> None:
        nodes = []
        for _ in range(2):  # two "processes": each its own engine on the same database
            db = Database(database_url)
            await db.migrate()
            ctx = Context(db=db, bus=InMemoryBus(), clock=ManualClock(), rules=Rules())
            nodes.append(
                (ctx, Jobs(ctx, 1.0, [job("purge", True), job("warn", leader_only=False)]))
            )
        (first_ctx, first), (second_ctx, second) = nodes
        try:
            for _ in range(3):
                await asyncio.gather(first.run_due(), second.run_due())
            purges = {k: v for k, v in runs.items() if k.startswith("purge")}
            assert list(purges.values()) == [3]  # one process purged, three times
            assert runs[f"warn@{id(first_ctx)}"] == runs[f"warn@{id(second_ctx)}"] == 3
            leader, follower = (first, second) if first.leadership.leading else (second, first)
            assert not follower.leadership.leading

            await leader.stop()  # the leader goes away (its lock with it)
            await follower.run_due()
            assert follower.leadership.leading
            assert runs[f"purge@{id(follower.ctx)}"] == 1
        finally:
            for ctx, jobs in nodes:
                await jobs.stop()
                await ctx.db.dispose()

    asyncio.run(main())

"""Timed work that runs in the background of a server process.

Every ``tick`` seconds each job whose period has passed runs once, in order; a job that fails
is logged and tried again at its next turn, and never stops the others. Each job reads the
injected clock, so tests move time by hand.

Jobs on the database (the purge, ending the queue at closing time) run on exactly one process
at a time: the one that holds the jobs lock (``db.Leadership``); when it dies, another takes
over at its next tick. Each is idempotent too, so a lost lock never does harm. A job that only
tells this process's own sockets something (the closing warning) runs on every process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from lykt.actions.audit import prune_audit
from lykt.actions.context import Context
from lykt.actions.hours import end_queue_if_closed, warn_before_closing
from lykt.actions.retention import purge_expired
from lykt.db import Leadership

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Context], Awaitable[object]]
    every_s: float
    leader_only: bool = True


def default_jobs(tick_s: float, purge_every_s: float) -> tuple[Job, ...]:
    return (
        # At closing time: end the queue kindly; 15 minutes before: warn the hosts.
        Job("end_queue_if_closed", end_queue_if_closed, tick_s),
        Job("warn_before_closing", warn_before_closing, tick_s, leader_only=False),
        # Delete what is past the retention period; prune the audit log once an hour.
        Job("purge_expired", purge_expired, purge_every_s),
        Job("prune_audit", prune_audit, 3600),
    )


class Jobs:
    def __init__(self, ctx: Context, tick_s: float, jobs: Sequence[Job]) -> None:
        self.ctx = ctx
        self.tick_s = tick_s
        self.jobs = tuple(jobs)
        self._last_run: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self.leadership = Leadership(ctx.db)

    async def run_due(self) -> None:
        try:
            leading = await self.leadership.try_lead()
        except Exception:
            log.exception("could not take part in choosing who runs the jobs")
            leading = False
        for job in self.jobs:
            if job.leader_only and not leading:
                continue
            now = time.monotonic()
            last = self._last_run.get(job.name)
            if last is not None and now - last < job.every_s:
                continue
            self._last_run[job.name] = now
            try:
                await job.run(self.ctx)
            except Exception:
                log.exception("background job %s failed", job.name)

    async def _loop(self) -> None:
        while True:
            await self.run_due()
            await asyncio.sleep(self.tick_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.leadership.release()

"""Timed work that runs in the background of a server process.

Every ``interval`` seconds each job runs once, in order; a job that fails is logged and tried
again at the next tick, and never stops the others. Each job reads the injected clock, so tests
move time by hand. The jobs are safe to run on several processes at once (each is idempotent
and works from the database)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from lykt.actions.context import Context
from lykt.actions.hours import end_queue_if_closed, warn_before_closing

log = logging.getLogger(__name__)

Job = Callable[[Context], Awaitable[object]]

#: At closing time: end the queue kindly; 15 minutes before: warn the hosts.
DEFAULT_JOBS: tuple[Job, ...] = (end_queue_if_closed, warn_before_closing)


class Jobs:
    def __init__(self, ctx: Context, interval: float, jobs: Sequence[Job] = DEFAULT_JOBS) -> None:
        self.ctx = ctx
        self.interval = interval
        self.jobs = tuple(jobs)
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> None:
        for job in self.jobs:
            try:
                await job(self.ctx)
            except Exception:
                log.exception("background job %s failed", getattr(job, "__name__", job))

    async def _loop(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

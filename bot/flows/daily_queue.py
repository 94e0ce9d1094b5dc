"""Learners whose daily prompt time has come, drained by a few workers.

The minute tick only reads SQLite and hands learners over here, so it never runs
long. A bounded number of workers keeps the rate limiter's queue full (fan-out at
Telegram's cap) without one coroutine per learner: 100,000 learners due at 09:00
cost 100,000 small tuples, not 100,000 suspended sessions.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from bot.pacing import mark_task_bulk
from bot.storage.daily import DailyDue

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 64
PAGE_SIZE = 1_000
ENOUGH_WAITING = 5_000
CLOSE_GRACE_SECONDS = 10.0

Handle = Callable[[DailyDue, datetime], Awaitable[None]]


class DailyQueue:
    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self._limit = workers
        self._pending: deque[tuple[DailyDue, datetime]] = deque()
        self._workers: set[asyncio.Task[None]] = set()
        # (prompt time, user id) of the last learner handed over: the next tick reads on from
        # there, so a learner still waiting here is not queued a second time.
        self.cursor: tuple[datetime, int] | None = None
        # A backlog (after long downtime) is read page by page, never all at once.
        self.page_size = PAGE_SIZE
        self.enough_waiting = ENOUGH_WAITING
        # The start-up tick and the first minute tick may meet; one reads SQLite at a time.
        self.tick_lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, due: Iterable[DailyDue], tick_time: datetime, handle: Handle) -> int:
        before = len(self._pending)
        self._pending.extend((learner, tick_time) for learner in due)
        while len(self._workers) < min(self._limit, len(self._pending)):
            task = asyncio.create_task(self._work(handle), name="daily-prompt-worker")
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        return len(self._pending) - before

    async def _work(self, handle: Handle) -> None:
        mark_task_bulk()  # this task's sends yield to replies to learners' own actions
        while self._pending:
            learner, tick_time = self._pending.popleft()
            try:
                await handle(learner, tick_time)
            except Exception:
                # Logged with its traceback; the rest of the queue still gets its prompts.
                log.exception("daily prompt for learner %s failed", learner.user_id)

    async def join(self) -> None:
        """Wait until every queued learner has been handled (tests, shutdown)."""
        while self._workers:
            await asyncio.gather(*self._workers)

    async def close(self, grace: float = CLOSE_GRACE_SECONDS) -> None:
        """Stop at shutdown, before the HTTP client closes.

        Learners not started keep their due time and are caught up at the next start;
        the ones being prompted get `grace` seconds to finish their few sends.
        """
        self._pending.clear()
        workers = list(self._workers)
        if workers:
            _, unfinished = await asyncio.wait(workers, timeout=grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

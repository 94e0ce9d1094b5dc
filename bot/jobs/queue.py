"""A JobQueue whose stop waits for the jobs still running, before the HTTP client closes.

PTB shields a job's run from cancellation (`Job.run`), and at shutdown APScheduler's
asyncio executor only cancels the future around it. A job that fired while
`Application.stop` waited for the others (a challenge round's timer, a daily tick) kept
running after `Application.shutdown` had closed the HTTP client: its sends failed with
"This HTTPXRequest is not initialized!" and a traceback in the log (seen in CI's
three-worker test, SIGTERM during a round). Here every run is tracked, and `stop` waits
for the ones still going, up to a grace period.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.ext import Job, JobQueue

log = logging.getLogger(__name__)

# A job's few sends and writes take well under this; the refit runs in a thread with a
# budget of its own, and is left to finish (it sends nothing) if it runs longer.
STOP_GRACE_SECONDS = 10.0


class DrainingJobQueue(JobQueue[Any]):
    __slots__ = ("_runs", "stop_grace")

    def __init__(self, stop_grace: float = STOP_GRACE_SECONDS) -> None:
        super().__init__()
        self._runs: set[asyncio.Task[None]] = set()
        self.stop_grace = stop_grace

    @property
    def running_jobs(self) -> int:
        return len(self._runs)

    @staticmethod
    async def job_callback(job_queue: JobQueue[Any], job: Job[Any]) -> None:
        assert isinstance(job_queue, DrainingJobQueue)
        run = asyncio.ensure_future(job.run(job_queue.application))
        job_queue._runs.add(run)
        run.add_done_callback(job_queue._runs.discard)
        # Shielded like PTB's own: cancelling the scheduler's future does not stop the job.
        await asyncio.shield(run)

    async def stop(self, wait: bool = True) -> None:
        await super().stop(wait=wait)
        if not wait or not self._runs:
            return
        _, unfinished = await asyncio.wait(set(self._runs), timeout=self.stop_grace)
        if unfinished:
            log.warning(
                "%d jobs still running %.0f s after stop; not waiting for them",
                len(unfinished),
                self.stop_grace,
            )

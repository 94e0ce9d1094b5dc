"""Jobs still running when the Application stops finish before the HTTP client closes.

The race CI hit: SIGTERM while one job ran; a second job (a round's timer) fired while
PTB's JobQueue.stop waited for the first. APScheduler cancelled only the future around
the second, PTB's shield kept it running, and its send came after Application.shutdown.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.jobs.queue import DrainingJobQueue
from tests.conftest import Harness


async def test_a_job_that_fires_during_stop_sends_before_stop_returns(harness: Harness) -> None:
    app = harness.app
    job_queue = app.job_queue
    assert isinstance(job_queue, DrainingJobQueue)
    first_started = asyncio.Event()
    second_sent: list[int] = []

    async def slow_first(context: Any) -> None:
        first_started.set()
        await asyncio.sleep(0.5)

    async def second(context: Any) -> None:
        await asyncio.sleep(0.6)
        message = await context.bot.send_message(42, "round results")
        second_sent.append(message.message_id)

    await app.start()
    job_queue.run_once(slow_first, when=0)
    job_queue.run_once(second, when=0.2)
    await first_started.wait()
    # Stop while the first runs; the second fires during the wait and sends 0.6 s later,
    # after the first has finished (when PTB's own stop returns).
    await app.stop()

    assert second_sent, "the job that fired during stop was not waited for"
    assert job_queue.running_jobs == 0
    assert "round results" in harness.api.texts(42)


async def test_stop_gives_up_on_a_job_past_its_grace(harness: Harness) -> None:
    job_queue = harness.app.job_queue
    assert isinstance(job_queue, DrainingJobQueue)
    job_queue.stop_grace = 0.1
    release = asyncio.Event()
    first_started = asyncio.Event()

    async def slow_first(context: Any) -> None:
        first_started.set()
        await asyncio.sleep(0.3)

    async def stuck(context: Any) -> None:
        await release.wait()

    await harness.app.start()
    job_queue.run_once(slow_first, when=0)
    job_queue.run_once(stuck, when=0.1)
    await first_started.wait()
    # PTB's own stop waits for the first; the stuck one fired during that wait.
    await asyncio.wait_for(harness.app.stop(), timeout=5)

    assert job_queue.running_jobs == 1  # returned without it, after its grace
    release.set()
    await asyncio.sleep(0.01)
    assert job_queue.running_jobs == 0

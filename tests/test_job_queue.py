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
    first_started, second_started = asyncio.Event(), asyncio.Event()
    second_sent: list[int] = []

    async def first(context: Any) -> None:
        first_started.set()
        # Ends only once the second has fired: PTB's own stop waits for this one alone.
        await second_started.wait()

    async def second(context: Any) -> None:
        second_started.set()
        await asyncio.sleep(0.3)  # still running when PTB's stop returns
        message = await context.bot.send_message(42, "round results")
        second_sent.append(message.message_id)

    await app.start()
    job_queue.run_once(first, when=0)
    await first_started.wait()
    job_queue.run_once(second, when=0.1)
    await app.stop()  # called while the first runs; the second fires during its wait

    assert second_sent, "the job that fired during stop was not waited for"
    assert job_queue.running_jobs == 0
    assert "round results" in harness.api.texts(42)


async def test_stop_gives_up_on_a_job_past_its_grace(harness: Harness) -> None:
    job_queue = harness.app.job_queue
    assert isinstance(job_queue, DrainingJobQueue)
    job_queue.stop_grace = 0.1
    release = asyncio.Event()
    first_started, stuck_started = asyncio.Event(), asyncio.Event()

    async def first(context: Any) -> None:
        first_started.set()
        await stuck_started.wait()

    async def stuck(context: Any) -> None:
        stuck_started.set()
        await release.wait()

    await harness.app.start()
    job_queue.run_once(first, when=0)
    await first_started.wait()
    job_queue.run_once(stuck, when=0.1)
    await asyncio.wait_for(harness.app.stop(), timeout=5)

    assert job_queue.running_jobs == 1  # returned without it, after its grace
    release.set()
    await asyncio.sleep(0.01)
    assert job_queue.running_jobs == 0

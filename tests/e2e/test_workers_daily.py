"""(b) Three workers, 300 learners due at the same minute: each gets exactly one prompt, and
the three keep to the token's 30 messages/s together (the fake Bot API counts)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.flows import daily as daily_flow
from bot.storage import Storage
from tests.conftest import Postgres
from tests.e2e.test_workers import check_logs, start_cluster
from tests.e2e.workers import Worker, holder_among, lease_holder, scalar
from tests.fakes.telegram_server import FakeTelegramServer

LEARNERS = range(900_000, 900_300)


@pytest.fixture
def database(postgres: Postgres) -> Iterator[str]:
    url = asyncio.run(postgres.fresh())
    yield url
    asyncio.run(postgres.drop(url))


def due_soon(margin: float = 8.0) -> datetime:
    """The next whole minute at least `margin` seconds away."""
    now = datetime.now(UTC)
    moment = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment if (moment - now).total_seconds() >= margin else moment + timedelta(minutes=1)


async def register(url: str, at: datetime) -> None:
    storage = Storage(url)
    await storage.open()
    try:
        now = datetime.now(UTC)
        for user_id in LEARNERS:
            await storage.users.upsert(user_id, f"Learner {user_id}", None, now)
            await storage.users.set_daily_time(user_id, f"{at:%H:%M}")
            user = await storage.users.get(user_id)
            assert user is not None
            await daily_flow.schedule(storage, user, now)
    finally:
        await storage.close()


def test_three_hundred_learners_due_at_once_get_one_prompt_each_from_three_workers(
    database: str, tmp_path: Path
) -> None:
    started: list[Worker] = []
    with FakeTelegramServer() as server:  # Telegram's caps: 30/s, 20 a minute per group
        try:
            start_cluster(server, database, tmp_path, started)(3)
            at = due_soon()
            asyncio.run(register(database, at))
            # One of the workers holds the daily tick's lease (taken at its first tick).
            holder_among(
                server,
                started,
                lambda: lease_holder(database, "daily-tick"),
                "the daily tick's lease held",
                timeout=70,
            )

            def prompted() -> int:
                return sum(server.find_message(u, "Daily revision —") is not None for u in LEARNERS)

            server.wait_for(
                lambda: prompted() == len(LEARNERS),
                timeout=(at - datetime.now(UTC)).total_seconds() + 60,
                description="every learner's daily prompt",
            )
            elapsed = (datetime.now(UTC) - at).total_seconds()
            # Each prompt is followed by the session's first item.
            server.wait_for(
                lambda: all(server.message_count(u) + server.poll_count(u) >= 2 for u in LEARNERS),
                timeout=30,
                description="every learner's first item",
            )
            time.sleep(3)  # a second prompt from another worker would show by now
            for user_id in LEARNERS:
                prompts = [
                    m for m in server.sent_messages(user_id) if "Daily revision —" in m["text"]
                ]
                assert len(prompts) == 1, (user_id, prompts)
            sessions = scalar(database, "SELECT count(*) FROM sessions WHERE kind = 'daily'")
            assert sessions == len(LEARNERS)
            peak = server.peak_rate(window=1.0)
            throttled = sum(1 for e in server.errors if e.response["error_code"] == 429)
            print(f"300 prompts in {elapsed:.1f} s; peak {peak}/s, 429s {throttled}")
            # The three workers shared the token's budget: Telegram's cap held.
            assert peak <= 30
        finally:
            for worker in started:
                if worker.alive:
                    worker.stop(signal.SIGTERM)
            check_logs(started)

"""Daily revision end to end: 300 learners due at the same minute under Telegram's 30 msg/s cap."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import Storage
from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer

LEARNERS = range(1000, 1299)  # 299 learners set up beforehand, plus one who uses /daily
BLOCKED = 1100


def next_minute() -> str:
    """A local (UTC) HH:MM at least 15 s away, so the bot is up before it comes."""
    moment = datetime.now(UTC) + timedelta(seconds=75)
    return f"{moment:%H:%M}"


async def register(database: Path, daily_time: str) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        now = datetime.now(UTC)
        for user_id in LEARNERS:
            await storage.users.upsert(user_id, f"Learner {user_id}", None, now)
            await storage.users.set_daily_time(user_id, daily_time)
    finally:
        await storage.close()


def test_three_hundred_learners_due_at_once_all_get_their_prompt(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess], tmp_path: Path
) -> None:
    daily_time = next_minute()
    asyncio.run(register(tmp_path / "quiz.sqlite3", daily_time))
    server.block_user(BLOCKED)
    bot = start_bot()

    ada = server.user(42, "Ada")
    server.push_message(ada, "/start")
    server.wait_for_message(42, contains="Daily revision is on at 09:00 UTC")
    server.push_message(ada, f"/daily {daily_time}")
    setting = server.wait_for_message(42, contains=f"Daily revision at {daily_time}")
    assert "UTC" in setting["text"]

    expected = [*(u for u in LEARNERS if u != BLOCKED), 42]

    def everyone_prompted() -> bool:
        return all(
            server.find_message(user_id, "Daily revision —") is not None for user_id in expected
        )

    server.wait_for(everyone_prompted, timeout=180, description="every learner's daily prompt")
    # Each prompt is followed by the session's first item.
    server.wait_for(
        lambda: all(
            server.message_count(u) + server.poll_count(u) >= 2 + (u == 42) * 2 for u in expected
        ),
        timeout=60,
        description="every learner's first revision item",
    )
    assert server.find_message(BLOCKED, "Daily revision —") is None
    # Telegram's cap held, and every 429 it gave was retried until the message went out.
    assert server.peak_rate(window=1.0) <= 30
    bot.stop()
    assert "daily prompt for learner" not in bot.log  # no learner's prompt failed
    assert "RetryAfter" not in bot.log

    with sqlite3.connect(tmp_path / "quiz.sqlite3") as db:
        active = dict(db.execute("SELECT user_id, active FROM users").fetchall())
        sessions = db.execute("SELECT COUNT(*) FROM sessions WHERE kind = 'daily'").fetchone()[0]
    assert active[BLOCKED] == 0
    assert sum(active.values()) == len(expected)
    assert sessions == len(expected)

"""Another process locks the database for 10 s: answers wait, then all are stored and replied to."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer

LEARNERS = range(101, 109)
LOCK_SECONDS = 10


def test_a_ten_second_lock_delays_answers_and_loses_none(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    polls = {}
    for user_id in LEARNERS:
        learner = server.user(user_id, f"L{user_id}")
        server.push_message(learner, "/quiz")
        polls[user_id] = server.wait_for_poll(user_id)["poll"]
    server.wait_for(lambda: stored_polls(bot) == len(polls), timeout=10, description="polls stored")

    # Someone's `sqlite3` shell (or a backup) takes the write lock and keeps it.
    other = sqlite3.connect(bot.database, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    try:
        for user_id, poll in polls.items():
            right = poll["correct_option_ids"][0]
            choice = right if user_id % 2 else (right + 1) % len(poll["options"])
            server.push_poll_answer(server.user(user_id, f"L{user_id}"), poll["id"], [choice])
        time.sleep(LOCK_SECONDS)
        assert all(
            server.find_message(user_id, contains="Right!") is None
            and server.find_message(user_id, contains="Not quite") is None
            for user_id in LEARNERS
        ), "a reply went out before its answer could be stored"
    finally:
        other.execute("ROLLBACK")
        other.close()

    for user_id in LEARNERS:
        expected = "Right!" if user_id % 2 else "Not quite"
        server.wait_for_message(user_id, contains=expected, timeout=30)
    assert time.monotonic() - locked_at >= LOCK_SECONDS
    with sqlite3.connect(bot.database) as db:
        rows = db.execute("SELECT user_id, correct FROM answers ORDER BY user_id").fetchall()
    assert rows == [(user_id, user_id % 2) for user_id in LEARNERS]
    assert "database is locked by another process; waiting" in bot.stop()


def stored_polls(bot: BotProcess) -> int:
    with sqlite3.connect(bot.database) as db:
        return int(db.execute("SELECT COUNT(*) FROM sent_polls").fetchone()[0])

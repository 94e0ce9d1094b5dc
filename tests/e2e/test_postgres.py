"""The bot as a process on PostgreSQL: a learner studies, the bot restarts (SIGKILL), the
answer to the poll sent before the crash still counts; the password never reaches the log."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import asyncpg

from tests.conftest import Postgres
from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer


async def stored_answers(url: str) -> list[tuple[str, int]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT s.poll_id, a.correct FROM answers a JOIN sent_polls s ON s.id = a.poll_ref"
            " ORDER BY a.id"
        )
    finally:
        await connection.close()
    return [(row[0], row[1]) for row in rows]


def test_a_learner_on_postgresql_survives_a_killed_bot(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess], postgres: Postgres
) -> None:
    url = asyncio.run(postgres.fresh())
    # The server trusts every login; the password is only there to be kept out of the log.
    with_password = url.replace("postgres@", "postgres:never-logged-secret@")
    bot = start_bot(DATABASE_URL=with_password)
    ada = server.user(42, "Ada")
    server.push_message(ada, "/start")
    server.wait_for_message(42, contains="Hi Ada")

    server.push_message(ada, "/quiz")
    first = server.wait_for_poll(42)
    server.push_poll_answer(ada, first["poll"]["id"], [first["poll"]["correct_option_ids"][0]])
    server.wait_for_message(42, contains="Right!")

    polls = server.poll_count(42)
    server.push_message(ada, "/quiz")
    second = server.wait_for_poll(42, after=polls)
    bot.restart(signal.SIGKILL)

    wrong = (second["poll"]["correct_option_ids"][0] + 1) % len(second["poll"]["options"])
    server.push_poll_answer(ada, second["poll"]["id"], [wrong])
    server.wait_for_message(42, contains="Not quite")
    seen = server.message_count(42)
    server.push_message(ada, "/stats text")
    stats = server.wait_for_message(42, contains="Your stats", after=seen)
    assert "Quiz answers: 2 · 50% right" in stats["text"]
    bot.stop()

    assert asyncio.run(stored_answers(url)) == [
        (first["poll"]["id"], 1),
        (second["poll"]["id"], 0),
    ]
    assert "never-logged-secret" not in bot.log
    assert "database postgresql://postgres@127.0.0.1" in bot.log

"""Group challenges end to end: speed-scored results, the leaderboard, a restart mid-round."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer, FakeUser

GROUP = -1001234567890
TITLE = "Study <Group>"


def say(server: FakeTelegramServer, user: FakeUser, text: str) -> None:
    server.push_message(user, text, chat_id=GROUP, chat_type="supergroup", chat_title=TITLE)


def answer(server: FakeTelegramServer, user: FakeUser, poll: dict, right: bool) -> None:
    correct = poll["poll"]["correct_option_ids"][0]
    choice = correct if right else (correct + 1) % len(poll["poll"]["options"])
    server.push_poll_answer(user, poll["poll"]["id"], [choice])


def stored_answers(bot: BotProcess) -> int:
    with sqlite3.connect(bot.database) as db:
        return int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])


def test_round_results_in_speed_order_then_leaderboard(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    start_bot()
    ann, bob, cat = server.user(1, "Ann"), server.user(2, "Bob & Co"), server.user(3, "Cat")
    say(server, ann, "/challenge 2 5")
    server.wait_for_message(GROUP, contains="Challenge!")
    first = server.wait_for_poll(GROUP)
    assert first["poll"]["is_anonymous"] is False and first["poll"]["open_period"] == 5
    answer(server, ann, first, right=True)
    answer(server, bob, first, right=True)
    answer(server, cat, first, right=False)

    second = server.wait_for_poll(GROUP, after=1, timeout=15)
    answer(server, ann, second, right=True)
    time.sleep(1)
    answer(server, cat, second, right=True)
    time.sleep(2)
    answer(server, bob, second, right=True)

    results = server.wait_for_message(GROUP, contains="Round over", timeout=15)["text"]
    ranked = [line for line in results.splitlines() if " pt" in line]
    assert [line.split(" — ")[0] for line in ranked] == ["🥇 Ann", "🥈 Bob & Co", "🥉 Cat"]
    assert "2 right" in ranked[0] and "2 right" in ranked[1] and "1 right" in ranked[2]

    seen = server.message_count(GROUP)
    say(server, cat, "/leaderboard")
    board = server.wait_for_message(GROUP, contains="Leaderboard", after=seen)["text"]
    week, ever = board.split("All time")
    for part in (week, ever):
        assert part.index("Ann") < part.index("Bob & Co") < part.index("Cat")


def test_restart_in_the_middle_of_a_round_completes_it_once(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    ann, bob = server.user(1, "Ann"), server.user(2, "Bob")
    say(server, ann, "/challenge 2 5")
    first = server.wait_for_poll(GROUP)
    answer(server, ann, first, right=True)
    server.wait_for(
        lambda: stored_answers(bot) == 1, timeout=10, description="Ann's answer to be stored"
    )
    bot.restart(signal.SIGKILL)  # no graceful shutdown

    second = server.wait_for_poll(GROUP, after=1, timeout=20)
    answer(server, bob, second, right=True)
    results = server.wait_for_message(GROUP, contains="Round over", timeout=20)["text"]
    assert "Ann — 1 right" in results and "Bob — 1 right" in results
    time.sleep(8)  # longer than a question: a stray timer would have posted by now
    assert sum("Round over" in m["text"] for m in server.sent_messages(GROUP)) == 1
    assert server.poll_count(GROUP) == 2
    assert stored_answers(bot) == 2

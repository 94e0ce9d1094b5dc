"""Group challenges end to end: speed-scored results, the leaderboard, a restart mid-round.

Who was faster comes from the order of the votes, not from sleeps: each vote is pushed once
the bot has stored the one before, so the bot's own clock sees them in that order however
loaded the machine is. Waits that must last (a stray timer's chance to fire) are measured on
the fake server's clock from the round's own timing.
"""

from __future__ import annotations

import re
import signal
import sqlite3
from collections.abc import Callable

from bot.flows.challenge import CLOSE_GRACE
from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer, FakeUser

GROUP = -1001234567890
TITLE = "Study <Group>"
SECONDS = 5  # each question's open period (the shortest a round allows)


def say(server: FakeTelegramServer, user: FakeUser, text: str) -> None:
    server.push_message(user, text, chat_id=GROUP, chat_type="supergroup", chat_title=TITLE)


def answer(server: FakeTelegramServer, user: FakeUser, poll: dict, right: bool) -> None:
    correct = poll["poll"]["correct_option_ids"][0]
    choice = correct if right else (correct + 1) % len(poll["poll"]["options"])
    server.push_poll_answer(user, poll["poll"]["id"], [choice])


def stored_answers(bot: BotProcess) -> int:
    with sqlite3.connect(bot.database) as db:
        return int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])


def answer_in_turn(
    server: FakeTelegramServer, bot: BotProcess, poll: dict, votes: list[tuple[FakeUser, bool]]
) -> None:
    """Each vote once the one before it is stored: the bot times them in this order."""
    for user, right in votes:
        before = stored_answers(bot)
        answer(server, user, poll, right)
        server.wait_for(
            lambda before=before: stored_answers(bot) > before,
            timeout=SECONDS,
            description=f"{user.first_name}'s answer to be stored",
        )


def test_round_results_in_speed_order_then_leaderboard(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    # Ids in the reverse of the expected ranking: the last tie-break (user id) would put
    # Cat first, so only points and times can put Ann there.
    ann, bob, cat = server.user(3, "Ann"), server.user(2, "Bob & Co"), server.user(1, "Cat")
    say(server, ann, f"/challenge 2 {SECONDS}")
    server.wait_for_message(GROUP, contains="Challenge!")
    first = server.wait_for_poll(GROUP)
    assert first["poll"]["is_anonymous"] is False and first["poll"]["open_period"] == SECONDS
    answer_in_turn(server, bot, first, [(ann, True), (bob, True), (cat, False)])

    second = server.wait_for_poll(GROUP, after=1, timeout=15)
    answer_in_turn(server, bot, second, [(ann, True), (cat, True), (bob, True)])

    results = server.wait_for_message(GROUP, contains="Round over", timeout=15)["text"]
    ranked = [line for line in results.splitlines() if " pt" in line]
    assert [line.split(" — ")[0] for line in ranked] == ["🥇 Ann", "🥈 Bob & Co", "🥉 Cat"]
    assert "2 right" in ranked[0] and "2 right" in ranked[1] and "1 right" in ranked[2]
    # Faster never scores less; two right answers beat one.
    points = [int(re.findall(r"(\d+) pts", line)[0]) for line in ranked]
    assert points[0] >= points[1] > points[2] > 0, points

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
    say(server, ann, f"/challenge 2 {SECONDS}")
    first = server.wait_for_poll(GROUP)
    answer(server, ann, first, right=True)
    server.wait_for(
        lambda: stored_answers(bot) == 1, timeout=10, description="Ann's answer to be stored"
    )
    bot.restart(signal.SIGKILL)  # no graceful shutdown

    second = server.wait_for_poll(GROUP, after=1, timeout=20)
    answer(server, bob, second, right=True)
    over = server.wait_for_message(GROUP, contains="Round over", timeout=20)
    assert "Ann — 1 right" in over["text"] and "Bob — 1 right" in over["text"]

    # A stray timer (one the restart left armed twice) fires at most a question after the
    # results: wait that long on the server's clock (message dates are whole seconds, hence
    # the 1), stopping early if one does post.
    def results_posted() -> int:
        return sum("Round over" in m["text"] for m in server.sent_messages(GROUP))

    stray_chance_ends = over["date"] + 1 + SECONDS + CLOSE_GRACE.total_seconds()
    server.wait_for(
        lambda: server.now() >= stray_chance_ends or results_posted() > 1,
        timeout=2 * (SECONDS + CLOSE_GRACE.total_seconds()),
        description="a question's time after the results",
    )
    # ... and the bot is not merely behind: it answers what came after that moment.
    seen = server.message_count(GROUP)
    say(server, bob, "/leaderboard")
    server.wait_for_message(GROUP, contains="Leaderboard", after=seen)
    assert results_posted() == 1
    assert server.poll_count(GROUP) == 2
    assert stored_answers(bot) == 2

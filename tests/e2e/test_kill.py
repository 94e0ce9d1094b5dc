"""SIGKILL at any moment loses no acknowledged answer: the durable inbox, end to end.

A burst of poll answers reaches the bot in one getUpdates batch; the bot is killed at
different moments after fetching it (from "just fetched" to "half handled"), started
again, and every answer must end up in SQLite exactly once.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer

GROUP = -1009876543210
BURST = 120
# Seconds between the bot fetching the burst and the kill.
KILL_DELAYS = (0.0, 0.005, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.25, 0.4, 0.7)


def stored(bot: BotProcess, poll_id: str) -> list[int]:
    with sqlite3.connect(bot.database) as db:
        rows = db.execute(
            "SELECT a.user_id FROM answers a JOIN sent_polls s ON s.id = a.poll_ref"
            " WHERE s.poll_id = ?",
            (poll_id,),
        ).fetchall()
    return [row[0] for row in rows]


def totals_match_answers(bot: BotProcess) -> list[str]:
    """Where the running totals (written in the answers' own transaction) disagree with the
    answers: a kill between the two writes would show here."""
    with sqlite3.connect(bot.database) as db:
        board = db.execute(
            "SELECT t.user_id, t.right FROM challenge_totals t WHERE t.chat_id = ?"
            " AND t.period = 'all' EXCEPT SELECT user_id, SUM(correct) FROM answers"
            " WHERE chat_id = ? AND context = 'challenge' GROUP BY user_id",
            (GROUP, GROUP),
        ).fetchall()
        items = db.execute(
            "SELECT item_id, user_id, answers, right FROM challenge_item_totals"
            " WHERE chat_id = ? EXCEPT SELECT item_id, user_id, COUNT(*), SUM(correct)"
            " FROM answers WHERE chat_id = ? AND context = 'challenge'"
            " GROUP BY item_id, user_id",
            (GROUP, GROUP),
        ).fetchall()
        counts = db.execute(
            "SELECT (SELECT COUNT(*) FROM challenge_totals WHERE chat_id = ? AND period = 'all'),"
            " (SELECT SUM(answers) FROM challenge_item_totals WHERE chat_id = ?),"
            " (SELECT COUNT(DISTINCT user_id) FROM answers WHERE chat_id = ?),"
            " (SELECT COUNT(*) FROM answers WHERE chat_id = ?)",
            (GROUP, GROUP, GROUP, GROUP),
        ).fetchone()
    problems = [f"leaderboard {row}" for row in board] + [f"question {row}" for row in items]
    if counts[0] != counts[2] or counts[1] != counts[3]:
        problems.append(f"rows: {counts}")
    return problems


def poll_stored(bot: BotProcess, poll_id: str) -> bool:
    with sqlite3.connect(bot.database) as db:
        row = db.execute("SELECT 1 FROM sent_polls WHERE poll_id = ?", (poll_id,)).fetchone()
    return row is not None


def fetched_burst(server: FakeTelegramServer, first_update_id: int) -> bool:
    """True once a getUpdates response carried the burst's first update."""
    for request in server.requests_for("getUpdates"):
        result = request.response.get("result") or []
        if any(update["update_id"] == first_update_id for update in result):
            return True
    return False


def test_sigkill_at_any_moment_keeps_every_answer_exactly_once(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    host = server.user(1, "Host")
    server.push_message(
        host, "/challenge 1 600", chat_id=GROUP, chat_type="supergroup", chat_title="Kill room"
    )
    poll = server.wait_for_poll(GROUP, timeout=15)
    poll_id = poll["poll"]["id"]
    correct = poll["poll"]["correct_option_ids"][0]
    options = len(poll["poll"]["options"])
    # (A kill before the poll itself is stored is the timed-out sendPoll case, tested apart.)
    server.wait_for(
        lambda: poll_stored(bot, poll_id), timeout=10, description="the poll to be stored"
    )

    expected: set[int] = set()
    stored_at_kill: list[int] = []
    for round_number, delay in enumerate(KILL_DELAYS):
        members = range(1000 * (round_number + 1), 1000 * (round_number + 1) + BURST)
        first = None
        for user_id in members:
            member = server.user(user_id, f"M{user_id}")
            update = server.push_poll_answer(
                member, poll_id, [correct if user_id % 3 else (correct + 1) % options]
            )
            first = first or update["update_id"]
            expected.add(user_id)
        assert first is not None
        server.wait_for(
            lambda first=first: fetched_burst(server, first),
            timeout=10,
            description="the burst to be fetched",
        )
        time.sleep(delay)
        bot.stop(signal.SIGKILL)
        stored_at_kill.append(len(stored(bot, poll_id)))
        bot.start()

    server.wait_for(
        lambda: set(stored(bot, poll_id)) == expected,
        timeout=60,
        description="every answer to be stored after the last restart",
    )
    answers = stored(bot, poll_id)
    assert len(answers) == len(expected) == BURST * len(KILL_DELAYS)  # exactly once each
    # The kills really fell at different stages: some before anything of a burst was
    # stored, some in the middle of one.
    before_each = [0, *stored_at_kill[:-1]]
    per_round = [b - a for a, b in zip(before_each, stored_at_kill, strict=True)]
    assert any(count < BURST for count in per_round), per_round
    # ... and the leaderboard and /groupstats totals agree with them exactly.
    assert totals_match_answers(bot) == []

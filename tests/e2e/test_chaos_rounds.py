"""A group round while Telegram misbehaves: it neither stalls nor loses a vote.

`python -m bot` against the fake Bot API, with the round's real JobQueue timers. Telegram
fails the round's first question (a 502: not sent), times out its second (the poll reached
the group, the answer never came back) and fails the results (a 500). The round must ask
every question, credit every vote (the timed-out poll's through Telegram's `poll` update),
post its results, and leave leaderboard totals equal to the stored answers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer, FakeUser

GROUP = {"id": -1004242424242, "type": "supergroup", "title": "Chaos room"}
MEMBERS = range(701, 705)


def vote_on_every_poll(
    server: FakeTelegramServer, members: list[FakeUser], voted: set[str]
) -> None:
    for message in server.sent_polls(GROUP["id"]):
        poll = message["poll"]
        if poll["id"] in voted or poll.get("is_closed"):
            continue
        right = poll["correct_option_ids"][0]
        for member in members:
            wrong = (right + 1) % len(poll["options"])
            server.push_poll_answer(member, poll["id"], [right if member.id % 2 else wrong])
        voted.add(poll["id"])


def results_posted(server: FakeTelegramServer) -> int:
    return sum("Round over" in m.get("text", "") for m in server.sent_messages(GROUP["id"]))


def stored_votes(bot: BotProcess) -> set[tuple[str, int]]:
    with sqlite3.connect(bot.database) as db:
        rows = db.execute(
            "SELECT s.poll_id, a.user_id FROM answers a JOIN sent_polls s ON s.id = a.poll_ref"
            " WHERE a.chat_id = ?",
            (GROUP["id"],),
        ).fetchall()
    return {(str(poll_id), int(user_id)) for poll_id, user_id in rows}


def test_a_round_under_telegram_errors_asks_everything_and_keeps_every_vote(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(GROUP_MAX_RATE_PER_MINUTE="1000")
    members = [server.user(user_id, f"M{user_id}") for user_id in MEMBERS]
    server.fail_next("sendPoll", "502")  # question 1: not sent, asked again
    server.push_message(
        members[0],
        "/challenge 2 5",
        chat_id=GROUP["id"],
        chat_type=GROUP["type"],
        chat_title=GROUP["title"],
    )
    voted: set[str] = set()

    def first_question_asked() -> bool:
        vote_on_every_poll(server, members, voted)
        return bool(voted)

    server.wait_for(first_question_asked, timeout=30, description="question 1, asked again")
    server.fail_next("sendPoll", "timeout-close")  # question 2 arrives, its answer does not
    server.fail_next("sendMessage", "500")  # the results: not sent, posted again

    def round_over() -> bool:
        vote_on_every_poll(server, members, voted)
        return results_posted(server) >= 1

    server.wait_for(round_over, timeout=60, description="the round's results")

    # Both questions were asked (question 2 perhaps twice: its first send did arrive), and
    # the failed first send of question 1 left nothing in the group.
    with sqlite3.connect(bot.database) as db:
        position, items, finished = db.execute(
            "SELECT position, json_array_length(item_ids), finished_at FROM challenges"
        ).fetchone()
    assert position == items == 2 and finished is not None
    questions = {m["poll"]["question"] for m in server.sent_polls(GROUP["id"])}
    assert len(questions) == 2
    # Every vote the fake took is stored once, the timed-out poll's included.
    recorded = {
        (poll_id, user_id) for poll_id in server.poll_ids() for user_id in server.votes(poll_id)
    }
    server.wait_for(
        lambda: stored_votes(bot) == recorded, timeout=30, description="every vote stored"
    )
    assert len(recorded) >= 2 * len(members)
    assert results_posted(server) == 1
    with sqlite3.connect(bot.database) as db:
        mismatched = db.execute(
            "SELECT t.user_id, t.right FROM challenge_totals t WHERE t.chat_id = ?"
            " AND t.period = 'all' EXCEPT SELECT user_id, SUM(correct) FROM answers"
            " WHERE chat_id = ? GROUP BY user_id",
            (GROUP["id"], GROUP["id"]),
        ).fetchall()
    assert mismatched == []

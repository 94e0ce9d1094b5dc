"""Leaderboard running totals: equal to summing the answers, per week and all time, with ranks."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.group_report import QuestionTally
from bot.domain.scoring import Standing, Tally, rank_tallies, week_start
from bot.storage import Storage
from bot.storage.database import migrations, to_db_time
from bot.storage.records import NewAnswer, SentPoll

GROUP, OTHER = -1001, -1002
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


def challenge_answer(
    user_id: int, chat_id: int, poll: int, moment: datetime, rng: random.Random
) -> NewAnswer:
    correct = rng.random() < 0.6
    return NewAnswer(
        user_id=user_id,
        item_id="mvd-quiz-monitoring",
        chat_id=chat_id,
        grade="good" if correct else "again",
        correct=correct,
        answered_at=moment,
        context="challenge",
        poll_id=f"p{chat_id}-{poll}",
        chosen_option=0,
        # Whole and half seconds add up exactly in floating point: ties stay ties.
        seconds=rng.randrange(2, 40) / 2,
        session_id=poll // 5,
        points=rng.choice([0, 500, 750, 1000]) if correct else 0,
    )


def expected_board(storage_tallies: list[Standing], caller: int, size: int) -> list[Standing]:
    board = storage_tallies[:size]
    mine = [s for s in storage_tallies if s.user_id == caller]
    if mine and mine[0].rank > size:
        board.append(mine[0])
    return board


async def week_tallies(storage: Storage, chat_id: int, monday: datetime) -> list[Tally]:
    """The reference: every challenge answer of that week, summed straight from `answers`."""
    rows = await storage.db.fetch_all(
        "SELECT a.user_id, u.first_name, SUM(a.correct), SUM(a.points), SUM(a.seconds)"
        " FROM answers a JOIN users u USING (user_id) WHERE a.context = 'challenge'"
        " AND a.chat_id = ? AND a.answered_at >= ? AND a.answered_at < ?"
        " GROUP BY a.user_id, u.first_name",
        (chat_id, to_db_time(monday), to_db_time(monday + timedelta(days=7))),
    )
    return [Tally(*row) for row in rows]


async def all_time_tallies(storage: Storage, chat_id: int) -> list[Tally]:
    """The reference for all time, summed straight from `answers`."""
    rows = await storage.db.fetch_all(
        "SELECT a.user_id, u.first_name, SUM(a.correct), SUM(a.points),"
        " SUM(COALESCE(a.seconds, 0)) FROM answers a JOIN users u USING (user_id)"
        " WHERE a.context = 'challenge' AND a.chat_id = ? GROUP BY a.user_id, u.first_name",
        (chat_id,),
    )
    return [Tally(*row) for row in rows]


async def question_tallies(storage: Storage, chat_id: int) -> list[QuestionTally]:
    """/groupstats' reference: per question, straight from `answers`."""
    rows = await storage.db.fetch_all(
        "SELECT item_id, COUNT(*), SUM(correct), COUNT(DISTINCT user_id) FROM answers"
        " WHERE context = 'challenge' AND chat_id = ? GROUP BY item_id ORDER BY item_id",
        (chat_id,),
    )
    return [QuestionTally(*row) for row in rows]


async def sent(storage: Storage, poll_id: str, chat_id: int, moment: datetime) -> None:
    """The challenge poll the answers are to (answers reference their sent poll)."""
    await storage.polls.add(SentPoll(poll_id, chat_id, 1, "x", (0, 1), moment, "challenge"))


async def fill(storage: Storage, rng: random.Random, members: int, polls: int) -> list[int]:
    users = list(range(500, 500 + members))
    for user_id in users:
        await storage.users.ensure(user_id, f"M{user_id}", None, MONDAY)
    for poll in range(polls):
        # Across three weeks, with answers on both sides of the Monday 00:00 UTC boundary.
        moment = MONDAY - timedelta(days=7) + timedelta(hours=poll * 21 * 24 / polls)
        chat = GROUP if poll % 4 else OTHER
        await sent(storage, f"p{chat}-{poll}", chat, moment)
        for user_id in rng.sample(users, rng.randrange(1, members)):
            await storage.answers.record(challenge_answer(user_id, chat, poll, moment, rng), None)
    return users


async def test_boards_equal_the_sum_of_the_answers(storage: Storage) -> None:
    rng = random.Random(5)
    users = await fill(storage, rng, members=30, polls=40)
    for now in (MONDAY - timedelta(seconds=1), MONDAY, MONDAY + timedelta(days=9)):
        for chat in (GROUP, OTHER):
            week = rank_tallies(await week_tallies(storage, chat, week_start(now)))
            ever = rank_tallies(await all_time_tallies(storage, chat))
            for caller in [*rng.sample(users, 8), 999]:
                got_week = await storage.challenges.leaderboard(chat, week_start(now), caller, 10)
                got_ever = await storage.challenges.leaderboard(chat, None, caller, 10)
                assert got_week == expected_board(week, caller, 10)
                assert got_ever == expected_board(ever, caller, 10)
    for chat in (GROUP, OTHER):
        reference = await question_tallies(storage, chat)
        assert reference, "the fixture has challenge answers in both groups"
        got = sorted(await storage.progress.challenge_tallies(chat), key=lambda t: t.item_id)
        assert got == reference


async def test_the_caller_outside_the_top_gets_their_rank(storage: Storage) -> None:
    await sent(storage, "p", GROUP, MONDAY)
    for user_id in range(1, 16):
        await storage.users.ensure(user_id, f"M{user_id}", None, MONDAY)
        answer = NewAnswer(
            user_id=user_id,
            item_id="x",
            chat_id=GROUP,
            grade="good",
            correct=True,
            answered_at=MONDAY,
            context="challenge",
            poll_id="p",
            seconds=float(user_id),
            points=1000 - user_id * 10,  # user 1 first, user 15 last
        )
        assert await storage.answers.record(answer, None)
        assert not await storage.answers.record(answer, None)  # redelivered: counted once
    board = await storage.challenges.leaderboard(GROUP, None, 13, 10)
    assert [s.user_id for s in board] == [*range(1, 11), 13]
    assert board[-1].rank == 13 and board[-1].points == 870 and board[-1].right == 1
    assert len(await storage.challenges.leaderboard(GROUP, None, 5, 10)) == 10
    assert await storage.challenges.leaderboard(GROUP, MONDAY + timedelta(days=7), 1, 10) == []


async def test_forgetting_a_member_removes_them_from_the_board(storage: Storage) -> None:
    rng = random.Random(2)
    users = await fill(storage, rng, members=5, polls=8)
    await storage.users.delete(users[0])
    for chat in (GROUP, OTHER):
        board = await storage.challenges.leaderboard(chat, None, users[0], 10)
        assert users[0] not in [s.user_id for s in board]


async def test_migration_totals_the_answers_already_stored(tmp_path: Path) -> None:
    """A database from before the totals table (schema 7) reads the same boards after 008."""
    path = tmp_path / "old.sqlite3"
    rng = random.Random(9)
    with sqlite3.connect(path) as db:
        for version, _, sql in migrations():
            if version < 8:
                db.executescript(sql)
                db.execute(f"PRAGMA user_version = {version}")
        db.executemany(
            "INSERT INTO users (user_id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(u, f"M{u}", "x", "x") for u in range(1, 21)],
        )
        rows = []
        for poll in range(30):
            moment = MONDAY - timedelta(days=10) + timedelta(hours=poll * 17)
            for user_id in rng.sample(range(1, 21), 12):
                a = challenge_answer(user_id, GROUP, poll, moment, rng)
                rows.append(
                    (a.user_id, a.item_id, a.chat_id, a.poll_id, a.grade, int(a.correct),
                     moment.isoformat(timespec="microseconds"), a.seconds, a.context, a.points)
                )  # fmt: skip
        db.executemany(
            "INSERT INTO answers (user_id, item_id, chat_id, poll_id, grade, correct,"
            " answered_at, seconds, context, points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    storage = Storage(path)
    await storage.open()
    try:
        assert await storage.db.schema_version() >= 8
        for since in (None, week_start(MONDAY - timedelta(days=3)), week_start(MONDAY)):
            tallies = (
                await all_time_tallies(storage, GROUP)
                if since is None
                else await week_tallies(storage, GROUP, since)
            )
            expected = rank_tallies(tallies)
            assert expected, "the fixture has answers in every week asked about"
            for caller in (1, 7, 20):
                board = await storage.challenges.leaderboard(GROUP, since, caller, 10)
                assert board == expected_board(expected, caller, 10)
        # /groupstats' totals (migration 011) start from the answers already stored too.
        got = sorted(await storage.progress.challenge_tallies(GROUP), key=lambda t: t.item_id)
        assert got == await question_tallies(storage, GROUP) != []
    finally:
        await storage.close()

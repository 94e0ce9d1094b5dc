"""Progress queries on a real SQLite file: totals, recent answers, group tallies, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.group_report import Member, QuestionTally
from bot.storage import Storage, progress
from bot.storage.records import NewAnswer, SentPoll

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
GROUP = -1001


async def add(
    storage: Storage,
    user_id: int,
    number: int,
    *,
    correct: bool = True,
    at: datetime = NOW,
    item_id: str = "q1",
    chat_id: int | None = None,
    context: str = "quiz",
) -> None:
    await storage.users.ensure(user_id, f"User {user_id}", None, at)
    chat = user_id if chat_id is None else chat_id
    # Answers name their sent poll (a foreign key): the poll was stored when it was sent.
    await storage.polls.add(SentPoll(f"p{number}", chat, number, item_id, (0, 1), at, context))
    stored = await storage.answers.record(
        NewAnswer(
            user_id=user_id,
            item_id=item_id,
            chat_id=user_id if chat_id is None else chat_id,
            grade="good" if correct else "again",
            correct=correct,
            answered_at=at,
            context=context,
            poll_id=f"p{number}",
            chosen_option=0,
            seconds=3.0,
        ),
        None,
    )
    assert stored


async def test_totals_and_recent_answers_are_per_learner(storage: Storage) -> None:
    for number in range(5):
        await add(storage, 1, number, correct=number != 2, at=NOW - timedelta(days=number))
    await add(storage, 2, 99)
    assert await storage.progress.totals(1) == (5, 4)
    assert await storage.progress.totals(3) == (0, 0)
    recent = await storage.progress.answers_since(1, NOW - timedelta(days=2, hours=1))
    assert sorted(answer.answered_at for answer in recent) == [
        NOW - timedelta(days=2),
        NOW - timedelta(days=1),
        NOW,
    ]
    assert [answer.correct for answer in sorted(recent, key=lambda a: a.answered_at)] == [
        False,
        True,
        True,
    ]


async def test_quiz_answers_and_self_grades_are_counted_apart(storage: Storage) -> None:
    await add(storage, 1, 1, correct=True)
    await add(storage, 1, 2, correct=False, item_id="q2")
    for number, correct in enumerate([True, True, False]):
        stored = await storage.answers.record(
            NewAnswer(
                user_id=1,
                item_id="card-1",
                chat_id=1,
                grade="good" if correct else "again",
                correct=correct,
                answered_at=NOW + timedelta(minutes=number),
                context="cards",
            ),
            None,
        )
        assert stored
    totals = await storage.progress.answer_totals(1)
    assert (totals.quiz, totals.right, totals.self_graded) == (2, 1, 3)
    by_item = await storage.progress.totals_by_item(1)
    assert by_item["card-1"] == progress.AnswerTotals(0, 0, 3)
    assert by_item["q2"] == progress.AnswerTotals(1, 0, 0)
    recent = await storage.progress.answers_since(1, NOW - timedelta(days=1))
    assert sorted(answer.quiz for answer in recent) == [False, False, False, True, True]
    assert await storage.progress.answer_totals(9) == progress.AnswerTotals()


async def test_challenge_tallies_members_and_this_weeks_players(storage: Storage) -> None:
    last_week = NOW - timedelta(days=8)
    await add(storage, 1, 1, item_id="q1", chat_id=GROUP, context="challenge", at=last_week)
    await add(storage, 2, 2, item_id="q1", chat_id=GROUP, context="challenge", correct=False)
    await add(storage, 2, 3, item_id="q2", chat_id=GROUP, context="challenge", correct=False)
    await add(storage, 3, 4, item_id="q1", chat_id=-2002, context="challenge")  # another group
    await add(storage, 1, 5, item_id="q3")  # private quiz: not the group's

    tallies = sorted(await storage.progress.challenge_tallies(GROUP), key=lambda t: t.item_id)
    assert tallies == [QuestionTally("q1", 2, 1, 2), QuestionTally("q2", 1, 0, 1)]
    members = sorted(await storage.progress.challenge_members(GROUP), key=lambda m: m.user_id)
    assert members == [Member(1, "User 1"), Member(2, "User 2")]
    assert await storage.progress.challenge_players_in_week(GROUP, NOW) == {2}


async def test_a_forgotten_member_leaves_the_group_report(storage: Storage) -> None:
    await add(storage, 1, 1, chat_id=GROUP, context="challenge")
    await add(storage, 2, 2, chat_id=GROUP, context="challenge")
    await storage.users.delete(1)
    assert [m.user_id for m in await storage.progress.challenge_members(GROUP)] == [2]
    assert await storage.progress.challenge_tallies(GROUP) == [QuestionTally("q1", 1, 1, 1)]


async def test_export_comes_in_batches_in_answer_order_with_filters(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "EXPORT_BATCH", 3)
    for number in range(8):
        await add(storage, 1 + number % 2, number, at=NOW + timedelta(minutes=number))
    await storage.users.set_timezone(1, "Europe/Berlin")

    batches = [batch async for batch in storage.progress.export()]
    assert [len(batch) for batch in batches] == [3, 3, 2]
    rows = [row for batch in batches for row in batch]
    assert [row.answered_at for row in rows] == [NOW + timedelta(minutes=n) for n in range(8)]
    assert {row.timezone for row in rows if row.user_id == 1} == {"Europe/Berlin"}

    ones = [row async for batch in storage.progress.export(1) for row in batch]
    assert len(ones) == 4 and {row.user_id for row in ones} == {1}
    since = NOW + timedelta(minutes=5)
    late = [row async for batch in storage.progress.export(None, since) for row in batch]
    assert [row.answered_at for row in late] == [since + timedelta(minutes=n) for n in range(3)]

"""Migration 008 compacts times and indexes: a file at schema 7 with data reads back the same."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.memory import MemoryState
from bot.storage import Storage
from bot.storage.database import migrations
from bot.storage.records import Answer, NewAnswer, SentPoll, Session

T0 = datetime(2026, 10, 30, 21, 15, 7, 123456, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """How times were stored before migration 008."""
    return moment.isoformat(timespec="microseconds")


def to_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def old_file(path: Path) -> None:
    with sqlite3.connect(path) as db:
        for version, _, sql in migrations():
            if version < 8:
                db.executescript(sql)
                db.execute(f"PRAGMA user_version = {version}")
        db.execute(
            "INSERT INTO users (user_id, first_name, timezone, daily_time, last_daily_date,"
            " next_prompt_at, created_at, updated_at) VALUES (7, 'Ada', 'Europe/Berlin', '09:00',"
            " '2026-10-30', ?, ?, ?)",
            (iso(T0 + timedelta(hours=11)), iso(T0), iso(T0)),
        )
        db.execute(
            "INSERT INTO sessions (id, user_id, kind, deck_id, item_ids, position, started_at,"
            " finished_at) VALUES (3, 7, 'daily', 'ci-cd', '[\"a\", \"b\"]', 2, ?, ?)",
            (iso(T0), iso(T0 + timedelta(minutes=4))),
        )
        db.executemany(
            "INSERT INTO sent_polls (poll_id, chat_id, message_id, item_id, option_order,"
            " sent_at, context, session_id, open_period) VALUES (?, 7, ?, ?, '[2, 0, 1]', ?,"
            " 'daily', 3, NULL)",
            [
                (f"p{n}", 10 + n, item, iso(T0 + timedelta(seconds=n)))
                for n, item in enumerate("ab")
            ],
        )
        db.executemany(
            "INSERT INTO answers (user_id, item_id, chat_id, poll_id, chosen_option, grade,"
            " correct, answered_at, seconds, context, session_id, points)"
            " VALUES (7, ?, 7, ?, 1, ?, ?, ?, 2.25, 'daily', 3, 0)",
            [
                (item, f"p{n}", grade, correct, iso(T0 + timedelta(seconds=n + 2.5)))
                for n, (item, grade, correct) in enumerate([("a", "good", 1), ("b", "again", 0)])
            ],
        )
        db.execute(
            "INSERT INTO review_state (user_id, item_id, state, step, stability, difficulty, due,"
            " last_review, reps, lapses) VALUES (7, 'a', 2, NULL, 3.5, 5.25, ?, ?, 4, 1)",
            (iso(T0 + timedelta(days=3)), iso(T0)),
        )
        db.execute(
            "INSERT INTO challenges (id, chat_id, started_by, deck_id, item_ids, seconds,"
            " position, started_at, question_sent_at, finished_at)"
            " VALUES (5, -100, 7, 'ci-cd', '[\"a\"]', 20, 1, ?, ?, NULL)",
            (iso(T0), iso(T0 + timedelta(seconds=1))),
        )


async def test_an_old_file_reads_back_the_same_after_compaction(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_file(path)
    storage = Storage(path)
    await storage.open()
    try:
        assert await storage.db.schema_version() >= 8
        user = await storage.users.get(7)
        assert user is not None and user.timezone == "Europe/Berlin"
        assert user.last_daily_date == "2026-10-30" and user.daily_time == "09:00"
        due = await storage.daily.due(None, T0 + timedelta(days=1), 10)
        assert [(d.user_id, d.next_prompt_at) for d in due] == [
            (7, to_ms(T0 + timedelta(hours=11)))
        ]
        assert await storage.sessions.get(3) == Session(
            3, 7, "daily", "ci-cd", ("a", "b"), 2, to_ms(T0), to_ms(T0 + timedelta(minutes=4))
        )
        assert await storage.polls.get("p1") == SentPoll(
            "p1", 7, 11, "b", (2, 0, 1), to_ms(T0 + timedelta(seconds=1)), "daily", 3, None
        )
        assert await storage.answers.for_user(7) == [
            Answer(7, "a", 7, True, to_ms(T0 + timedelta(seconds=2.5)), "daily", 3, 2.25, 0),
            Answer(7, "b", 7, False, to_ms(T0 + timedelta(seconds=3.5)), "daily", 3, 2.25, 0),
        ]
        assert await storage.answers.answer_times_since(7, T0 + timedelta(seconds=3)) == [
            to_ms(T0 + timedelta(seconds=3.5))
        ]
        assert await storage.reviews.get(7, "a") == MemoryState(
            item_id="a",
            state=2,
            step=None,
            stability=3.5,
            difficulty=5.25,
            due=to_ms(T0 + timedelta(days=3)),
            last_review=to_ms(T0),
            reps=4,
            lapses=1,
        )
        challenge = await storage.challenges.get(5)
        assert challenge is not None and challenge.started_at == to_ms(T0)
        assert challenge.question_sent_at == to_ms(T0 + timedelta(seconds=1))
        # Answers stay unique per poll and member after the rebuild.
        assert not await storage.answers.record(_again(await storage.answers.for_user(7)), None)
        indexes = {
            row[0]
            for row in await storage.db.fetch_all(
                "SELECT name FROM sqlite_schema WHERE type = 'index'"
            )
        }
        assert not {"answers_chat", "review_state_due", "sent_polls_chat"} & indexes
        assert {"answers_user", "sent_polls_group"} <= indexes
        # Answers reference their sent poll by its integer key, not Telegram's long id.
        refs = await storage.db.fetch_all(
            "SELECT s.poll_id FROM answers a JOIN sent_polls s ON s.id = a.poll_ref ORDER BY a.id"
        )
        assert [row[0] for row in refs] == ["p0", "p1"]
        # review_state is its own key's b-tree: no automatic index beside it.
        assert not any(name.startswith("sqlite_autoindex_review_state") for name in indexes)
    finally:
        await storage.close()


def _again(answers: list[Answer]) -> NewAnswer:
    """The first answer, delivered again."""
    first = answers[0]
    return NewAnswer(
        user_id=first.user_id,
        item_id=first.item_id,
        chat_id=first.chat_id,
        grade="good",
        correct=True,
        answered_at=first.answered_at,
        context=first.context,
        poll_id="p0",
    )

"""Answers are facts, written once: (poll, user) is unique."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.memory import MemoryState
from bot.storage.challenge_totals import add_challenge_answer
from bot.storage.database import Database, from_db_time, to_db_time
from bot.storage.records import Answer, NewAnswer
from bot.storage.reviews import upsert_memory

# The sent poll's key, by Telegram's poll id. A poll id we never stored gives 0, which no
# sent poll has: the foreign key then refuses the answer loudly instead of storing it
# without the (poll, user) uniqueness that keeps a redelivered answer from counting twice.
_POLL_REF = (
    "CASE WHEN ? IS NULL THEN NULL"
    " ELSE COALESCE((SELECT id FROM sent_polls WHERE poll_id = ?), 0) END"
)
_COLUMNS = "user_id, item_id, chat_id, correct, answered_at, context, session_id, seconds, points"


def _answer(row: aiosqlite.Row) -> Answer:
    return Answer(
        user_id=row["user_id"],
        item_id=row["item_id"],
        chat_id=row["chat_id"],
        correct=bool(row["correct"]),
        answered_at=from_db_time(row["answered_at"]),
        context=row["context"],
        session_id=row["session_id"],
        seconds=row["seconds"],
        points=row["points"],
    )


class AnswerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, answer: NewAnswer, memory: MemoryState | None) -> bool:
        """Store the answer and the memory state it produced in one transaction.

        Returns False (and changes nothing) when this poll answer was already stored.
        """
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO answers (user_id, item_id, chat_id, poll_ref, chosen_option, grade,"
                f" correct, answered_at, seconds, context, session_id, points) VALUES (?, ?, ?,"
                f" {_POLL_REF}, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (poll_ref, user_id) DO NOTHING",
                (
                    answer.user_id,
                    answer.item_id,
                    answer.chat_id,
                    answer.poll_id,
                    answer.poll_id,
                    answer.chosen_option,
                    answer.grade,
                    int(answer.correct),
                    to_db_time(answer.answered_at),
                    answer.seconds,
                    answer.context,
                    answer.session_id,
                    answer.points,
                ),
            )
            if cursor.rowcount != 1:
                return False
            await add_challenge_answer(db, answer)
            if memory is not None:
                await upsert_memory(db, answer.user_id, memory)
            return True

    async def for_session(self, user_id: int, session_id: int) -> list[Answer]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM answers WHERE user_id = ? AND session_id = ? ORDER BY id",
            (user_id, session_id),
        )
        return [_answer(row) for row in rows]

    async def for_user(self, user_id: int) -> list[Answer]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM answers WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_answer(row) for row in rows]

    async def totals_by_item(self, user_id: int) -> dict[str, tuple[int, int]]:
        """item id → (answers, right answers) for one learner."""
        rows = await self._db.fetch_all(
            "SELECT item_id, COUNT(*) AS answers, SUM(correct) AS right FROM answers"
            " WHERE user_id = ? GROUP BY item_id",
            (user_id,),
        )
        return {row["item_id"]: (row["answers"], row["right"] or 0) for row in rows}

    async def answer_times_since(self, user_id: int, since: datetime) -> list[datetime]:
        rows = await self._db.fetch_all(
            "SELECT answered_at FROM answers WHERE user_id = ? AND answered_at >= ?"
            " ORDER BY answered_at",
            (user_id, to_db_time(since)),
        )
        return [from_db_time(row["answered_at"]) for row in rows]

    async def missed_since(self, user_id: int, since: datetime) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT item_id FROM answers WHERE user_id = ? AND correct = 0"
            " AND answered_at >= ?",
            (user_id, to_db_time(since)),
        )
        return {row["item_id"] for row in rows}

    async def new_items_since(self, user_id: int, since: datetime) -> int:
        """How many items the learner met for the first time at or after `since`."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM (SELECT MIN(answered_at) AS first FROM answers"
            " WHERE user_id = ? GROUP BY item_id) WHERE first >= ?",
            (user_id, to_db_time(since)),
        )
        return int(row[0]) if row else 0

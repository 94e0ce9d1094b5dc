"""Answers are facts, written once: (poll, user) is unique.

Reading them is here; writing them is the group commit's (`bot.storage.answer_writer`).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.memory import MemoryState
from bot.storage.answer_writer import AnswerWrite, AnswerWriter, Decision, Recorded
from bot.storage.database import Database, Row, from_db_time, to_db_time
from bot.storage.records import Answer, NewAnswer

_COLUMNS = "user_id, item_id, chat_id, correct, answered_at, context, session_id, seconds, points"


def _answer(row: Row) -> Answer:
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
    """Reads. `write`, `record` and `flush` hand over to the writer (kept for callers)."""

    def __init__(self, db: Database, writer: AnswerWriter | None = None) -> None:
        self._db = db
        self.writer = writer or AnswerWriter(db)

    async def write(self, item: AnswerWrite) -> Recorded:
        return await self.writer.write(item)

    async def record(self, answer: NewAnswer, memory: MemoryState | None) -> bool:
        return await self.writer.record(answer, memory)

    async def flush(self) -> None:
        await self.writer.flush()

    async def message_graded(self, chat_id: int, message_id: int) -> bool:
        """Whether a flashcard or prompt message was graded (its answer is stored)."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM answers WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return row is not None

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
            'SELECT item_id, COUNT(*) AS answers, SUM(correct) AS "right" FROM answers'
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
            " WHERE user_id = ? GROUP BY item_id) AS firsts WHERE first >= ?",
            (user_id, to_db_time(since)),
        )
        return int(row[0]) if row else 0


__all__ = ["AnswerRepository", "AnswerWrite", "Decision", "Recorded"]

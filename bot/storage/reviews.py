"""Per learner × item memory state (the FSRS card), written with the answer that changed it."""

from __future__ import annotations

import aiosqlite

from bot.domain.memory import MemoryState
from bot.storage.database import Database, from_db_time, to_db_time

_COLUMNS = (
    "item_id, state, step, stability, difficulty, due, last_review, reps, lapses, recall_predicted"
)


def _memory(row: aiosqlite.Row) -> MemoryState:
    return MemoryState(
        item_id=row["item_id"],
        state=row["state"],
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_db_time(row["due"]),
        last_review=from_db_time(row["last_review"]) if row["last_review"] else None,
        reps=row["reps"],
        lapses=row["lapses"],
        recall_predicted=row["recall_predicted"],
    )


async def upsert_memory(db: aiosqlite.Connection, user_id: int, memory: MemoryState) -> None:
    """Write inside the caller's transaction (see AnswerRepository.record)."""
    await db.execute(
        f"INSERT INTO review_state (user_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id, item_id) DO UPDATE SET state = excluded.state,"
        " step = excluded.step, stability = excluded.stability,"
        " difficulty = excluded.difficulty, due = excluded.due,"
        " last_review = excluded.last_review, reps = excluded.reps, lapses = excluded.lapses,"
        " recall_predicted = excluded.recall_predicted",
        (
            user_id,
            memory.item_id,
            memory.state,
            memory.step,
            memory.stability,
            memory.difficulty,
            to_db_time(memory.due),
            to_db_time(memory.last_review) if memory.last_review else None,
            memory.reps,
            memory.lapses,
            memory.recall_predicted,
        ),
    )


class ReviewRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int, item_id: str) -> MemoryState | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM review_state WHERE user_id = ? AND item_id = ?",
            (user_id, item_id),
        )
        return _memory(row) if row else None

    async def all_for(self, user_id: int) -> dict[str, MemoryState]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM review_state WHERE user_id = ?", (user_id,)
        )
        return {row["item_id"]: _memory(row) for row in rows}

    async def leeches(self, user_id: int, min_lapses: int) -> list[str]:
        """Items the learner has missed at least `min_lapses` times, most missed first."""
        rows = await self._db.fetch_all(
            "SELECT item_id FROM review_state WHERE user_id = ? AND lapses >= ?"
            " ORDER BY lapses DESC, item_id",
            (user_id, min_lapses),
        )
        return [row["item_id"] for row in rows]

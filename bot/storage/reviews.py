"""Per learner × item memory state (the FSRS card), written with the answer that changed it."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.domain.memory import MemoryState
from bot.storage.database import (
    Connection,
    Database,
    Row,
    from_db_time,
    rows_for_pairs,
    to_db_time,
    write_rows,
)

_COLUMNS = (
    "item_id, state, step, stability, difficulty, due, last_review, reps, lapses, recall_predicted"
)
_QUALIFIED = ", ".join(f"r.{column.strip()}" for column in _COLUMNS.split(","))


def _memory(row: Row) -> MemoryState:
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


_UPSERT = (
    f"INSERT INTO review_state (user_id, {_COLUMNS})"
    f" SELECT {', '.join(f'v.column{n}' for n in range(1, 12))} FROM {{rows}} WHERE true"
    " ON CONFLICT (user_id, item_id) DO UPDATE SET state = excluded.state,"
    " step = excluded.step, stability = excluded.stability,"
    " difficulty = excluded.difficulty, due = excluded.due,"
    " last_review = excluded.last_review, reps = excluded.reps, lapses = excluded.lapses,"
    " recall_predicted = excluded.recall_predicted"
)


_TYPES = (
    "BIGINT",  # user_id
    "TEXT",  # item_id
    "INTEGER",  # state
    "INTEGER",  # step
    "DOUBLE PRECISION",  # stability
    "DOUBLE PRECISION",  # difficulty
    "BIGINT",  # due
    "BIGINT",  # last_review
    "INTEGER",  # reps
    "INTEGER",  # lapses
    "DOUBLE PRECISION",  # recall_predicted
)


def _memory_params(user_id: int, memory: MemoryState) -> tuple[object, ...]:
    return (
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
    )


async def upsert_memories(db: Connection, memories: Iterable[tuple[int, MemoryState]]) -> None:
    """Many learners' states in one statement, inside the caller's transaction."""
    await write_rows(
        db, _UPSERT, _TYPES, [_memory_params(user_id, memory) for user_id, memory in memories]
    )


async def memories_of(
    db: Connection, pairs: Collection[tuple[int, str]]
) -> dict[tuple[int, str], MemoryState]:
    """(user, item) → state for every pair that has one, read inside the caller's transaction."""
    rows = await rows_for_pairs(
        db,
        f"SELECT r.user_id, {_QUALIFIED} FROM {{pairs}}"
        " {join} review_state r ON r.user_id = v.column1 AND r.item_id = v.column2",
        pairs,
    )
    return {(row["user_id"], row["item_id"]): _memory(row) for row in rows}


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

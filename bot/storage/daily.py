"""When each learner's daily prompt is due: an indexed UTC time the minute tick asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, Row, from_db_time, to_db_time

_COLUMNS = "user_id, active, daily_time, timezone, last_daily_date, next_prompt_at"


@dataclass(frozen=True, slots=True)
class DailyDue:
    """What the tick needs to decide about one learner, without loading the whole user."""

    user_id: int
    active: bool
    daily_time: str
    timezone: str | None
    last_daily_date: str | None
    next_prompt_at: datetime | None


def _due(row: Row) -> DailyDue:
    return DailyDue(
        user_id=row["user_id"],
        active=bool(row["active"]),
        daily_time=row["daily_time"],
        timezone=row["timezone"],
        last_daily_date=row["last_daily_date"],
        next_prompt_at=from_db_time(row["next_prompt_at"]) if row["next_prompt_at"] else None,
    )


class DailyScheduleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(
        self, after: tuple[datetime, int] | None, until: datetime, limit: int
    ) -> list[DailyDue]:
        """Up to `limit` learners whose prompt time is at most `until`, in (time, user id)
        order, strictly after the `after` position: pages through many learners sharing
        one minute without skipping or repeating any (a range read on the index)."""
        params: tuple[object, ...]
        if after is None:
            condition, params = "next_prompt_at <= ?", (to_db_time(until),)
        else:
            condition = "(next_prompt_at, user_id) > (?, ?) AND next_prompt_at <= ?"
            params = (to_db_time(after[0]), after[1], to_db_time(until))
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM users WHERE daily_time IS NOT NULL AND {condition}"
            " ORDER BY next_prompt_at, user_id LIMIT ?",
            (*params, limit),
        )
        return [_due(row) for row in rows]

    async def unscheduled(self) -> list[DailyDue]:
        """Learners with daily revision on but no prompt time yet (set before the tick existed)."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM users WHERE daily_time IS NOT NULL AND next_prompt_at IS NULL"
        )
        return [_due(row) for row in rows]

    async def set_next(self, user_id: int, moment: datetime | None) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE users SET next_prompt_at = ? WHERE user_id = ?",
                (to_db_time(moment) if moment else None, user_id),
            )

    async def set_many(self, moments: list[tuple[int, datetime]]) -> None:
        async with self._db.transaction() as db:
            await db.executemany(
                "UPDATE users SET next_prompt_at = ? WHERE user_id = ?",
                [(to_db_time(moment), user_id) for user_id, moment in moments],
            )

    async def advance(self, user_id: int, handled: datetime, following: datetime) -> bool:
        """Compare-and-set: move past the prompt time handled, unless the learner changed it."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE users SET next_prompt_at = ? WHERE user_id = ? AND next_prompt_at = ?",
                (to_db_time(following), user_id, to_db_time(handled)),
            )
            return changed == 1

"""Learners: registration, preferences, activity."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from bot.storage.database import Connection, Database, Row, to_db_time, write_rows
from bot.storage.records import User

_COLUMNS = (
    "user_id, first_name, username, active, active_deck, last_item_id, timezone,"
    " daily_time, daily_size, desired_retention, last_daily_date"
)


def _user(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        first_name=row["first_name"],
        username=row["username"],
        active=bool(row["active"]),
        active_deck=row["active_deck"],
        last_item_id=row["last_item_id"],
        timezone=row["timezone"],
        daily_time=row["daily_time"],
        daily_size=row["daily_size"],
        desired_retention=row["desired_retention"],
        last_daily_date=row["last_daily_date"],
    )


async def ensure_users(
    db: Connection, learners: Sequence[tuple[int, str, str | None]], now: datetime
) -> None:
    """(id, first name, username) rows exist and carry these names; inside the caller's
    transaction. Nothing else about an existing learner changes."""
    stamp = to_db_time(now)
    await write_rows(
        db,
        "INSERT INTO users (user_id, first_name, username, created_at, updated_at)"
        " SELECT v.column1, v.column2, v.column3, v.column4, v.column5 FROM {rows} WHERE true"
        " ON CONFLICT (user_id) DO UPDATE SET"
        " first_name = excluded.first_name, username = excluded.username",
        ("BIGINT", "TEXT", "TEXT", "BIGINT", "BIGINT"),
        [(user_id, first, username, stamp, stamp) for user_id, first, username in learners],
    )


async def retentions_of(db: Connection, user_ids: Collection[int]) -> dict[int, float]:
    """Desired retention of each learner that exists, inside the caller's transaction."""
    found: dict[int, float] = {}
    ordered = list(user_ids)
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        condition, params = db.dialect.any_of("user_id", chunk)
        rows = await db.fetch_all(
            f"SELECT user_id, desired_retention FROM users WHERE {condition}", params
        )
        found.update((row[0], float(row[1])) for row in rows)
    return found


class UserRepository:
    def __init__(
        self, db: Database, on_forget: Callable[[int], None] = lambda user_id: None
    ) -> None:
        self._db = db
        # Told after a learner's rows are deleted, so caches of their chat drop them too.
        self._on_forget = on_forget

    async def upsert(
        self, user_id: int, first_name: str, username: str | None, now: datetime
    ) -> tuple[User, bool]:
        """Register or refresh a learner who just wrote to us (so they are active again)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as db:
            changed = await db.execute(
                "INSERT INTO users (user_id, first_name, username, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
                (user_id, first_name, username, stamp, stamp),
            )
            created = changed == 1
            if not created:
                await db.execute(
                    "UPDATE users SET first_name = ?, username = ?, active = 1, updated_at = ?"
                    " WHERE user_id = ?",
                    (first_name, username, stamp, user_id),
                )
        user = await self.get(user_id)
        assert user is not None
        return user, created

    async def ensure(
        self, user_id: int, first_name: str, username: str | None, now: datetime
    ) -> None:
        """Make sure a row exists (answers reference it) without touching an existing one."""
        async with self._db.transaction() as db:
            await ensure_users(db, [(user_id, first_name, username)], now)

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM users WHERE user_id = ?", (user_id,)
        )
        return _user(row) if row else None

    async def with_daily_revision(self) -> list[User]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM users WHERE active = 1 AND daily_time IS NOT NULL"
            " ORDER BY user_id"
        )
        return [_user(row) for row in rows]

    async def _set(self, user_id: int, **values: Any) -> None:
        assignments = ", ".join(f"{column} = ?" for column in values)
        async with self._db.transaction() as db:
            await db.execute(
                f"UPDATE users SET {assignments} WHERE user_id = ?", (*values.values(), user_id)
            )

    async def set_active(self, user_id: int, active: bool) -> None:
        await self._set(user_id, active=int(active))

    async def set_active_deck(self, user_id: int, deck_id: str) -> None:
        await self._set(user_id, active_deck=deck_id)

    async def set_last_item(self, user_id: int, item_id: str) -> None:
        await self._set(user_id, last_item_id=item_id)

    async def set_timezone(self, user_id: int, timezone: str) -> None:
        await self._set(user_id, timezone=timezone)

    async def set_daily_time(self, user_id: int, daily_time: str | None) -> None:
        await self._set(user_id, daily_time=daily_time)

    async def set_daily_size(self, user_id: int, size: int) -> None:
        await self._set(user_id, daily_size=size)

    async def set_retention(self, user_id: int, retention: float) -> None:
        await self._set(user_id, desired_retention=retention)

    async def claim_daily(self, user_id: int, local_date: str) -> bool:
        """Mark today's daily prompt as sent; False if it already was (no double prompt)."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE users SET last_daily_date = ? WHERE user_id = ?"
                " AND (last_daily_date IS NULL OR last_daily_date < ?)",
                (local_date, user_id, local_date),
            )
            return changed == 1

    async def release_daily(self, user_id: int, local_date: str, before: str | None) -> None:
        """Undo `claim_daily`: today's prompt could not be sent, so it may be tried again."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE users SET last_daily_date = ? WHERE user_id = ? AND last_daily_date = ?",
                (before, user_id, local_date),
            )

    async def delete(self, user_id: int) -> None:
        """Forget a learner: cascades to answers, memory state and sessions."""
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM sent_polls WHERE chat_id = ?", (user_id,))
        self._on_forget(user_id)

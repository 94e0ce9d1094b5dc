"""Study sessions (the /test exam, daily revision): a planned list of items and a cursor."""

from __future__ import annotations

import json
from datetime import datetime

from bot.storage.database import Database, Row, from_db_time, to_db_time
from bot.storage.records import Session

_COLUMNS = "id, user_id, kind, deck_id, item_ids, position, started_at, finished_at"


def _session(row: Row) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        deck_id=row["deck_id"],
        item_ids=tuple(json.loads(row["item_ids"])),
        position=row["position"],
        started_at=from_db_time(row["started_at"]),
        finished_at=from_db_time(row["finished_at"]) if row["finished_at"] else None,
    )


class SessionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(
        self, user_id: int, kind: str, deck_id: str, item_ids: list[str], now: datetime
    ) -> Session:
        """Open a session; any unfinished one of the same kind is closed first."""
        stamp = to_db_time(now)
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE sessions SET finished_at = ? WHERE user_id = ? AND kind = ?"
                " AND finished_at IS NULL",
                (stamp, user_id, kind),
            )
            row = await db.fetch_one(
                "INSERT INTO sessions (user_id, kind, deck_id, item_ids, started_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (user_id, kind, deck_id, json.dumps(item_ids), stamp),
            )
            assert row is not None
        session = await self.get(int(row[0]))
        assert session is not None
        return session

    async def get(self, session_id: int) -> Session | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
        )
        return _session(row) if row else None

    async def open_session(self, user_id: int, kind: str) -> Session | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sessions WHERE user_id = ? AND kind = ?"
            " AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
            (user_id, kind),
        )
        return _session(row) if row else None

    async def advance(self, session_id: int, expected_position: int) -> bool:
        """Move the cursor one on, once: False if another update already moved it."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE sessions SET position = position + 1 WHERE id = ? AND position = ?"
                " AND finished_at IS NULL",
                (session_id, expected_position),
            )
            return changed == 1

    async def step_back(self, session_id: int, position: int) -> None:
        """Undo the `advance` that reached `position`: its item could not be sent."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE sessions SET position = position - 1 WHERE id = ? AND position = ?"
                " AND finished_at IS NULL",
                (session_id, position),
            )

    async def reopen(self, session_id: int) -> None:
        """Undo `finish`: the summary could not be sent."""
        async with self._db.transaction() as db:
            await db.execute("UPDATE sessions SET finished_at = NULL WHERE id = ?", (session_id,))

    async def finish(self, session_id: int, now: datetime) -> bool:
        """Close the session; False if it was already closed (so the summary goes once)."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE sessions SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                (to_db_time(now), session_id),
            )
            return changed == 1

    async def extend(self, session_id: int, position: int, item_ids: list[str]) -> bool:
        """Reopen a finished session with `item_ids` added after its `position` items, once:
        False when it is open, was extended already (its position moved on), or a newer
        session of its kind was started since (so two are never open at once)."""
        session = await self.get(session_id)
        if session is None or session.position != position:
            return False
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE sessions SET item_ids = ?, finished_at = NULL"
                " WHERE id = ? AND position = ? AND finished_at IS NOT NULL"
                " AND id = (SELECT MAX(id) FROM sessions WHERE user_id = ? AND kind = ?)",
                (
                    json.dumps([*session.item_ids[:position], *item_ids]),
                    session_id,
                    position,
                    session.user_id,
                    session.kind,
                ),
            )
            return changed == 1

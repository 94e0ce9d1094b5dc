"""The durable update inbox: updates stored before they are confirmed, deleted once handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, to_db_time, write_rows


@dataclass(frozen=True)
class InboxEntry:
    update_id: int
    payload: str  # the update's JSON
    # Its chat's (else user's) partition: see bot/pipeline/partitions.py.
    partition: int = 0


# PostgreSQL: the channel every worker LISTENs on; a commit that stored new updates
# NOTIFYs it, so their partitions' owners read them at once (not at their next poll).
INBOX_CHANNEL = "quiz_inbox"
# Handled updates forgotten per DELETE: under SQLite's limit of parameters per statement.
DELETE_CHUNK = 500


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply(
        self,
        received: Sequence[InboxEntry],
        handled: Sequence[int],
        failed: Sequence[tuple[int, str]],
        now: datetime,
        *,
        announce: bool = True,
    ) -> None:
        """Store new updates, forget handled ones and keep failed ones, in one transaction.
        `announce`: tell the workers listening that new rows are there for them (PostgreSQL);
        needless when the worker writing them handles every one itself.

        New rows go first, so an update handled before its row was written (its handler
        finished within one flush interval) is still forgotten, not left pending.
        A redelivered update that is already pending keeps its row.
        """
        if not received and not handled and not failed:
            return
        stamp = to_db_time(now)
        async with self._db.transaction() as db:
            if received:
                await write_rows(
                    db,
                    "INSERT INTO update_inbox (update_id, payload, received_at, partition_no)"
                    " SELECT v.column1, v.column2, v.column3, v.column4 FROM {rows} WHERE true"
                    " ON CONFLICT (update_id) DO NOTHING",
                    ("BIGINT", "TEXT", "BIGINT", "INTEGER"),
                    [
                        (entry.update_id, entry.payload, stamp, entry.partition)
                        for entry in received
                    ],
                )
                if announce and db.dialect.name == "postgresql":
                    # Delivered at commit, to every worker listening (none on SQLite).
                    await db.execute(f"NOTIFY {INBOX_CHANNEL}")
            # One statement per chunk, not one per update: on PostgreSQL each row of an
            # executemany is a statement of its own for the server.
            for start in range(0, len(handled), DELETE_CHUNK):
                chunk = handled[start : start + DELETE_CHUNK]
                condition, params = db.dialect.any_of("update_id", chunk)
                await db.execute(
                    f"DELETE FROM update_inbox WHERE {condition} AND failed_at IS NULL", params
                )
            if failed:
                await db.executemany(
                    "UPDATE update_inbox SET failed_at = ?, error = ? WHERE update_id = ?",
                    [(stamp, error, update_id) for update_id, error in failed],
                )

    async def pending(self) -> list[InboxEntry]:
        """Updates received but not handled (a crash or a lasting transient failure), in order."""
        rows = await self._db.fetch_all(
            "SELECT update_id, payload, partition_no FROM update_inbox WHERE failed_at IS NULL"
            " ORDER BY update_id"
        )
        return [InboxEntry(row[0], row[1], row[2]) for row in rows]

    async def pending_ids_in(self, partitions: Sequence[int], limit: int) -> list[int]:
        """Ids of the pending updates of these partitions, in update order (an index scan)."""
        if not partitions:
            return []
        condition, params = self._db.dialect.any_of("partition_no", list(partitions))
        rows = await self._db.fetch_all(
            f"SELECT update_id FROM update_inbox WHERE failed_at IS NULL AND {condition}"
            " ORDER BY update_id LIMIT ?",
            [*params, limit],
        )
        return [row[0] for row in rows]

    async def entries(self, update_ids: Sequence[int]) -> list[InboxEntry]:
        """These updates' rows (those still there), in update order."""
        if not update_ids:
            return []
        condition, params = self._db.dialect.any_of("update_id", list(update_ids))
        rows = await self._db.fetch_all(
            f"SELECT update_id, payload, partition_no FROM update_inbox WHERE {condition}"
            " AND failed_at IS NULL ORDER BY update_id",
            params,
        )
        return [InboxEntry(row[0], row[1], row[2]) for row in rows]

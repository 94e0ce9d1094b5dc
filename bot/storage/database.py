"""The one aiosqlite connection: WAL, foreign keys, numbered migrations, one write lock."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def to_db_time(moment: datetime) -> str:
    """UTC, fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC time")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in order."""
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    # Numbers are reserved per branch, so a branch may lack some; two files must never share one.
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._connection: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def connection(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise RuntimeError("Database.open() has not been called")
        return self._connection

    async def open(self) -> None:
        if isinstance(self.path, Path) and str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; `transaction()` says BEGIN.
        self._connection = await aiosqlite.connect(self.path, isolation_level=None)
        self._connection.row_factory = aiosqlite.Row
        await self._connection.execute("PRAGMA journal_mode = WAL")
        await self._connection.execute("PRAGMA foreign_keys = ON")
        await self._connection.execute("PRAGMA busy_timeout = 5000")
        await self._connection.execute("PRAGMA synchronous = NORMAL")
        await self.migrate()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def schema_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the file's user_version, each in one transaction."""
        current = await self.schema_version()
        for version, name, sql in migrations():
            if version <= current:
                continue
            log.info("applying migration %s", name)
            async with self.transaction() as db:
                for statement in _split_statements(sql):
                    await db.execute(statement)
                # PRAGMA takes no parameters; `version` is an int parsed from our own file name.
                await db.execute(f"PRAGMA user_version = {version:d}")
            current = version
        return current

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> aiosqlite.Row | None:
        async with self.connection.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
        return row

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async with self.connection.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return list(rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write: the lock serialises coroutines sharing this connection."""
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")


def _split_statements(sql: str) -> list[str]:
    """Split a migration into statements, using SQLite's own idea of where one ends."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise RuntimeError(f"migration ends inside a statement: {buffer.strip()[:80]!r}")
    return statements

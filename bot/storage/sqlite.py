"""The SQLite driver: one aiosqlite connection, WAL, numbered migrations under
`PRAGMA user_version`, one write lock, `BEGIN IMMEDIATE`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.storage.database import (
    Connection,
    Database,
    DatabaseUnusableError,
    IntegrityError,
    Row,
    migrations,
)
from bot.storage.dialect import SQLITE

log = logging.getLogger(__name__)

# SQLite's own wait for a lock blocks the one database thread, and with it every learner:
# keep it short and wait out longer locks on the event loop, with backoff
# (Database._with_lock_retry).
BUSY_TIMEOUT_MS = 200


class SQLiteConnection(Connection):
    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        try:
            cursor = await self._connection.execute(sql, params)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error
        rowcount = cursor.rowcount
        await cursor.close()
        return int(rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        try:
            await self._connection.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        try:
            return list(await self._connection.execute_fetchall(sql, params))
        except sqlite3.IntegrityError as error:  # INSERT … RETURNING
            raise IntegrityError(str(error)) from error


class SQLiteDatabase(Database):
    dialect = SQLITE

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.description = str(path)
        self._connection: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def connection(self) -> aiosqlite.Connection:
        """The aiosqlite connection itself (SQLite-only tests and tools)."""
        if self._connection is None:
            raise RuntimeError("Database.open() has not been called")
        return self._connection

    async def open(self) -> None:
        try:
            _prepare_folder(self.path)
            # isolation_level=None: no implicit transactions; `transaction()` says BEGIN.
            self._connection = await _connect(self.path)
            self._connection.row_factory = aiosqlite.Row
            await self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            await self._with_lock_retry(
                lambda: self.connection.execute("PRAGMA journal_mode = WAL")
            )
            await self._connection.execute("PRAGMA foreign_keys = ON")
            await self._connection.execute("PRAGMA synchronous = NORMAL")
            await self.migrate()
            # A read-only file opens and even migrates when there is nothing to do:
            # take the write lock once so the problem shows now, not at the first answer.
            async with self.transaction():
                pass
        except (OSError, sqlite3.Error) as error:
            await self.close()
            raise DatabaseUnusableError(describe_unusable(self.path, error)) from error
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    async def schema_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the file's user_version, each in one transaction."""
        current = await self.schema_version()
        known = migrations()
        latest = known[-1][0] if known else 0
        if current > latest:
            raise DatabaseUnusableError(
                f"DATABASE_PATH {self.path}: written by a newer version of the bot "
                f"(schema {current}; this version knows up to {latest})"
            )
        for version, name, sql in known:
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

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> Row | None:
        async def attempt() -> Row | None:
            async with self.connection.execute(sql, params) as cursor:
                row: Row | None = await cursor.fetchone()
            return row

        return await self._with_lock_retry(attempt)

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        async def attempt() -> list[Row]:
            async with self.connection.execute(sql, params) as cursor:
                rows = await cursor.fetchall()
            return list(rows)

        return await self._with_lock_retry(attempt)

    @asynccontextmanager
    async def transaction(self, lock: str | None = None) -> AsyncIterator[Connection]:
        """One write: the lock serialises coroutines sharing this connection.

        BEGIN IMMEDIATE takes SQLite's write lock up front, so a lock held by another
        process shows up here, before any statement ran, and is waited out with backoff.
        Every SQLite write is serial, so a named `lock` adds nothing here.
        """
        async with self._write_lock:
            try:
                await self._with_lock_retry(lambda: self.connection.execute("BEGIN IMMEDIATE"))
            except asyncio.CancelledError:
                # The BEGIN still runs on aiosqlite's thread: undo it (queued after it) before
                # the lock goes to the next writer, or its own BEGIN would fail.
                with contextlib.suppress(sqlite3.Error):
                    await self.connection.execute("ROLLBACK")
                raise
            try:
                yield SQLiteConnection(self.connection)
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            try:
                await self._with_lock_retry(lambda: self.connection.execute("COMMIT"))
            except BaseException:
                if self.connection.in_transaction:
                    await self.connection.execute("ROLLBACK")
                raise


async def _connect(path: Path | str) -> aiosqlite.Connection:
    """aiosqlite.connect, whose failure leaves nothing running.

    A failed connect queues the stop of aiosqlite's thread without waiting for it; the
    thread then reports to the event loop, and if `asyncio.run` has closed the loop by then
    (a start-up check that failed), it dies with "Event loop is closed" on stderr. Wait for
    the thread to end here instead.
    """
    connection = aiosqlite.connect(path, isolation_level=None)
    try:
        return await connection
    except BaseException:
        thread = getattr(connection, "_thread", None)
        if isinstance(thread, threading.Thread) and thread.is_alive():
            await asyncio.to_thread(thread.join, 5)
            await asyncio.sleep(0)  # run the thread's last callback while the loop is open
        raise


def _prepare_folder(path: Path | str) -> None:
    if str(path) == ":memory:":
        return
    if Path(path).is_dir():
        raise DatabaseUnusableError(f"DATABASE_PATH {path}: is a directory, not a database file")
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def describe_unusable(path: Path | str, error: BaseException) -> str:
    """One line naming the path and why SQLite or the file system refused it."""
    target = Path(path)
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        if isinstance(error, NotADirectoryError | FileExistsError):
            reason = "a part of the path is a regular file, not a folder"
        return f"DATABASE_PATH {path}: cannot create its folder: {reason}"
    message = str(error)
    if target.is_dir():
        reason = "is a directory, not a database file"
    elif "file is not a database" in message or "malformed" in message:
        reason = "is not a SQLite database or is corrupt"
    elif "readonly" in message or "read-only" in message:
        reason = "is read-only (the bot needs to write it and its -wal file)"
    elif "unable to open" in message:
        reason = "cannot be opened (missing folder or no permission)"
    else:
        reason = message
    return f"DATABASE_PATH {path}: {reason}"


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

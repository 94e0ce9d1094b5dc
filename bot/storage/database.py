"""The one aiosqlite connection: WAL, foreign keys, numbered migrations, one write lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# SQLite's own wait for a lock blocks the one database thread, and with it every learner:
# keep it short and wait out longer locks (a backup, someone's `sqlite3` shell) here, on
# the event loop, with backoff.
BUSY_TIMEOUT_MS = 200
LOCK_WAIT_SECONDS = 120.0
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 2.0


class DatabaseBusyError(Exception):
    """Another process kept the database locked for longer than LOCK_WAIT_SECONDS."""


class DatabaseUnusableError(Exception):
    """The database file cannot be used; the message names the path and the reason."""


def is_lock_error(error: BaseException) -> bool:
    if not isinstance(error, sqlite3.OperationalError):
        return False
    message = str(error).lower()
    return "locked" in message or "busy" in message


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def to_db_time(moment: datetime) -> int:
    """UTC milliseconds since the Unix epoch: 6 bytes in SQLite, and number order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC time")
    return (moment - _EPOCH) // _MILLISECOND


def from_db_time(value: int | str) -> datetime:
    """Read a stored time: milliseconds (as a number, or as digits in a TEXT column).

    ISO-8601 text is what files written before migration 008 held; still read, for
    rows a migration does not convert.
    """
    if isinstance(value, int):
        return _EPOCH + value * _MILLISECOND
    if value.isdigit():
        return _EPOCH + int(value) * _MILLISECOND
    return datetime.fromisoformat(value).astimezone(UTC)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in order."""
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    # No gaps: a file at version N must have had every migration up to N applied.
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps: {versions}")
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
        """Connect and migrate; DatabaseUnusableError names the path and the reason."""
        try:
            _prepare_folder(self.path)
            # isolation_level=None: no implicit transactions; `transaction()` says BEGIN.
            self._connection = await aiosqlite.connect(self.path, isolation_level=None)
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

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> aiosqlite.Row | None:
        async def attempt() -> aiosqlite.Row | None:
            async with self.connection.execute(sql, params) as cursor:
                row: aiosqlite.Row | None = await cursor.fetchone()
            return row

        return await self._with_lock_retry(attempt)

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async def attempt() -> list[aiosqlite.Row]:
            async with self.connection.execute(sql, params) as cursor:
                rows = await cursor.fetchall()
            return list(rows)

        return await self._with_lock_retry(attempt)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write: the lock serialises coroutines sharing this connection.

        BEGIN IMMEDIATE takes SQLite's write lock up front, so a lock held by another
        process shows up here, before any statement ran, and is waited out with backoff.
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
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            try:
                await self._with_lock_retry(lambda: self.connection.execute("COMMIT"))
            except BaseException:
                if self.connection.in_transaction:
                    await self.connection.execute("ROLLBACK")
                raise

    async def _with_lock_retry(self, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """Run `attempt`, retrying with backoff while another process holds a lock."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOCK_WAIT_SECONDS
        delay = _FIRST_BACKOFF
        waited = False
        while True:
            try:
                result = await attempt()
            except sqlite3.OperationalError as error:
                if not is_lock_error(error):
                    raise
                if loop.time() + delay > deadline:
                    raise DatabaseBusyError(
                        f"database {self.path} stayed locked for {LOCK_WAIT_SECONDS:.0f} s"
                    ) from error
                if not waited:
                    log.warning("database is locked by another process; waiting")
                    waited = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
                continue
            if waited:
                log.info("database lock released; carrying on")
            return result


def _prepare_folder(path: Path | str) -> None:
    if str(path) == ":memory:":
        return
    if Path(path).is_dir():
        raise DatabaseUnusableError(f"DATABASE_PATH {path}: is a directory, not a database file")
    Path(path).parent.mkdir(parents=True, exist_ok=True)


# Keys per statement in `rows_for_pairs`: 1,000 parameters, well under SQLite's limit.
PAIRS_PER_QUERY = 500


async def rows_for_pairs(
    db: aiosqlite.Connection, select: str, pairs: Collection[tuple[object, object]]
) -> list[aiosqlite.Row]:
    """Run `select` for many two-part keys at once, inside the caller's transaction.

    `select` names the keys' list `v` (columns `v.column1`, `v.column2`) and has one
    `{pairs}` where it starts: `SELECT ... FROM {pairs} CROSS JOIN t ON t.a = v.column1 ...`.
    Starting from the keys (a CROSS JOIN keeps that order) makes each key one index search.
    `(a, b) IN (VALUES ...)` reads the same but SQLite ran it as a scan of the whole table:
    300 ms a batch with 2 M answers stored, growing with the file.
    """
    ordered = list(pairs)
    rows: list[aiosqlite.Row] = []
    for start in range(0, len(ordered), PAIRS_PER_QUERY):
        chunk = ordered[start : start + PAIRS_PER_QUERY]
        values = ", ".join("(?, ?)" for _ in chunk)
        rows += await db.execute_fetchall(
            select.format(pairs=f"(VALUES {values}) AS v"),
            [value for pair in chunk for value in pair],
        )
    return rows


async def check_database(path: Path | str) -> None:
    """Open (and migrate) the database once; DatabaseUnusableError says why it can't be used."""
    database = Database(path)
    try:
        await database.open()
    finally:
        await database.close()


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

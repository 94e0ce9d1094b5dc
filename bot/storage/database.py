"""One connection/transaction interface over two drivers: SQLite (aiosqlite, the embedded
default) and PostgreSQL (asyncpg, `DATABASE_URL`).

Repositories see only this module's `Database` and `Connection`:

- `Database.fetch_one` / `fetch_all`: a read on its own (retried while the database is
  locked or unreachable, up to LOCK_WAIT_SECONDS);
- `async with Database.transaction() as db:` one write, committed when the block ends and
  rolled back if it raises; `db` is a `Connection` (`execute` → rows changed, `executemany`,
  `fetch_one`, `fetch_all`, `dialect`). `transaction(lock="name")` also serialises the
  transaction with every other one taking that name, in any process (see the drivers).

SQL is written once with `?` placeholders; what differs per database is in `dialect.py`.
Errors worth another try (a lock, a timeout, a lost connection) answer True to
`is_lock_error`, whichever driver raised them; a broken constraint is `IntegrityError`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.storage.dialect import Dialect

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# How long a read or a transaction's start waits out a locked or unreachable database
# (a backup, someone's `sqlite3` shell, a PostgreSQL restart) before giving up.
LOCK_WAIT_SECONDS = 120.0
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 2.0

# PostgreSQL error classes (SQLSTATE) that say "try again", not "this is wrong":
# serialization failure, deadlock, lock not available, statement timeout or cancel,
# the server shutting down or starting, too many connections, and class 08 (connection).
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "53300"}


class DatabaseBusyError(Exception):
    """The database stayed locked (or no connection was free) for too long."""


class DatabaseUnavailableError(Exception):
    """The connection to the database server was lost or could not be made (for now)."""


class DatabaseUnusableError(Exception):
    """The database cannot be used; the message names the setting and the reason."""


class IntegrityError(Exception):
    """A constraint refused the write (unique key, foreign key, NOT NULL), on either driver."""


def is_lock_error(error: BaseException | None) -> bool:
    """Worth another try: a lock, a timeout or a lost connection, from either driver."""
    if error is None:
        return False
    if isinstance(error, DatabaseBusyError | DatabaseUnavailableError):
        return True
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return "locked" in message or "busy" in message
    sqlstate = getattr(error, "sqlstate", None)  # asyncpg's PostgresError
    if isinstance(sqlstate, str):
        return sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08")
    return False


class Row(Protocol):
    """A result row: by column position or name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: Any, /) -> Any: ...


class Connection(ABC):
    """Statements inside one transaction (what `Database.transaction()` yields)."""

    dialect: Dialect

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement; the number of rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement for each parameter row."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


class Database(ABC):
    """A database the repositories share: reads, transactions, migrations."""

    dialect: Dialect
    # What logs and errors call it: a file path, or the URL without its password.
    description: str

    @abstractmethod
    async def open(self) -> None:
        """Connect and migrate; DatabaseUnusableError names the setting and the reason."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def migrate(self) -> int:
        """Apply every migration newer than the database's version; the version reached."""

    @abstractmethod
    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> Row | None: ...

    @abstractmethod
    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    @abstractmethod
    def transaction(self, lock: str | None = None) -> AbstractAsyncContextManager[Connection]:
        """One write. `lock` names a serialisation point shared by every process using the
        database, for transactions that read before they write (the answer writer)."""

    async def _with_lock_retry(self, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """Run `attempt`, retrying with backoff while the database is locked or unreachable."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOCK_WAIT_SECONDS
        delay = _FIRST_BACKOFF
        waited = False
        while True:
            try:
                result = await attempt()
            except Exception as error:
                if not is_lock_error(error):
                    raise
                if loop.time() + delay > deadline:
                    raise DatabaseBusyError(
                        f"database {self.description} stayed locked or unreachable"
                        f" for {LOCK_WAIT_SECONDS:.0f} s"
                    ) from error
                if not waited:
                    if isinstance(error, DatabaseUnavailableError | DatabaseBusyError):
                        log.warning("database is unreachable or busy; waiting (%s)", error)
                    else:
                        log.warning("database is locked by another process; waiting")
                    waited = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
                continue
            if waited:
                log.info("database is back; carrying on")
            return result


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


def migrations(
    package: str = "bot.storage.migrations", *, baseline: bool = False
) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in order, numbered without gaps
    (from 001, or from a squashed baseline's number)."""
    found = []
    for entry in resources.files(package).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    first = versions[0] if baseline and versions else 1
    # No gaps: a database at version N must have had every migration up to N applied.
    if versions != list(range(first, first + len(found))):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps: {versions}")
    return found


async def rows_for_pairs(
    db: Connection, select: str, pairs: Collection[tuple[object, object]]
) -> list[Row]:
    """Run `select` for many two-part keys at once, inside the caller's transaction.

    `select` names the keys' list `v` (columns `v.column1`, `v.column2`), has one `{pairs}`
    where it starts and `{join}` before each table joined to it:
    `SELECT ... FROM {pairs} {join} t ON t.a = v.column1 AND t.b = v.column2`.
    Starting from the keys makes each key one index search (see `Dialect.key_join`).
    """
    ordered = list(pairs)
    rows: list[Row] = []
    step = db.dialect.pairs_per_query
    for start in range(0, len(ordered), step):
        chunk = ordered[start : start + step]
        source, params = db.dialect.pairs([a for a, _ in chunk], [b for _, b in chunk])
        rows += await db.fetch_all(select.format(pairs=source, join=db.dialect.key_join), params)
    return rows


async def write_rows(
    db: Connection, sql: str, types: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """Write many rows at once, inside the caller's transaction.

    `sql` is an `INSERT … SELECT … FROM {rows} WHERE true …` whose `v.column1`, `v.column2`,
    … are each row's values, of SQL `types` (`BIGINT`, `TEXT`, …). PostgreSQL runs it once
    for all rows (an array per column); SQLite once per row. (`WHERE true`: SQLite's
    grammar needs it before an upsert's `ON CONFLICT`.)
    """
    if rows:
        source, params = db.dialect.rows(types, rows)
        await db.executemany(sql.format(rows=source), params)


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_for(target: Path | str | Database, **options: Any) -> Database:
    """A `Database` for a file path (SQLite) or a `postgresql://` URL (PostgreSQL)."""
    if isinstance(target, Database):
        return target
    if is_postgres_url(target):
        from bot.storage.postgres import PostgresDatabase

        return PostgresDatabase(str(target), **options)
    from bot.storage.sqlite import SQLiteDatabase

    return SQLiteDatabase(target)


async def check_database(target: Path | str | Database) -> None:
    """Open (and migrate) the database once and close everything it opened, before the
    event loop ends; DatabaseUnusableError says why it can't be used."""
    database = database_for(target)
    try:
        await database.open()
    finally:
        await database.close()

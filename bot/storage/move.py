"""Moving a SQLite database to PostgreSQL: every table, in batches, counted at the end.

The SQLite file is opened as the bot opens it (so it is migrated to the latest schema
first); the PostgreSQL database is migrated to the same version. Each batch goes through a
temporary table into its table with `ON CONFLICT DO NOTHING` in one transaction, so a move
that was interrupted continues with `resume=True` without copying a row twice. Row ids are
kept (answers refer to sent polls by id), and the identity sequences are moved past them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.storage.database import from_db_time, to_db_time
from bot.storage.postgres import PostgresDatabase
from bot.storage.sqlite import SQLiteDatabase

log = logging.getLogger(__name__)

BATCH = 5000
# Parents before children (foreign keys); any table not named here follows, by name.
ORDER = [
    "users",
    "sent_polls",
    "sessions",
    "challenges",
    "group_decks",
    "group_languages",
    "update_inbox",
    "poll_intents",
    "parked_answers",
    "answers",
    "review_state",
    "challenge_totals",
    "challenge_item_totals",
]
# Bookkeeping each side keeps its own way.
_SKIPPED = {"schema_version"}

# (table, rows copied so far, rows in all) after each batch.
Progress = Callable[[str, int, int], None]


class MoveRefused(Exception):
    """The move cannot start (the message says why); nothing was written."""


class MoveFailed(Exception):
    """A row could not be converted; the batch it was in was not written."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def equal(self) -> bool:
        return self.source == self.target


async def move_to_postgres(
    source: Path, url: str, *, resume: bool = False, progress: Progress | None = None
) -> list[TableCount]:
    """Copy every table of the SQLite file at `source` into the PostgreSQL database at
    `url`; the row counts of both sides, per table."""
    if not await asyncio.to_thread(source.is_file):
        raise MoveRefused(f"--from {source}: no such file")
    sqlite = SQLiteDatabase(source)
    target = PostgresDatabase(url, pool_size=2)
    await sqlite.open()
    try:
        await target.open()
        try:
            async with target.pool.acquire() as connection:
                tables = await _tables(sqlite, connection)
                if not resume:
                    await _refuse_non_empty(connection, tables, target.description)
                for table in tables:
                    await _copy_table(sqlite, connection, table, progress)
                    await move_identity(connection, table)
                return [
                    TableCount(
                        table, await _count_sqlite(sqlite, table), await _count(connection, table)
                    )
                    for table in tables
                ]
        finally:
            await target.close()
    finally:
        await sqlite.close()


async def _tables(sqlite: SQLiteDatabase, connection: asyncpg.Connection) -> list[str]:
    rows = await sqlite.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    mine = {str(row[0]) for row in rows} - _SKIPPED
    theirs = {
        str(row[0])
        for row in await connection.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    }
    missing = sorted(mine - theirs)
    if missing:
        raise MoveRefused(
            f"PostgreSQL has no table for {', '.join(missing)}: this version's PostgreSQL"
            " migrations are behind its SQLite ones"
        )
    return [t for t in ORDER if t in mine] + sorted(mine - set(ORDER))


async def _refuse_non_empty(
    connection: asyncpg.Connection, tables: list[str], description: str
) -> None:
    filled = [f"{table}: {n:,}" for table in tables if (n := await _count(connection, table))]
    if filled:
        raise MoveRefused(
            f"--to {description} is not empty ({'; '.join(filled)} rows); pass --resume to"
            " finish an interrupted move into it"
        )


async def _count(connection: asyncpg.Connection, table: str) -> int:
    return int(await connection.fetchval(f'SELECT COUNT(*) FROM "{table}"'))


async def _count_sqlite(sqlite: SQLiteDatabase, table: str) -> int:
    row = await sqlite.fetch_one(f'SELECT COUNT(*) FROM "{table}"')
    return int(row[0]) if row else 0


async def column_types(connection: asyncpg.Connection, table: str) -> dict[str, str]:
    """Each column of `table` on PostgreSQL with its type (`bigint`, `text`, …)."""
    return {
        str(row["column_name"]): str(row["data_type"])
        for row in await connection.fetch(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1",
            table,
        )
    }


async def _copy_table(
    sqlite: SQLiteDatabase,
    connection: asyncpg.Connection,
    table: str,
    progress: Progress | None,
) -> None:
    types = await column_types(connection, table)
    source_columns = [
        str(row[1]) for row in await sqlite.fetch_all(f'PRAGMA table_info("{table}")')
    ]
    unknown = [column for column in source_columns if column not in types]
    if unknown:
        raise MoveRefused(f"PostgreSQL's {table} has no column {', '.join(unknown)}")
    columns = source_columns
    quoted = ", ".join(f'"{column}"' for column in columns)
    converters = [_converter(types[column]) for column in columns]
    total = await _count_sqlite(sqlite, table)
    done = 0
    if progress:
        progress(table, done, total)
    stage = f"_move_{table}"
    await connection.execute(
        f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" AS SELECT {quoted} FROM "{table}" WITH NO DATA'
    )
    async with sqlite.connection.execute(f'SELECT {quoted} FROM "{table}"') as cursor:
        while rows := list(await cursor.fetchmany(BATCH)):
            try:
                records = [
                    tuple(convert(value) for convert, value in zip(converters, row, strict=True))
                    for row in rows
                ]
            except (TypeError, ValueError) as error:
                raise MoveFailed(f"{table}: a row cannot be converted: {error}") from error
            async with connection.transaction():
                await connection.copy_records_to_table(stage, records=records, columns=columns)
                await connection.execute(
                    f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{stage}"'
                    " ON CONFLICT DO NOTHING"
                )
                await connection.execute(f'TRUNCATE "{stage}"')
            done += len(rows)
            if progress:
                progress(table, done, total)


async def move_identity(connection: asyncpg.Connection, table: str) -> None:
    """The next id a new row gets is past every id copied."""
    sequence = await connection.fetchval(
        "SELECT pg_get_serial_sequence($1, 'id')"
        " WHERE EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = $1"
        " AND column_name = 'id' AND table_schema = current_schema())",
        table,
    )
    if sequence:
        await connection.execute(
            f'SELECT setval($1, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)',
            sequence,
        )


def _converter(data_type: str) -> Callable[[object], object]:
    if data_type in {"bigint", "integer", "smallint"}:
        return _to_int
    if data_type in {"double precision", "real", "numeric"}:
        return lambda value: None if value is None else float(value)  # type: ignore[arg-type]
    return lambda value: None if value is None else str(value)


def _to_int(value: object) -> object:
    """SQLite keeps some times as digits in TEXT columns, and files from before migration
    008 as ISO text: PostgreSQL's columns are numbers."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        return to_db_time(from_db_time(text))
    raise ValueError(f"{value!r} is not a whole number")

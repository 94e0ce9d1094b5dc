"""Filling a PostgreSQL database for bench/scale.py: the built SQLite file, bulk loaded.

`bench/scale.py` builds its SQLite file once (through the bot's migrations, then plain
`executemany`). For `--database-url` the same rows go to a fresh PostgreSQL database made
through the bot's own PostgreSQL migrations, by `COPY` (asyncpg `copy_records_to_table`),
the standard bulk path, in batches of `BATCH` rows per table, parents first. Like the SQLite
fill, the load skips what a bulk load may skip: the foreign-key triggers are off for the
load (`session_replication_role = replica`, the server being the bench's own), and the
secondary indexes are dropped before and built again after (one sort each instead of
10 M insertions). Then the identity sequences move past the ids copied and `ANALYZE` gives
the planner its statistics, as autovacuum would soon after on a real server.

This is bench code: `bot/storage/move.py` is the careful path for real data (per batch
`INSERT … ON CONFLICT DO NOTHING`, resumable, counted).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg

from bot.storage.move import ORDER, _converter, column_types, move_identity
from bot.storage.postgres import PostgresDatabase

BATCH = 50_000
_SKIPPED = {"schema_version"}


async def fresh_database(url: str, label: str) -> str:
    """A new, migrated, empty database on the server at `url`; its URL."""
    name = f"scale_{os.getpid()}_{label}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    target = url.rsplit("/", 1)[0] + "/" + name
    database = PostgresDatabase(target, pool_size=2)
    await database.open()  # the bot's own PostgreSQL migrations
    await database.close()
    return target


async def drop_database(url: str, target: str) -> None:
    name = target.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


async def load(source: Path, target: str) -> tuple[float, int, dict[str, float]]:
    """Copy every table of the SQLite file into the (migrated, empty) database at `target`:
    (seconds in all, rows copied, seconds per step)."""
    started = time.perf_counter()
    steps: dict[str, float] = {}
    rows_copied = 0
    lite = sqlite3.connect(source)
    connection = await asyncpg.connect(target)
    try:
        names = {
            str(row[0])
            for row in lite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        } - _SKIPPED
        tables = [t for t in ORDER if t in names] + sorted(names - set(ORDER))
        indexes = [
            (str(row["indexname"]), str(row["indexdef"]))
            for row in await connection.fetch(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.schemaname = current_schema() AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )
        ]
        for name, _ in indexes:
            await connection.execute(f'DROP INDEX "{name}"')
        await connection.execute("SET session_replication_role = replica")
        for table in tables:
            began = time.perf_counter()
            rows_copied += await _copy_table(lite, connection, table)
            steps[f"copy {table}"] = time.perf_counter() - began
        await connection.execute("SET session_replication_role = DEFAULT")
        began = time.perf_counter()
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            await connection.execute(definition)
        steps["indexes"] = time.perf_counter() - began
        for table in tables:
            await move_identity(connection, table)
        began = time.perf_counter()
        await connection.execute("ANALYZE")
        steps["analyze"] = time.perf_counter() - began
    finally:
        await connection.close()
        lite.close()
    return time.perf_counter() - started, rows_copied, steps


async def _copy_table(lite: sqlite3.Connection, connection: asyncpg.Connection, table: str) -> int:
    types = await column_types(connection, table)
    columns = [str(row[1]) for row in lite.execute(f'PRAGMA table_info("{table}")')]
    # The bench's rows mostly hold ints, floats and text as PostgreSQL's columns want them;
    # SQLite may hand back an int from a REAL column, and keeps some times as digits in TEXT
    # columns: those columns go through the move's converters (a cost per value).
    numeric = {"bigint", "integer", "smallint", "double precision", "real"}
    convert = [i for i, c in enumerate(columns) if types[c] in numeric]
    converters = {i: _converter(types[columns[i]]) for i in convert}
    fix: Callable[[tuple[object, ...]], tuple[object, ...]] | None = None
    probe = lite.execute(f'SELECT * FROM "{table}" LIMIT 1000').fetchall()
    needed = [
        i
        for i in convert
        if any(
            row[i] is not None
            and type(row[i])
            is not (float if types[columns[i]] in {"double precision", "real"} else int)
            for row in probe
        )
    ]
    if needed:

        def fix(row: tuple[object, ...]) -> tuple[object, ...]:
            values = list(row)
            for i in needed:
                values[i] = converters[i](values[i])
            return tuple(values)

    quoted = ", ".join(f'"{column}"' for column in columns)
    cursor = lite.execute(f'SELECT {quoted} FROM "{table}"')
    copied = 0
    while rows := cursor.fetchmany(BATCH):
        records = [fix(row) for row in rows] if fix else rows
        await connection.copy_records_to_table(table, records=records, columns=columns)
        copied += len(rows)
    return copied


async def total_bytes(target: str) -> int:
    connection = await asyncpg.connect(target)
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()

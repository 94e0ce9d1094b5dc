"""The Database: WAL, foreign keys, migrations under PRAGMA user_version, one write lock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.database import IntegrityError, from_db_time, migrations, to_db_time
from bot.storage.sqlite import SQLiteDatabase as Database

TABLES = {"users", "sessions", "sent_polls", "answers", "review_state"}
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def migration_files() -> list[str]:
    package = resources.files("bot.storage.migrations")
    return sorted(entry.name for entry in package.iterdir() if entry.name.endswith(".sql"))


async def table_names(db: Database) -> set[str]:
    async with db.connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    ) as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def pragma(db: Database, name: str) -> object:
    async with db.connection.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def count(db: Database, table: str) -> int:
    async with db.connection.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "db.sqlite3")
    await database.open()
    yield database
    await database.close()


def latest_version() -> int:
    return int(migration_files()[-1][:3])


def test_packaged_migrations_are_numbered_from_1_without_gaps() -> None:
    found = migrations()
    assert len(found) == len(migration_files()) >= 1
    versions = [version for version, _, _ in found]
    assert versions == list(range(1, len(found) + 1))
    assert [name for _, name, _ in found] == migration_files()


async def test_empty_file_is_migrated_to_the_number_of_migration_files(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    assert not path.exists()
    database = Database(path)
    await database.open()
    try:
        assert await database.schema_version() == latest_version()
        assert await table_names(database) >= TABLES
    finally:
        await database.close()


async def test_open_creates_missing_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "quiz.sqlite3"
    database = Database(path)
    await database.open()
    await database.close()
    assert path.exists()


async def test_migrating_again_is_a_no_op(db: Database) -> None:
    version = await db.schema_version()
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO users (user_id, first_name, created_at, updated_at)"
            " VALUES (1, 'Ada', 'x', 'x')"
        )
    assert await db.migrate() == version
    assert await db.schema_version() == version
    assert await count(db, "users") == 1


async def test_reopening_a_migrated_file_does_not_reapply_migrations(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite3"
    for _ in range(2):  # a second CREATE TABLE would raise
        database = Database(path)
        await database.open()
        assert await database.schema_version() == latest_version()
        await database.close()


async def test_journal_mode_is_wal_and_foreign_keys_are_on(db: Database) -> None:
    assert str(await pragma(db, "journal_mode")).lower() == "wal"
    assert await pragma(db, "foreign_keys") == 1


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO answers (user_id, item_id, chat_id, grade, correct, answered_at,"
                " context) VALUES (999, 'x', 1, 'good', 1, 'now', 'quiz')"
            )
    assert await count(db, "answers") == 0


async def test_transaction_rolls_back_when_the_block_raises(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO users (user_id, first_name, created_at, updated_at)"
                " VALUES (1, 'Ada', 'x', 'x')"
            )
            raise RuntimeError("boom")
    assert await count(db, "users") == 0
    # The connection is usable again afterwards.
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO users (user_id, first_name, created_at, updated_at)"
            " VALUES (2, 'Bo', 'x', 'x')"
        )
    assert await count(db, "users") == 1


async def test_concurrent_writes_are_serialised_by_the_lock(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "concurrent.sqlite3")
    await storage.open()
    try:
        await asyncio.gather(
            *(storage.users.ensure(user_id, f"u{user_id}", None, NOW) for user_id in range(30))
        )
        assert await count(storage.db, "users") == 30
    finally:
        await storage.close()


async def test_connection_before_open_is_an_error(tmp_path: Path) -> None:
    database = Database(tmp_path / "never.sqlite3")
    with pytest.raises(RuntimeError, match="open"):
        _ = database.connection


async def test_close_twice_is_harmless(tmp_path: Path) -> None:
    database = Database(tmp_path / "twice.sqlite3")
    await database.open()
    await database.close()
    await database.close()
    with pytest.raises(RuntimeError):
        _ = database.connection


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 1, 1, 12, 0))


def test_db_time_round_trips_as_aware_utc() -> None:
    berlin_evening = datetime(2026, 11, 2, 23, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    back = from_db_time(to_db_time(berlin_evening))
    assert back == berlin_evening - timedelta(microseconds=456)
    assert back.utcoffset() == timedelta(0)
    assert back.hour == 22
    assert back.microsecond == 123000  # stored to the millisecond


def test_db_time_is_compact_milliseconds_and_reads_old_iso_text() -> None:
    moment = datetime(2026, 11, 2, 8, 0, 0, 5000, tzinfo=UTC)
    assert to_db_time(moment) == 1_793_606_400_005
    assert from_db_time(1_793_606_400_005) == moment
    assert from_db_time("1793606400005") == moment  # a TEXT column holds the digits
    assert from_db_time("2026-11-02T08:00:00.005000+00:00") == moment  # written before 009


def test_db_time_order_is_time_order() -> None:
    plus_five = timezone(timedelta(hours=5))
    moments = [
        NOW + timedelta(milliseconds=1),
        NOW,
        datetime(2026, 11, 2, 12, 0, tzinfo=plus_five),  # 07:00 UTC, earlier than NOW
        NOW + timedelta(days=400),
        NOW - timedelta(seconds=1),
    ]
    assert sorted(moments) == sorted(moments, key=to_db_time)

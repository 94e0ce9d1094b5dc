"""What differs per backend, checked on both: the dialect's statements, transient errors,
the pool's bounds, migrations under the advisory lock, and the answer writer's lock."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import asyncpg
import pytest

from bot.domain.memory import Grade, MemoryState, review
from bot.logsafe import install_redaction
from bot.storage import Storage
from bot.storage.answer_writer import AnswerWrite
from bot.storage.database import (
    DatabaseBusyError,
    database_for,
    is_lock_error,
    migrations,
    rows_for_pairs,
    write_rows,
)
from bot.storage.dialect import POSTGRES
from bot.storage.postgres import MIGRATIONS, PostgresDatabase, redact_url, url_secrets
from bot.storage.records import NewAnswer
from tests.conftest import Postgres

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_placeholders_become_numbered_outside_quotes_and_comments() -> None:
    sql = "SELECT '?', \"a?\" FROM t -- why?\nWHERE a = ? AND b = 'it''s ?' AND c = ?"
    assert POSTGRES.placeholders(sql) == (
        "SELECT '?', \"a?\" FROM t -- why?\nWHERE a = $1 AND b = 'it''s ?' AND c = $2"
    )


def test_both_migration_sets_end_at_the_same_version() -> None:
    """A new SQLite migration needs its PostgreSQL twin (bot/storage/migrations_pg)."""
    assert migrations()[-1][0] == migrations(MIGRATIONS, baseline=True)[-1][0]


async def test_a_round_drops_a_question_by_compare_and_set(storage: Storage) -> None:
    round_ = await storage.challenges.start(-5, 1, "deck", ["a", "b", "c"], 30, NOW)
    assert round_ is not None
    assert await storage.challenges.claim_next_question(round_.id, 0, NOW)  # "a" is asked
    assert await storage.challenges.drop_question(round_.id, 1, "b")
    assert not await storage.challenges.drop_question(round_.id, 1, "b")  # now "c" is there
    again = await storage.challenges.get(round_.id)
    assert again is not None and again.item_ids == ("a", "c")


async def test_many_pair_lookups_cross_chunks(storage: Storage) -> None:
    count = storage.db.dialect.pairs_per_query + 7 if storage.db.dialect.name == "sqlite" else 1200
    async with storage.db.transaction() as db:
        await db.executemany(
            "INSERT INTO users (user_id, first_name, created_at, updated_at) VALUES (?, ?, 0, 0)",
            [(user_id, f"u{user_id}") for user_id in range(count)],
        )
        rows = await rows_for_pairs(
            db,
            "SELECT v.column1, v.column2 FROM {pairs} {join} users u"
            " ON u.user_id = v.column1 AND u.first_name = v.column2",
            [(user_id, f"u{user_id}" if user_id % 2 else "other") for user_id in range(count)],
        )
    assert sorted(int(row[0]) for row in rows) == list(range(1, count, 2))


async def test_many_rows_written_at_once_keep_nulls_floats_and_upserts(storage: Storage) -> None:
    """write_rows: one statement on PostgreSQL (arrays per column), one per row on SQLite."""
    upsert = (
        "INSERT INTO users (user_id, first_name, username, created_at, updated_at)"
        " SELECT v.column1, v.column2, v.column3, v.column4, v.column5 FROM {rows} WHERE true"
        " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name"
    )
    types = ("BIGINT", "TEXT", "TEXT", "BIGINT", "BIGINT")
    async with storage.db.transaction() as db:
        await write_rows(db, upsert, types, [(1, "Ada", None, 5, 5), (2, "Bo", "bo", 6, 6)])
        await write_rows(db, upsert, types, [(2, "Bob", None, 7, 7), (3, "Cy", None, 8, 8)])
        await write_rows(db, upsert, types, [])  # nothing to write: no statement
        await write_rows(
            db,
            'INSERT INTO challenge_totals (chat_id, period, user_id, "right", points, seconds)'
            " SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6"
            " FROM {rows} WHERE true",
            ("BIGINT", "TEXT", "BIGINT", "INTEGER", "INTEGER", "DOUBLE PRECISION"),
            [(-5, "all", 1, 2, 30, 1.25), (-5, "all", 3, 0, 0, 0.5)],
        )
    users = await storage.db.fetch_all(
        "SELECT user_id, first_name, username, created_at FROM users ORDER BY user_id"
    )
    # (created_at: TEXT in SQLite's old schema, so compared as numbers)
    assert [(*row[:3], int(row[3])) for row in users] == [
        (1, "Ada", None, 5),
        (2, "Bob", "bo", 6),  # updated name, kept username and creation time
        (3, "Cy", None, 8),
    ]
    totals = await storage.db.fetch_all(
        'SELECT user_id, "right", points, seconds FROM challenge_totals ORDER BY user_id'
    )
    assert [tuple(row) for row in totals] == [(1, 2, 30, 1.25), (3, 0, 0, 0.5)]


def answer(user_id: int, n: int) -> NewAnswer:
    return NewAnswer(
        user_id=user_id,
        item_id="item",
        chat_id=user_id,
        grade="good",
        correct=True,
        answered_at=NOW + timedelta(minutes=n),
        context="quiz",
        poll_id=None,
    )


async def test_two_workers_writing_one_learner_chain_their_memory(
    database_target: Path | str,
) -> None:
    """Two processes' writers (two Storage objects) never both read the same memory state
    before writing the next: every answer's review builds on the one before."""
    first, second = Storage(database_target), Storage(database_target)
    await first.open()
    await second.open()
    try:
        await first.users.ensure(7, "Ada", None, NOW)

        def decide(n: int):  # type: ignore[no-untyped-def]
            def step(previous: MemoryState | None, retention: float) -> tuple[str, MemoryState]:
                return "good", review(previous, "item", Grade.GOOD, NOW + timedelta(minutes=n))

            return step

        writes = [
            (first if n % 2 else second).writer.write(AnswerWrite(answer(7, n), decide(n)))
            for n in range(40)
        ]
        await asyncio.gather(*writes)
        memory = await first.reviews.get(7, "item")
        assert memory is not None and memory.reps == 40
        assert len(await first.answers.for_user(7)) == 40
    finally:
        await first.close()
        await second.close()


# --- PostgreSQL only ------------------------------------------------------------------


@pytest.fixture
async def pg_url(postgres: Postgres) -> str:
    url = await postgres.fresh()
    yield url  # type: ignore[misc]
    await postgres.drop(url)


async def test_workers_starting_together_migrate_once(postgres: Postgres) -> None:
    admin = await asyncpg.connect(postgres.server.url())
    await admin.execute("CREATE DATABASE empty_start")
    await admin.close()
    url = postgres.server.url("empty_start")
    databases = [PostgresDatabase(url, pool_size=2) for _ in range(3)]
    try:
        await asyncio.gather(*(database.open() for database in databases))
        latest = migrations(MIGRATIONS, baseline=True)[-1][0]
        assert [await database.schema_version() for database in databases] == [latest] * 3
        rows = await databases[0].fetch_all("SELECT version FROM schema_version")
        assert [row[0] for row in rows] == [latest]
    finally:
        for database in databases:
            await database.close()
        await postgres.drop(url)


async def test_a_lock_wait_timeout_is_transient_and_leaves_nothing_half_done(pg_url: str) -> None:
    storage = Storage(pg_url)
    await storage.open()
    holder = await asyncpg.connect(pg_url)
    try:
        await storage.users.ensure(1, "Ada", None, NOW)
        await holder.execute("BEGIN")
        await holder.execute("UPDATE users SET first_name = 'held' WHERE user_id = 1")
        with pytest.raises(Exception) as caught:
            async with storage.db.transaction() as db:
                await db.execute("SET LOCAL lock_timeout = '100ms'")
                await db.execute("INSERT INTO group_decks (chat_id, deck_id) VALUES (-1, 'd')")
                await db.execute("UPDATE users SET active = 0 WHERE user_id = ?", (1,))
        assert is_lock_error(caught.value)
        await holder.execute("ROLLBACK")
        assert await storage.challenges.group_deck(-1) is None  # rolled back whole
        user = await storage.users.get(1)
        assert user is not None and user.active
    finally:
        await holder.close()
        await storage.close()


async def test_waiting_for_a_pooled_connection_times_out_as_busy(pg_url: str) -> None:
    database = PostgresDatabase(pg_url, pool_size=2, acquire_timeout=0.2)
    await database.open()
    try:
        pool = database.pool
        held = [await pool.acquire(), await pool.acquire()]
        with pytest.raises(DatabaseBusyError) as caught:
            await database._checkout()
        assert is_lock_error(caught.value)
        for connection in held:
            await pool.release(connection)
        assert await database.fetch_one("SELECT 1") is not None
    finally:
        await database.close()


async def test_a_pooled_connection_comes_back_with_no_lock_or_transaction(pg_url: str) -> None:
    """The pool skips asyncpg's reset query (a round trip per release): what it would undo
    must never be left on a pooled connection. One connection, so the next use is the same."""
    database = PostgresDatabase(pg_url, pool_size=1)
    await database.open()
    try:
        async with database.transaction(lock="answers") as db:
            await db.execute("SELECT 1")
        with pytest.raises(RuntimeError):
            async with database.transaction(lock="answers") as db:
                await db.execute("INSERT INTO group_decks (chat_id, deck_id) VALUES (-1, 'd')")
                raise RuntimeError("a bug mid-transaction")
        held = await database.fetch_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert held is not None and held[0] == 0  # the xact lock went with its transaction
        in_transaction = await database.fetch_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            " AND backend_xid IS NOT NULL"
        )
        assert in_transaction is not None and in_transaction[0] == 0
        assert await database.fetch_one("SELECT deck_id FROM group_decks") is None
    finally:
        await database.close()


async def test_a_dropped_connection_is_transient_and_the_pool_recovers(pg_url: str) -> None:
    storage = Storage(pg_url)
    await storage.open()
    admin = await asyncpg.connect(pg_url)
    try:
        with pytest.raises(Exception) as caught:
            async with storage.db.transaction() as db:
                pid = (await db.fetch_one("SELECT pg_backend_pid()"))[0]  # type: ignore[index]
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
                await db.execute("SELECT 1")
        assert is_lock_error(caught.value), repr(caught.value)
        await storage.users.ensure(2, "Bo", None, NOW)  # a new connection serves the next one
        assert await storage.users.get(2) is not None
    finally:
        await admin.close()
        await storage.close()


def test_the_url_password_never_reaches_a_log_line() -> None:
    url = "postgresql://quiz:s3cret-pass-word@db.example:5432/quiz"
    assert redact_url(url) == "postgresql://quiz@db.example:5432/quiz"
    stream = StringIO()
    logger = logging.getLogger("redaction-test")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        install_redaction(url_secrets(url), logger)
        logger.warning("cannot reach %s (password %s)", url, "s3cret-pass-word")
    finally:
        logger.removeHandler(handler)
    assert "s3cret" not in stream.getvalue()
    assert "db.example" in stream.getvalue()


def test_a_url_picks_postgresql_and_a_path_sqlite(tmp_path: Path) -> None:
    assert database_for("postgresql://u@127.0.0.1/db").dialect.name == "postgresql"
    assert database_for(tmp_path / "x.sqlite3").dialect.name == "sqlite"

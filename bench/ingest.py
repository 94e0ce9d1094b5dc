"""Answer ingestion: N members of a group answer one challenge poll at once.

1. **Bot**: `python -m bot` as a subprocess against the fake Bot API server
   (`tests/fakes/telegram_server.py`). A member starts `/challenge 1 600`; once the poll
   is out, `--members` members answer it together (all their updates queued at once, as
   Telegram would deliver a burst). Measured: first answer queued → every answer stored
   in SQLite (read from the file by this process, WAL allows it), as answers/s.
   Then checked: exactly one stored answer per member (nothing lost, nothing doubled),
   and the leaderboard totals equal the sum of the stored answers.
2. **Baselines**, same run, same machine, same schema and PRAGMAs (`bot.storage.Database`):
   aiosqlite inserting the same number of answer rows with one commit per row, and all
   of them in one transaction.
3. With `--prefill N`, the bot runs are repeated on a database that already holds N
   answers with their sent polls, memory states and learners (built as `bench/scale.py`
   builds its file): ingestion must not slow down as the file grows, so the figure is
   the ratio to the empty-database runs of the same invocation.

4. With `--database-url postgresql://…/postgres` (a server where this user may create
   databases; `make postgres` starts a throwaway one), the same bot run on PostgreSQL
   (1 worker, each run on a new database), beside an asyncpg baseline on the same schema:
   one autocommit INSERT per row. Goals (issue 15): PostgreSQL >= 0.8x the SQLite bot run
   of the same invocation and >= 1.25x the asyncpg per-row baseline. Then the same with
   `--workers` (default 3) workers on one database: one polls, each handles the answers of
   its own partitions. Also the CPU milliseconds per answer spent in the bot processes and
   in the server's backends (read from /proc: the server must run on this machine), the
   figures of the scaling model in docs/postgresql.md.
5. With `--durable`, a throwaway server with fsync on (as in production) is started for the
   per-row baseline and the one-worker bot: there each autocommit waits for the disk, which
   the group commit pays once per batch.

The target (issue "Fast at scale", goal 1) is ≥ 3,000 answers/s at 5,000 members and at
least 1.25× the one-commit-per-row baseline.

Run: .venv/bin/python bench/ingest.py [--members 5000] [--repeat 1] [--prefill 2000000]
     [--database-url postgresql://postgres@127.0.0.1:PORT/postgres [--workers 3]] [--durable]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bot.storage.database import to_db_time  # noqa: E402
from bot.storage.dialect import POSTGRES  # noqa: E402
from bot.storage.postgres import PostgresDatabase  # noqa: E402
from bot.storage.sqlite import SQLiteDatabase as Database  # noqa: E402
from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402
from tests.pg_server import PostgresServer  # noqa: E402

GROUP = -1009876543210
FIRST_MEMBER = 2_000_000


def _rows(count: int) -> list[tuple[object, ...]]:
    stamp = to_db_time(datetime.now(UTC))
    return [
        (FIRST_MEMBER + n, "item", GROUP, 1, 0, "good", 1, stamp, 3.5, "challenge", 1, 900)
        for n in range(count)
    ]


_INSERT = (
    "INSERT INTO answers (user_id, item_id, chat_id, poll_ref, chosen_option, grade, correct,"
    " answered_at, seconds, context, session_id, points)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (poll_ref, user_id) DO NOTHING"
)


async def baseline(folder: Path, count: int, one_transaction: bool) -> float:
    """Rows per second for plain aiosqlite on the bot's schema."""
    path = folder / f"baseline-{int(one_transaction)}.sqlite3"
    db = Database(path)
    await db.open()
    try:
        stamp = to_db_time(datetime.now(UTC))
        async with db.transaction() as connection:
            await connection.executemany(
                "INSERT INTO users (user_id, first_name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                [(FIRST_MEMBER + n, f"M{n}", stamp, stamp) for n in range(count)],
            )
            await connection.execute(
                "INSERT INTO sent_polls (id, poll_id, chat_id, message_id, item_id, option_order,"
                " sent_at, context) VALUES (1, 'poll', ?, 1, 'item', '[0, 1]', ?, 'challenge')",
                (GROUP, stamp),
            )
        rows = _rows(count)
        started = time.perf_counter()
        if one_transaction:
            async with db.transaction() as connection:
                await connection.executemany(_INSERT, rows)
        else:
            for row in rows:
                async with db.transaction() as connection:
                    await connection.execute(_INSERT, row)
        elapsed = time.perf_counter() - started
    finally:
        await db.close()
    return count / elapsed


_OF_POLL = "poll_ref = (SELECT id FROM sent_polls WHERE poll_id = ?)"


def _count(path: Path | str, sql: str, params: tuple[object, ...] = ()) -> int:
    """One number from the bot's database, read from outside (SQLite file or PostgreSQL)."""
    if isinstance(path, str):
        return asyncio.run(_pg_count(path, sql, params))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        return int(db.execute(sql, params).fetchone()[0] or 0)


async def _pg_count(url: str, sql: str, params: tuple[object, ...]) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval(POSTGRES.placeholders(sql), *params) or 0)
    finally:
        await connection.close()


def prefilled(folder: Path, answers: int) -> Path:
    """A database already holding `answers` answers (bench/scale.py's builder)."""
    import scale

    learners = max(1_000, answers // 100)
    members = min(1_000, learners)
    shape = scale.Shape(learners, answers, members, group_answers=min(answers, members * 50))
    database = folder / "bot.sqlite3"
    seconds = scale.build(database, shape)
    print(f"prefilled: {answers:,} answers of {learners:,} learners in {seconds:.0f} s")
    return database


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pids(url: str) -> list[int]:
    """The server processes serving this database (local server only: read from /proc)."""

    async def run() -> list[int]:
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
        finally:
            await connection.close()
        return [row[0] for row in rows]

    return asyncio.run(run())


def _settled(url: str, workers: int) -> bool:
    """Every worker is counted by the others and the partitions are shared out."""
    from bot.storage.coordination import MEMBERS, PARTITION_LOCKS

    async def run() -> bool:
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch(
                "SELECT classid::bigint, pid, count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND objsubid = 2 AND granted GROUP BY 1, 2"
            )
        finally:
            await connection.close()
        members = sum(1 for row in rows if row[0] == MEMBERS)
        shares = [row[2] for row in rows if row[0] == PARTITION_LOCKS]
        fair = -(-64 // workers)
        return members == workers and sum(shares) == 64 and max(shares) <= fair

    return asyncio.run(run())


def bot_run(
    folder: Path, members: int, url: str | None = None, workers: int = 1
) -> dict[str, float]:
    database: Path | str = url or folder / "bot.sqlite3"
    with FakeTelegramServer(global_rate=None, group_rate_per_minute=None) as server:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:INGEST",
            "TELEGRAM_BASE_URL": server.base_url,
            "DATABASE_PATH": str(folder / "bot.sqlite3"),
            **({"DATABASE_URL": url} if url else {}),
            "CONTENT_DIR": str(ROOT / "content"),
            "LOG_LEVEL": "WARNING",
        }
        logs = [folder / f"bot{n}.log" for n in range(workers)]
        processes = []
        try:
            for log_path in logs:
                with log_path.open("w") as log:
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=log
                        )
                    )
            server.wait_for(
                lambda: (
                    server.allowed_updates is not None
                    and sum(
                        1
                        for call in server.requests_for("setMyCommands")
                        if not call.params.get("language_code")
                    )
                    >= workers
                ),
                timeout=60,
            )
            if url and workers > 1:
                server.wait_for(lambda: _settled(url, workers), timeout=60)
            users = [server.user(FIRST_MEMBER + n, f"Member {n}") for n in range(members)]
            server.push_message(users[0], "/challenge 1 600", chat_id=GROUP, chat_type="supergroup")
            message = server.wait_for(lambda: server.find_poll(GROUP), timeout=30)
            poll = message["poll"]
            right = poll["correct_option_ids"][0]
            wrong = (right + 1) % len(poll["options"])
            backends = _backend_pids(url) if url else []
            cpu_before = {pid: _cpu_seconds(pid) for pid in [p.pid for p in processes] + backends}
            started = time.perf_counter()
            for n, user in enumerate(users):
                server.push_poll_answer(user, poll["id"], [right if n % 3 else wrong])
            queued = time.perf_counter() - started
            stored = 0
            while stored < members:
                if time.perf_counter() - started > 600:
                    raise SystemExit(f"only {stored} of {members} answers stored in 600 s")
                time.sleep(0.02)
                stored = _count(
                    database, f"SELECT COUNT(*) FROM answers WHERE {_OF_POLL}", (poll["id"],)
                )
            elapsed = time.perf_counter() - started
            bot_cpu = sum(
                (_cpu_seconds(p.pid) or 0.0) - (cpu_before.get(p.pid) or 0.0) for p in processes
            )
            server_cpu = 0.0
            for pid in _backend_pids(url) if url else []:
                now = _cpu_seconds(pid)
                if now is not None:
                    server_cpu += now - (cpu_before.get(pid) or 0.0)
            time.sleep(1.0)  # anything still in flight would show up as a double
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        for log_path in logs:
            if "Traceback" in log_path.read_text():
                raise SystemExit(f"the bot logged a traceback:\n{log_path.read_text()[-3000:]}")
    answers = _count(database, f"SELECT COUNT(*) FROM answers WHERE {_OF_POLL}", (poll["id"],))
    distinct = _count(
        database, f"SELECT COUNT(DISTINCT user_id) FROM answers WHERE {_OF_POLL}", (poll["id"],)
    )
    right_stored = _count(
        database, f"SELECT SUM(correct) FROM answers WHERE {_OF_POLL}", (poll["id"],)
    )
    right_totals = _count(
        database,
        "SELECT SUM(\"right\") FROM challenge_totals WHERE chat_id = ? AND period = 'all'",
        (GROUP,),
    )
    expected_right = sum(1 for n in range(members) if n % 3)
    if not answers == distinct == members or not right_stored == right_totals == expected_right:
        raise SystemExit(
            f"lost or doubled: {answers} answers, {distinct} members, {right_stored} right"
            f" stored, {right_totals} right in totals; expected {members} and {expected_right}"
        )
    return {
        "seconds": elapsed,
        "rate": members / elapsed,
        "queued_s": queued,
        # CPU milliseconds per answer, in the bot processes and in the server's backends.
        "bot_ms": 1000 * bot_cpu / members,
        "server_ms": 1000 * server_cpu / members,
    }


def durable_runs(folder: Path, members: int, repeat: int) -> dict[str, float]:
    """The per-row baseline and the one-worker bot on a server that syncs every commit.

    Production runs with fsync on: each autocommit INSERT then waits for the disk, which the
    group commit pays once per batch. The throwaway servers elsewhere here have fsync off,
    which makes the per-row baseline a CPU-bound loop instead."""
    server = PostgresServer(durable=True)
    server.start()
    try:
        databases = PgDatabases(server.url())
        try:
            # Fewer rows: each waits for the disk; the rate is per row all the same.
            per_row = asyncio.run(
                pg_baseline(asyncio.run(databases.fresh()), min(members, 1000), False)
            )
            rates = []
            for attempt in range(repeat):
                run_folder = folder / f"durable{attempt}"
                run_folder.mkdir()
                rates.append(bot_run(run_folder, members, asyncio.run(databases.fresh()))["rate"])
        finally:
            asyncio.run(databases.drop_all())
    finally:
        server.stop()
    return {"per_row": per_row, "bot": max(rates)}


class PgDatabases:
    """Fresh databases on the server at `url`, one per run, dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.made: list[str] = []

    async def fresh(self) -> str:
        name = f"ingest_{os.getpid()}_{len(self.made)}"
        admin = await asyncpg.connect(self.url)
        try:
            await admin.execute(f"CREATE DATABASE {name}")
        finally:
            await admin.close()
        self.made.append(name)
        url = self.url.rsplit("/", 1)[0] + "/" + name
        database = PostgresDatabase(url, pool_size=2)
        await database.open()  # migrated
        await database.close()
        return url

    async def drop_all(self) -> None:
        admin = await asyncpg.connect(self.url)
        try:
            for name in self.made:
                await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


async def pg_baseline(url: str, count: int, one_transaction: bool) -> float:
    """Rows per second for plain asyncpg on the bot's schema: one autocommit INSERT per row
    (durable each), or all of them in one executemany transaction."""
    connection = await asyncpg.connect(url)
    try:
        stamp = to_db_time(datetime.now(UTC))
        await connection.executemany(
            "INSERT INTO users (user_id, first_name, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4)",
            [(FIRST_MEMBER + n, f"M{n}", stamp, stamp) for n in range(count)],
        )
        await connection.execute(
            "INSERT INTO sent_polls (id, poll_id, chat_id, message_id, item_id, option_order,"
            " sent_at, context) VALUES (1, 'poll', $1, 1, 'item', '[0, 1]', $2, 'challenge')",
            GROUP,
            stamp,
        )
        rows = _rows(count)
        insert = POSTGRES.placeholders(_INSERT)
        started = time.perf_counter()
        if one_transaction:
            async with connection.transaction():
                await connection.executemany(insert, rows)
        else:
            for row in rows:
                await connection.execute(insert, *row)
        elapsed = time.perf_counter() - started
    finally:
        await connection.close()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=1, help="bot runs (best and worst shown)")
    parser.add_argument(
        "--prefill", type=int, default=0, help="also run on a database holding this many answers"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="also run on PostgreSQL: a server URL whose user may create databases",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="with --database-url: also run this many workers on one database",
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="also start a throwaway PostgreSQL with fsync on (as in production) and run the"
        " per-row baseline and the one-worker bot there",
    )
    args = parser.parse_args()
    durable: dict[str, float] = {}
    pg_runs: list[dict[str, float]] = []
    pg_many: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        per_row = asyncio.run(baseline(folder, args.members, one_transaction=False))
        batched = asyncio.run(baseline(folder, args.members, one_transaction=True))
        runs = []
        for attempt in range(args.repeat):
            run_folder = folder / f"run{attempt}"
            run_folder.mkdir()
            runs.append(bot_run(run_folder, args.members))
        full_runs = []
        if args.prefill:
            (folder / "template").mkdir()
            template = prefilled(folder / "template", args.prefill)
            for attempt in range(args.repeat):
                run_folder = folder / f"full{attempt}"
                run_folder.mkdir()
                shutil.copy(template, run_folder / "bot.sqlite3")
                full_runs.append(bot_run(run_folder, args.members))
        if args.database_url:
            databases = PgDatabases(args.database_url)
            try:
                pg_per_row = asyncio.run(
                    pg_baseline(asyncio.run(databases.fresh()), args.members, False)
                )
                pg_batched = asyncio.run(
                    pg_baseline(asyncio.run(databases.fresh()), args.members, True)
                )
                for attempt in range(args.repeat):
                    run_folder = folder / f"pg{attempt}"
                    run_folder.mkdir()
                    url = asyncio.run(databases.fresh())
                    pg_runs.append(bot_run(run_folder, args.members, url))
                for attempt in range(args.repeat):
                    run_folder = folder / f"pg{args.workers}w{attempt}"
                    run_folder.mkdir()
                    url = asyncio.run(databases.fresh())
                    pg_many.append(bot_run(run_folder, args.members, url, workers=args.workers))
            finally:
                asyncio.run(databases.drop_all())
        if args.durable:
            durable = durable_runs(folder, args.members, args.repeat)
    runs.sort(key=lambda run: run["rate"])
    rates = [run["rate"] for run in runs]
    print(
        f"baselines (aiosqlite, {args.members} rows): one commit per row {per_row:,.0f} rows/s;"
        f" one transaction {batched:,.0f} rows/s"
    )
    print(
        f"bot: {args.members} members answering one poll: {rates[-1]:,.0f} answers/s"
        f" (worst of {len(rates)}: {rates[0]:,.0f}); {runs[-1]['seconds']:.2f} s to store all,"
        f" {runs[-1]['queued_s']:.2f} s of it queueing the updates at the fake server;"
        f" x{rates[-1] / per_row:.2f} the one-commit-per-row baseline"
        " (targets: >= 3,000 answers/s and >= x1.25); none lost or double-counted"
    )
    if full_runs:
        full = sorted(run["rate"] for run in full_runs)
        print(
            f"bot on a database already holding {args.prefill:,} answers: {full[-1]:,.0f}"
            f" answers/s (worst of {len(full)}: {full[0]:,.0f}); x{full[-1] / rates[-1]:.2f}"
            " the empty-database runs above; none lost or double-counted"
        )
    if pg_runs:
        pg_runs.sort(key=lambda run: run["rate"])
        pg = [run["rate"] for run in pg_runs]
        print(
            f"baselines (asyncpg, {args.members} rows): one autocommit per row"
            f" {pg_per_row:,.0f} rows/s; one transaction {pg_batched:,.0f} rows/s"
        )
        print(
            f"bot on PostgreSQL, 1 worker: {pg[-1]:,.0f} answers/s (worst of {len(pg)}:"
            f" {pg[0]:,.0f}); x{pg[-1] / rates[-1]:.2f} the SQLite bot run above (goal >= x0.8),"
            f" x{pg[-1] / pg_per_row:.2f} the asyncpg per-row baseline (goal >= x1.25);"
            " none lost or double-counted"
        )
        many = sorted(pg_many, key=lambda run: run["rate"])
        best = many[-1]
        print(
            f"bot on PostgreSQL, {args.workers} workers (one polls, each handles its partitions):"
            f" {best['rate']:,.0f} answers/s (worst of {len(many)}: {many[0]['rate']:,.0f});"
            f" x{best['rate'] / pg[-1]:.2f} one worker; none lost or double-counted"
        )
        one = pg_runs[-1]
        sqlite_ms = runs[-1]["bot_ms"]
        pg_ms = one["bot_ms"] + one["server_ms"]
        print(
            f"CPU per answer: SQLite {sqlite_ms:.2f} ms in the bot (database included);"
            f" PostgreSQL 1 worker {one['bot_ms']:.2f} + {one['server_ms']:.2f} ="
            f" {pg_ms:.2f} ms: x{sqlite_ms / pg_ms:.2f} SQLite's answers per CPU second"
            " (less noisy than answers/s on a shared machine)"
        )
        print(
            f"CPU per answer: 1 worker {one['bot_ms']:.2f} ms in the bot +"
            f" {one['server_ms']:.2f} ms in PostgreSQL; {args.workers} workers"
            f" {best['bot_ms']:.2f} ms in the bots together + {best['server_ms']:.2f} ms in"
            f" PostgreSQL (on {os.cpu_count()} cores shared by all of them). Model: one core of"
            f" worker carries ~{1000 / best['bot_ms']:,.0f} answers/s, one core of PostgreSQL"
            f" ~{1000 / best['server_ms']:,.0f}: N workers on N machines carry"
            f" min(N x {1000 / best['bot_ms']:,.0f}, server cores x"
            f" {1000 / best['server_ms']:,.0f}) answers/s"
        )

    if durable:
        print(
            f"PostgreSQL with fsync on (as in production): asyncpg one autocommit per row"
            f" {durable['per_row']:,.0f} rows/s; bot, 1 worker {durable['bot']:,.0f} answers/s;"
            f" x{durable['bot'] / durable['per_row']:.2f} the per-row baseline (goal >= x1.25)"
        )


if __name__ == "__main__":
    main()

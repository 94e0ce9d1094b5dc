"""Several `python -m bot` workers on one PostgreSQL database, against the fake Bot API.

Shared by tests/e2e/test_workers*.py and bench/ingest.py: start N workers, find which one
holds a partition or a lease (the lock connection's application_name carries the worker's
process id), read the database.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import asyncpg

from bot.pipeline.partitions import partition_of_chat
from bot.storage.coordination import LEASES, PARTITION_LOCKS, lease_key
from tests.fakes.telegram_server import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:E2E-TEST-TOKEN"


class Worker:
    """One `python -m bot` process on DATABASE_URL; ready once its menus are registered."""

    def __init__(self, server: FakeTelegramServer, url: str, log: Path, **env: str) -> None:
        self.server = server
        self.url = url
        self.log_path = log
        self.extra_env = env
        self.process: subprocess.Popen[str] | None = None
        # How the last run ended (e.g. -9 after a SIGKILL); None while it runs.
        self.exit_code: int | None = None
        self._log_file: IO[str] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _readies(self) -> int:
        """Start-ups finished so far: the bot logs "ready:" as post_init's last step, after
        its command menus (several setMyCommands calls) are registered."""
        if not self.log_path.exists():
            return 0
        return self.log.count(" ready: ")

    def start(self, wait: bool = True) -> Worker:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.server.base_url,
            "DATABASE_URL": self.url,
            "CONTENT_DIR": str(ROOT / "content"),
            "LOG_LEVEL": "INFO",
            **self.extra_env,
        }
        before = self._readies()
        self._log_file = self.log_path.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if wait:
            self.server.wait_for(
                lambda: self._readies() > before, timeout=40, description="a worker to start"
            )
        return self

    def stop(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.exit_code = self.process.returncode
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    return asyncio.run(run())


def scalar(url: str, sql: str, *args: Any) -> Any:
    return query(url, sql, *args)[0][0]


_HOLDER = (
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted"
    " AND l.classid::bigint = $1 AND l.objid::bigint = $2"
)


def holder(url: str, namespace: int, key: int) -> int | None:
    """The process id of the worker holding lock (namespace, key), or None."""
    rows = query(url, _HOLDER, namespace, key)
    if not rows:
        return None
    return int(str(rows[0][0]).rsplit(":", 1)[1])


def chat_owner(url: str, chat_id: int) -> int | None:
    return holder(url, PARTITION_LOCKS, partition_of_chat(chat_id))


def lease_holder(url: str, name: str) -> int | None:
    return holder(url, LEASES, lease_key(name))


def holder_among(
    server: FakeTelegramServer,
    workers: list[Worker],
    read: Callable[[], int | None],
    description: str,
    timeout: float = 10,
) -> int:
    """The pid `read` names, once it is one of `workers` (pg_locks may show nobody for a
    moment while a partition or lease moves between workers, e.g. as a third one joins)."""
    pids = {worker.pid for worker in workers if worker.process is not None}

    def one_of_them() -> int | None:
        holder = read()
        return holder if holder in pids else None

    return server.wait_for(one_of_them, timeout=timeout, description=description)


def partitions_owned(url: str) -> int:
    return int(
        scalar(
            url,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
            " AND granted AND classid::bigint = $1",
            PARTITION_LOCKS,
        )
    )


def inbox_left(url: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM update_inbox"))


def diagnose(url: str) -> str:
    """What is left: pending inbox rows per partition, and who owns each (for failures)."""
    pending = query(
        url,
        "SELECT partition_no, count(*), min(update_id), bool_or(failed_at IS NOT NULL)"
        " FROM update_inbox GROUP BY partition_no ORDER BY partition_no",
    )
    owners = {
        int(row[0]): str(row[1])
        for row in query(
            url,
            "SELECT l.objid::bigint, a.application_name FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            " AND l.objsubid = 2 AND l.granted AND l.classid::bigint = $1",
            PARTITION_LOCKS,
        )
    }
    lines = [
        f"partition {row[0]}: {row[1]} pending from {row[2]} (failed: {row[3]}),"
        f" owner {owners.get(int(row[0]))}"
        for row in pending
    ]
    errors = query(url, "SELECT DISTINCT error FROM update_inbox WHERE error IS NOT NULL")
    lines += [f"error: {row[0][:300]}" for row in errors]
    return "\n".join(lines) or "inbox empty"

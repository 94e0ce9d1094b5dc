"""An unusable DATABASE_PATH or DATABASE_URL stops the bot with one line naming the setting
and the reason, exit 2."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Postgres
from tests.e2e.conftest import ROOT


def start_with_database(
    tmp_path: Path, database: Path, **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={
            **env,
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",  # never reached
            "CONTENT_DIR": str(ROOT / "content"),
            "DATABASE_PATH": str(database),
            **settings,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], database: Path, reason: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(database) in lines[0] and reason in lines[0]
    assert lines[0].startswith("error: DATABASE_PATH")


def test_a_directory(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    result = start_with_database(tmp_path, tmp_path / "db")
    assert_one_line(result, tmp_path / "db", "is a directory")


def test_a_path_below_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    database = tmp_path / "file" / "quiz.sqlite3"
    assert_one_line(start_with_database(tmp_path, database), database, "regular file")


def test_a_corrupt_file(tmp_path: Path) -> None:
    database = tmp_path / "quiz.sqlite3"
    database.write_bytes(b"this is not a database, just some text " * 200)
    assert_one_line(start_with_database(tmp_path, database), database, "corrupt")


def test_a_database_from_a_newer_version(tmp_path: Path) -> None:
    database = tmp_path / "quiz.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE future (x)")
        db.execute("PRAGMA user_version = 999")
    result = start_with_database(tmp_path, database)
    assert_one_line(result, database, "newer version")
    assert "999" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files anyway")
def test_a_read_only_place(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    database = folder / "quiz.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
    database.chmod(0o444)
    folder.chmod(0o555)
    try:
        assert_one_line(start_with_database(tmp_path, database), database, "read-only")
    finally:
        folder.chmod(0o755)


def test_a_place_sqlite_cannot_open_gives_one_line_every_time(tmp_path: Path) -> None:
    """aiosqlite's thread, left running by a failed connect, once printed "Event loop is
    closed" after the line in about every second run."""
    database = Path("/proc/quiz.sqlite3")
    for _ in range(4):
        result = start_with_database(tmp_path, database)
        assert_one_line(result, database, "cannot be opened")


def assert_one_url_line(result: subprocess.CompletedProcess[str], reason: str) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: DATABASE_URL"), lines[0]
    assert reason in lines[0], lines[0]
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_database_url(tmp_path: Path) -> None:
    url = f"postgresql://quiz:not-for-logs-123@127.0.0.1:{closed_port()}/quiz"
    result = start_with_database(tmp_path, tmp_path / "unused.sqlite3", DATABASE_URL=url)
    line = assert_one_url_line(result, "connection refused")
    assert "not-for-logs-123" not in result.stderr + result.stdout
    assert "quiz@127.0.0.1" in line


def test_a_database_url_the_server_refuses(tmp_path: Path, postgres: Postgres) -> None:
    missing = postgres.server.url("no_such_database")
    result = start_with_database(tmp_path, tmp_path / "unused.sqlite3", DATABASE_URL=missing)
    assert_one_url_line(result, "does not exist")
    stranger = postgres.server.url().replace("postgres@", "stranger:pw-123456789@")
    result = start_with_database(tmp_path, tmp_path / "unused.sqlite3", DATABASE_URL=stranger)
    assert_one_url_line(result, "refused the login")
    assert "pw-123456789" not in result.stderr


def test_a_database_url_that_is_not_postgresql(tmp_path: Path) -> None:
    result = start_with_database(
        tmp_path, tmp_path / "unused.sqlite3", DATABASE_URL="mysql://u@127.0.0.1/db"
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: invalid settings: DATABASE_URL: Value error, must start with postgresql://"
        " (e.g. postgresql://user@host/db)"
    ]


def test_a_mini_app_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env={
                **os.environ,
                "TELEGRAM_BOT_TOKEN": "1:x",
                "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",  # never reached
                "CONTENT_DIR": str(ROOT / "content"),
                "DATABASE_PATH": str(tmp_path / "quiz.sqlite3"),
                "MINIAPP_URL": "https://quiz.example.org/",
                "MINIAPP_LISTEN": "127.0.0.1",
                "MINIAPP_PORT": str(port),
                "LOG_LEVEL": "WARNING",  # no migration lines: only what goes wrong
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: MINIAPP_PORT"), result.stderr
    assert str(port) in lines[0] and "in use" in lines[0]

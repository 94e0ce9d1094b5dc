"""An unusable DATABASE_PATH stops the bot with one line naming the path and the reason."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT


def start_with_database(tmp_path: Path, database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",  # never reached
            "CONTENT_DIR": str(ROOT / "content"),
            "DATABASE_PATH": str(database),
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

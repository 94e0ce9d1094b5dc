"""The bot as a real subprocess (`python -m bot`) against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.fakes.telegram_server import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:E2E-TEST-TOKEN"


class BotProcess:
    """One `python -m bot` run; `restart()` starts a fresh process on the same database."""

    def __init__(self, server: FakeTelegramServer, database: Path, **env: str) -> None:
        self.server = server
        self.database = database
        self.extra_env = env
        self.process: subprocess.Popen[str] | None = None
        self.logs: list[str] = []
        # A file, not a pipe: a pipe nobody reads fills up and blocks the bot mid-log.
        self._log_path = database.with_suffix(".log")
        self._log_file: IO[str] | None = None

    def start(self) -> BotProcess:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.server.base_url,
            "DATABASE_PATH": str(self.database),
            "CONTENT_DIR": str(ROOT / "content"),
            "LOG_LEVEL": "INFO",
            **self.extra_env,
        }
        ready_before = self._default_menus()
        # Each getUpdates bumps the fake's poll generation as it starts: counting them
        # (not reading allowed_updates, left set by an earlier process) shows that this
        # process finished start-up and is polling.
        polls_before = self.server._poll_generation
        self._log_file = self._log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Ready: commands registered (post_init done) and the first long poll is waiting.
        self.server.wait_for(
            lambda: (
                self._default_menus() > ready_before and self.server._poll_generation > polls_before
            ),
            timeout=30,
            description="the bot to start polling",
        )
        return self

    def _default_menus(self) -> int:
        """setMyCommands calls for the default menu: the last step of start-up (the menus per
        language are registered before it)."""
        calls = self.server.requests_for("setMyCommands")
        return sum(1 for call in calls if not call.params.get("language_code"))

    def stop(self, sig: int = signal.SIGTERM) -> str:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        assert self._log_file is not None
        self._log_file.close()
        output = self._log_path.read_text(encoding="utf-8")
        self.logs.append(output)
        self.process = None
        return output

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()

    @property
    def log(self) -> str:
        return "\n".join(self.logs)


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as fake:
        yield fake


@pytest.fixture
def start_bot(server: FakeTelegramServer, tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    started: list[BotProcess] = []

    def _start(**env: str) -> BotProcess:
        bot = BotProcess(server, tmp_path / "quiz.sqlite3", **env).start()
        started.append(bot)
        return bot

    yield _start
    for bot in started:
        if bot.process is not None:
            bot.stop()
        # The bot logged no traceback, and Telegram (the fake) refused nothing but throttling
        # and sends to learners who blocked the bot.
        assert "Traceback" not in bot.log, bot.log[-3000:]
    unexpected = [e for e in server.errors if e.response["error_code"] not in (403, 429)]
    assert not unexpected, unexpected
    assert not server.internal_errors, server.internal_errors

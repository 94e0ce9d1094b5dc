"""Start-up interrupted or refused: SIGTERM while the bot is still starting (a deploy
stopping a worker that has just begun) is a clean stop, and a Telegram 5xx on the command
menus does not stop the bot.

PTB runs post_init with run_until_complete; the signal's SystemExit left the post_init
task running while shutdown closed the HTTP client under it. Its next call failed with
"This HTTPXRequest is not initialized!" and asyncio logged "Task exception was never
retrieved" (8 runs in 8 before the fix).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.e2e.conftest import ROOT, TOKEN
from tests.fakes.telegram_server import FakeTelegramServer


def start_bot_process(
    server: FakeTelegramServer, tmp_path: Path, log: IO[str]
) -> subprocess.Popen[str]:
    """`python -m bot`, not waited for: these tests act while it is still starting."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": server.base_url,
            "DATABASE_PATH": str(tmp_path / "quiz.sqlite3"),
            "CONTENT_DIR": str(ROOT / "content"),
            "LOG_LEVEL": "INFO",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sigterm_while_registering_the_menus_stops_cleanly(
    server: FakeTelegramServer, tmp_path: Path
) -> None:
    # The first menu call never answers: start-up is stuck inside post_init until stopped.
    server.fail_next("setMyCommands", "timeout-hold")
    log_path = tmp_path / "bot.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = start_bot_process(server, tmp_path, log)
        try:
            server.wait_for(
                lambda: any(f.method == "setMyCommands" for f in server.injected_faults),
                timeout=30,
                description="start-up to reach the command menus",
            )
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log_path.read_text(encoding="utf-8")
    assert "stopped during start-up" in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert " ERROR " not in output, output[-3000:]
    assert " ready: " not in output  # start-up did not go on after the stop
    assert not server.internal_errors


def test_a_5xx_on_the_menus_at_start_up_does_not_stop_the_bot(
    server: FakeTelegramServer, tmp_path: Path
) -> None:
    """One 500 on setMyCommands stopped the bot with a traceback (exit 1); now it warns,
    polls, answers, and tries the menus again later."""
    server.fail_next("setMyCommands", "500")
    log_path = tmp_path / "bot.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = start_bot_process(server, tmp_path, log)
        try:
            server.wait_for(
                lambda: server._poll_generation > 0 or process.poll() is not None,
                timeout=30,
                description="the bot to poll",
            )
            assert process.poll() is None, log_path.read_text(encoding="utf-8")[-3000:]
            ada = server.user(42, "Ada")
            server.push_message(ada, "/start")
            server.wait_for_message(42, contains="Hi Ada")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log_path.read_text(encoding="utf-8")
    assert "command menus not registered (Internal Server Error); trying again in" in output
    assert "Traceback" not in output, output[-3000:]

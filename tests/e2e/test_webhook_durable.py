"""Webhook mode: Telegram's POST gets its 200 only once the update is in SQLite.

An answer is posted to the bot's webhook; the moment the 200 arrives the bot is SIGKILLed.
The update must already be stored (handled, or pending in the inbox), and after a restart
the answer is in the answers table exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.conftest import ROOT, TOKEN
from tests.fakes.telegram_server import FakeTelegramServer

SECRET = "webhook-secret-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    server: FakeTelegramServer, database: Path, port: int, log: Path
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": server.base_url,
        "DATABASE_PATH": str(database),
        "CONTENT_DIR": str(ROOT / "content"),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
    }
    before = len(server.requests_for("setWebhook"))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    server.wait_for(
        lambda: len(server.requests_for("setWebhook")) > before, timeout=30, description="webhook"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the listener is up once it accepts a connection
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.05)
    raise AssertionError("the webhook listener never came up")


def post(port: int, update: dict[str, object]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        data=json.dumps(update).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": SECRET,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_the_200_comes_after_the_update_is_stored(tmp_path: Path) -> None:
    database, log, port = tmp_path / "quiz.sqlite3", tmp_path / "bot.log", free_port()
    with FakeTelegramServer() as server:
        process = start(server, database, port, log)
        ada = server.user(42, "Ada")
        sent = server.push_message(ada, "/quiz")  # queued at the fake; posted by us below
        assert post(port, sent) == 200
        poll = server.wait_for_poll(42)["poll"]
        vote = server.push_poll_answer(ada, poll["id"], [poll["correct_option_ids"][0]])
        server.wait_for(
            lambda: _count(database, "SELECT COUNT(*) FROM sent_polls") == 1, timeout=10
        )
        assert post(port, vote) == 200
        process.send_signal(signal.SIGKILL)  # the very moment Telegram heard "received"
        process.wait(timeout=10)
        in_inbox = _count(
            database, "SELECT COUNT(*) FROM update_inbox WHERE update_id = ?", vote["update_id"]
        )
        answered = _count(database, "SELECT COUNT(*) FROM answers")
        assert in_inbox + answered >= 1, "acknowledged, yet nowhere in SQLite"

        process = start(server, database, port, log)
        try:
            server.wait_for(
                lambda: _count(database, "SELECT COUNT(*) FROM answers") == 1,
                timeout=15,
                description="the answer to be stored after the restart",
            )
            # Once Ada's next update is answered, anything still pending for her chat
            # (a replay of the vote) has been handled: the bot handles a chat in order.
            seen = server.message_count(42)
            assert post(port, server.push_message(ada, "/stats text")) == 200
            stats = server.wait_for_message(42, contains="Your stats", after=seen, timeout=15)
            assert "Quiz answers: 1 ·" in stats["text"]
            assert _count(database, "SELECT COUNT(*) FROM answers") == 1
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert "Traceback" not in log.read_text()


def _count(database: Path, sql: str, *params: object) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(sql, params).fetchone()[0])

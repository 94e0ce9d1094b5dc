"""A learner studies in a private chat; the bot restarts; nothing they answered is lost."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer


def test_start_quiz_answer_explain_restart_answer_old_poll_stats(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    assert set(server.allowed_updates or []) >= {
        "message",
        "callback_query",
        "poll_answer",
        "poll",
        "my_chat_member",
    }
    private_menu = server.commands_for({"type": "all_private_chats"})
    commands = {command["command"] for command in private_menu}
    assert {"start", "help", "quiz", "explain", "stats", "daily"} <= commands

    ada = server.user(42, "Ada <Lovelace>")
    server.push_message(ada, "/start")
    welcome = server.wait_for_message(42, contains="Hi Ada <Lovelace>")
    assert "/quiz" in welcome["text"]

    server.push_message(ada, "/quiz")
    first = server.wait_for_poll(42)
    assert first["poll"]["is_anonymous"] is False and first["poll"]["type"] == "quiz"
    right = first["poll"]["correct_option_ids"][0]
    server.push_poll_answer(ada, first["poll"]["id"], [right])
    server.wait_for_message(42, contains="Right!")

    seen = server.message_count(42)
    server.push_message(ada, "/explain")
    explanation = server.wait_for_message(42, after=seen)
    assert first["poll"]["question"].splitlines()[0] in explanation["text"]

    # A second poll is sent, then the bot goes down before the learner answers it.
    polls = server.poll_count(42)
    server.push_message(ada, "/quiz")
    second = server.wait_for_poll(42, after=polls)
    bot.restart()

    wrong = (second["poll"]["correct_option_ids"][0] + 1) % len(second["poll"]["options"])
    server.push_poll_answer(ada, second["poll"]["id"], [wrong])
    server.wait_for_message(42, contains="Not quite")

    seen = server.message_count(42)
    server.push_message(ada, "/stats text")
    stats = server.wait_for_message(42, contains="Your stats", after=seen)
    assert "Quiz answers: 2 · 50% right" in stats["text"]

    # The picture: drawn in a worker thread of the real process, uploaded as multipart.
    server.push_message(ada, "/stats")
    server.wait_for(
        lambda: server.requests_for("sendPhoto") or None, timeout=60, description="/stats photo"
    )
    [photo] = server.requests_for("sendPhoto")
    assert photo.response["ok"], photo.response
    assert photo.params["photo"]["content"].startswith(b"\x89PNG")
    assert "Quiz answers: 2 · 50% right" in photo.response["result"]["caption"]
    bot.stop()

    with sqlite3.connect(bot.database) as db:
        rows = db.execute(
            "SELECT s.poll_id, a.correct FROM answers a JOIN sent_polls s ON s.id = a.poll_ref"
            " ORDER BY a.id"
        ).fetchall()
    assert rows == [(first["poll"]["id"], 1), (second["poll"]["id"], 0)]


def test_missing_token_exits_2_with_one_clear_line(tmp_path: object) -> None:
    import os
    import subprocess
    import sys

    from tests.e2e.conftest import ROOT

    env = {key: value for key, value in os.environ.items() if key != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,  # no .env here
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]


def test_broken_content_is_refused_at_start_up(tmp_path: object) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.e2e.conftest import ROOT

    content = Path(str(tmp_path)) / "content"
    content.mkdir()
    (content / "bad.yaml").write_text(
        "id: bad\ntitle: Bad\ndescription: x\nitems:\n"
        "  - kind: mcq\n    id: too-long\n    question: " + "q" * 301 + "\n"
        "    options: [a, b]\n    correct: a\n    difficulty: easy\n    explanation: e\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "CONTENT_DIR": str(content),
            "DATABASE_PATH": str(Path(str(tmp_path)) / "db.sqlite3"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "bad.yaml" in result.stderr and "too-long" in result.stderr
    assert "question" in result.stderr and "300" in result.stderr
    assert "Traceback" not in result.stderr

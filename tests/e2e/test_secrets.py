"""The bot token appears in no log line at LOG_LEVEL=DEBUG, and in nothing sent to a chat."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.logsafe import REDACTED
from tests.e2e.conftest import TOKEN, BotProcess
from tests.fakes.telegram_server import FakeTelegramServer


def test_token_never_logged_at_debug_nor_sent(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(LOG_LEVEL="DEBUG")
    ada = server.user(42, "Ada")
    server.push_message(ada, "/start")
    server.wait_for_message(42, contains="Hi Ada")
    server.push_message(ada, "/quiz")
    poll = server.wait_for_poll(42)
    server.push_poll_answer(ada, poll["poll"]["id"], [0])
    server.wait_for(lambda: server.message_count(42) >= 2, description="answer feedback")
    output = bot.stop()

    key = TOKEN.split(":", 1)[1]
    assert TOKEN not in output and key not in output
    # The filter had work to do: PTB logs its endpoint URL with the token at DEBUG.
    assert f"bot{REDACTED}" in output
    assert "DEBUG" in output
    sent = json.dumps([request.params for request in server.requests], ensure_ascii=False)
    assert key not in sent

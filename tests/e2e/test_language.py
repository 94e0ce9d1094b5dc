"""`python -m bot` speaks the learner's language: the menu per language, Telegram's
language_code first, then /language, which survives a restart."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegramServer


def test_menu_per_language_and_a_stored_choice_across_a_restart(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    private = {"type": "all_private_chats"}
    menus = {
        code: {c["command"]: c["description"] for c in server.commands_for(private, code)}
        for code in ("", "ru", "es")
    }
    assert menus[""]["quiz"] == "Answer the next quiz question"
    groups = {c["command"] for c in server.commands_for({"type": "all_group_chats"}, "ru")}
    assert "challenge" in groups and "quiz" not in groups
    assert menus["ru"]["quiz"] == "Ответить на следующий вопрос викторины"
    assert menus["es"]["quiz"] == "Responder la siguiente pregunta"

    olga = server.user(77, "Ольга", language_code="ru")
    server.push_message(olga, "/start")
    server.wait_for_message(77, contains="Привет, Ольга!")
    seen = server.message_count(77)
    server.push_message(olga, "/language es")
    server.wait_for_message(77, contains="Idioma: Español.", after=seen)

    bot.restart()
    seen = server.message_count(77)
    server.push_message(olga, "/stats")
    server.wait_for_message(77, contains="Aún no hay nada que mostrar", after=seen)

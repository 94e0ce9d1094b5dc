"""The learner's language through PTB: Telegram's language_code, /language (stored), groups in
the default language or their admins' choice, jobs in the learner's language, and the command
menu per language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from tests.conftest import Harness, running_harness
from tests.handlers.test_challenge import timer_fires
from tests.handlers.test_reminders import tick

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}


async def say(
    harness: Harness, user_id: int, text: str, language_code: str | None, chat: Any = None
) -> None:
    """A message from a user whose Telegram app is set to `language_code`."""
    server = harness.api.server
    sender = server.user(user_id, "Олег", language_code=language_code)
    chat = chat or {"id": user_id, "type": "private"}
    update = server.push_message(
        sender, text, chat_id=chat["id"], chat_type=chat["type"], chat_title=chat.get("title")
    )
    await harness.send({"message": update["message"]})


async def vote(harness: Harness, user_id: int, poll: dict[str, Any], language_code: str) -> None:
    server = harness.api.server
    sender = server.user(user_id, "Олег", language_code=language_code)
    update = server.push_poll_answer(sender, poll["id"], [poll["correct_option_ids"][0]])
    await harness.send({"poll_answer": update["poll_answer"]})


async def test_replies_follow_telegrams_language_even_before_start(harness: Harness) -> None:
    await say(harness, 21, "/help", "ru")
    assert harness.api.texts(21)[-1].startswith("Команды\n/start — Регистрация")
    await say(harness, 22, "/help", "es-MX")
    assert harness.api.texts(22)[-1].startswith("Comandos\n")
    await say(harness, 23, "/help", "pt-br")  # not translated: English
    assert harness.api.texts(23)[-1].startswith("Commands\n")
    await say(harness, 24, "/help", None)
    assert harness.api.texts(24)[-1].startswith("Commands\n")


async def test_language_choice_is_stored_and_beats_telegrams(harness: Harness) -> None:
    await say(harness, 21, "/start", "ru")
    assert harness.api.texts(21)[-1].startswith("Привет, Олег!")
    await say(harness, 21, "/language", "ru")
    assert harness.api.texts(21)[-1].startswith("Язык: Русский (из настроек Telegram).")
    await say(harness, 21, "/language es", "ru")
    assert harness.api.texts(21)[-1] == "Idioma: Español."
    prefs = await harness.services.storage.languages.get(21)
    assert prefs is not None and (prefs.chosen, prefs.telegram) == ("es", "ru")
    harness.services.languages.clear()  # what a restart forgets: the choice is in SQLite
    await say(harness, 21, "/stats", "ru")
    assert harness.api.texts(21)[-1].startswith("Aún no hay nada que mostrar")
    await say(harness, 21, "/language klingon", "ru")
    assert "\nUso: /language [en | ru | es | auto]" in harness.api.texts(21)[-1]
    await say(harness, 21, "/language auto", "ru")
    assert harness.api.texts(21)[-1] == ("Язык снова следует настройкам Telegram: Русский.")
    await say(harness, 21, "/language en", "ru")
    assert harness.api.texts(21)[-1] == "Language set to English."


async def test_quiz_feedback_and_buttons_in_the_learners_language(harness: Harness) -> None:
    await say(harness, 21, "/quiz", "ru")
    poll = harness.last_poll()["poll"]
    await vote(harness, 21, poll, "ru")
    feedback = harness.api.of("sendMessage")[-1]
    assert feedback.result["text"] == "✅ Верно!"
    buttons = [b["text"] for row in feedback.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["Дальше ▶", "Объяснить"]


async def test_group_chats_use_the_default_language(harness: Harness) -> None:
    await say(harness, 21, "/leaderboard", "ru", chat=GROUP)
    assert harness.api.texts(GROUP["id"])[-1].startswith("🏆 Leaderboard")


@pytest.fixture
async def group_harness(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    """Without the per-group cap (20 a minute, in real seconds): this group gets a dozen
    messages."""
    async with running_harness(
        tmp_path, clock, bank, caplog, group_max_rate_per_minute=100_000
    ) as running:
        yield running


async def test_a_group_admin_chooses_the_groups_language_for_every_member_and_its_rounds(
    group_harness: Harness,
) -> None:
    """A Russian class: only an admin may switch the group to Russian; then the group's
    replies, a round's questions-and-results messages sent by its timer, and the votes'
    handling speak Russian whatever each member's app says; private chats keep each
    learner's own language; `/language auto` returns the group to the default."""
    harness = group_harness
    group, server = GROUP["id"], group_harness.api.server
    await say(harness, 21, "/language ru", "ru", chat=GROUP)
    assert "admins" in harness.api.texts(group)[-1]  # refused, in the default language
    await say(harness, 21, "/language", "en", chat=GROUP)
    assert "(the default)" in harness.api.texts(group)[-1]

    harness.api.set_admin(group, 21)
    await say(harness, 21, "/language ru", "en", chat=GROUP)
    assert harness.api.texts(group)[-1].startswith("Язык этой группы")
    # The group's own menu, which Telegram shows before each member's app language.
    scope = {"type": "chat", "chat_id": group}
    menu = {command["command"]: command["description"] for command in server.commands_for(scope)}
    assert menu["help"] == "Список всех команд"
    await say(harness, 22, "/leaderboard", "es", chat=GROUP)
    assert harness.api.texts(group)[-1].startswith("🏆 Таблица лидеров")
    await say(harness, 22, "/language", "es", chat=GROUP)
    assert "Русский" in harness.api.texts(group)[-1]

    await say(harness, 22, "/challenge 1 10", "es", chat=GROUP)
    poll = harness.last_poll()["poll"]
    await vote(harness, 22, poll, "es")
    await timer_fires(harness, 12)
    results = harness.api.texts(group)[-1]
    assert results.startswith("🏁") and "Раунд окончен" in results, results

    await say(harness, 22, "/help", "es")  # the member's own chat: their own language
    assert harness.api.texts(22)[-1].startswith("Comandos\n")

    # Stored: a restarted bot (an empty cache) still speaks Russian here.
    harness.services.group_languages.clear()
    await say(harness, 22, "/leaderboard", "en", chat=GROUP)
    assert harness.api.texts(group)[-1].startswith("🏆 Таблица лидеров")
    await say(harness, 21, "/language auto", "ru", chat=GROUP)
    assert server.commands_for(scope) == []  # back to each member's own language
    await say(harness, 22, "/leaderboard", "ru", chat=GROUP)
    assert harness.api.texts(group)[-1].startswith("🏆 Leaderboard")


async def test_daily_prompt_job_speaks_the_learners_language(harness: Harness) -> None:
    await say(harness, 31, "/start", "es")
    harness.services.languages.clear()  # the job reads what SQLite remembers
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))  # the prompt's minute
    await tick(harness)
    assert any(text.startswith("⏰ Repaso diario") for text in harness.api.texts(31))


async def test_bad_values_are_explained_in_the_learners_language(harness: Harness) -> None:
    await say(harness, 21, "/daily 25:99", "ru")
    assert harness.api.texts(21)[-1].startswith(
        "⚠️ '25:99' — не время; используйте ЧЧ:ММ, например 07:30 или 18:00\nИспользование: /daily"
    )
    await say(harness, 21, "/daily size 99", "es")
    assert harness.api.texts(21)[-1].startswith(
        "⚠️ el tamaño de la sesión debe ser un número entero de 1 a 20\nUso: /daily"
    )
    await say(harness, 21, "/timezone UTC+15", "en")
    assert harness.api.texts(21)[-1].startswith(
        "⚠️ 'UTC+15' is not a valid UTC offset (UTC-12 … UTC+14)\nUsage: /timezone"
    )

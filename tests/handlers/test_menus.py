"""Commands where they work (issue 16, item 14): a command menu per chat scope and language,
/help per chat, and a button from a group to the private chat."""

from __future__ import annotations

from typing import Any

import pytest

from bot.handlers.chat_rules import GROUP_ADMIN_COMMANDS, GROUP_COMMANDS, PRIVATE_COMMANDS
from bot.handlers.menus import MENU_RETRY_FIRST, register_menus, register_menus_or_retry
from bot.render import COMMANDS
from tests.conftest import Harness
from tests.fakes.telegram_server import BOT_USERNAME

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}
PRIVATE = {"type": "all_private_chats"}
GROUPS = {"type": "all_group_chats"}
ADMINS = {"type": "all_chat_administrators"}
ANYWHERE = {"type": "default"}
EVERYWHERE = {"start", "help", "explain", "language"}  # in neither list of chat_rules


def menu(harness: Harness, scope: dict[str, Any], language: str = "") -> dict[str, str]:
    commands = harness.api.server.commands_for(scope, language_code=language)
    return {command["command"]: command["description"] for command in commands}


@pytest.mark.parametrize("language", ["", "ru", "es"])
async def test_each_scope_lists_the_commands_that_work_there(
    harness: Harness, language: str
) -> None:
    await register_menus(harness.app.bot)
    private, groups = menu(harness, PRIVATE, language), menu(harness, GROUPS, language)
    admins, anywhere = menu(harness, ADMINS, language), menu(harness, ANYWHERE, language)
    assert {entry.command for entry in COMMANDS} - set(PRIVATE_COMMANDS) - set(
        GROUP_COMMANDS
    ) == EVERYWHERE
    assert set(private) == EVERYWHERE | set(PRIVATE_COMMANDS)
    assert set(groups) == EVERYWHERE | (set(GROUP_COMMANDS) - set(GROUP_ADMIN_COMMANDS))
    assert set(admins) == EVERYWHERE | set(GROUP_COMMANDS)
    assert set(anywhere) == EVERYWHERE
    # The complaint: the group menu offered /cards, /daily and /forget.
    assert {"cards", "daily", "forget"}.isdisjoint(groups)
    assert "groupstats" not in groups and "groupstats" in admins
    assert "challenge" not in private


async def test_the_menus_are_translated(harness: Harness) -> None:
    await register_menus(harness.app.bot)
    assert menu(harness, PRIVATE)["forget"] == "Delete all your data"
    assert menu(harness, PRIVATE, "ru")["forget"] == "Удалить все ваши данные"
    assert menu(harness, PRIVATE, "es")["forget"] == "Borrar todos tus datos"
    assert menu(harness, GROUPS, "ru")["help"] == menu(harness, PRIVATE, "ru")["help"]
    assert menu(harness, GROUPS, "es")["challenge"] != menu(harness, GROUPS)["challenge"]
    # The default-language menus come last: start-up is over once they are registered.
    last = harness.api.of("setMyCommands")[-1]
    assert "language_code" not in last.params or not last.params["language_code"]
    assert last.params["scope"]["type"] == "default"


async def test_group_help_lists_the_group_commands(harness: Harness) -> None:
    await harness.command(harness.user(1, "Ann"), "/help", chat=GROUP)
    sent = harness.api.of("sendMessage")[-1]
    text = sent.result["text"]
    for command in ("/challenge", "/stopchallenge", "/leaderboard", "/groupstats", "/explain"):
        assert command in text, command
    for command in PRIVATE_COMMANDS:
        assert f"/{command} " not in text and not text.endswith(f"/{command}"), command
    [[button]] = sent.result["reply_markup"]["inline_keyboard"]
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=help"


async def test_private_help_lists_private_commands_then_the_group_ones(harness: Harness) -> None:
    await harness.command(harness.user(11), "/help")
    text = harness.api.texts(11)[-1]
    mine, _, in_groups = text.partition("In a group")
    assert "/cards" in mine and "/daily" in mine and "/challenge" not in mine
    assert "/challenge" in in_groups and "/cards" not in in_groups


@pytest.mark.parametrize("command", PRIVATE_COMMANDS)
async def test_a_private_command_in_a_group_offers_the_private_chat(
    harness: Harness, command: str
) -> None:
    await harness.command(harness.user(1, "Ann"), f"/{command}", chat=GROUP)
    sent = harness.api.of("sendMessage")[-1]
    assert sent.params["chat_id"] == GROUP["id"]
    assert "works in a private chat" in sent.result["text"]
    [[button]] = sent.result["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Open a private chat"
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start={command}"


async def test_start_from_that_button_names_the_command(harness: Harness) -> None:
    await harness.command(harness.user(11), "/start quiz")
    assert harness.api.texts(11)[-1].endswith("Send /quiz here to go on.")
    await harness.command(harness.user(12), "/start nonsense")
    assert "here to go on" not in harness.api.texts(12)[-1]


async def test_a_group_language_sets_the_groups_own_menus(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    harness.api.set_admin(GROUP["id"], 1)
    await harness.command(ann, "/language ru", chat=GROUP)
    chat = menu(harness, {"type": "chat", "chat_id": GROUP["id"]})
    chat_admins = menu(harness, {"type": "chat_administrators", "chat_id": GROUP["id"]})
    assert set(chat) == EVERYWHERE | (set(GROUP_COMMANDS) - set(GROUP_ADMIN_COMMANDS))
    assert set(chat_admins) == EVERYWHERE | set(GROUP_COMMANDS)
    assert chat["help"] == "Список всех команд"
    await harness.command(ann, "/language auto", chat=GROUP)
    assert menu(harness, {"type": "chat", "chat_id": GROUP["id"]}) == {}
    assert menu(harness, {"type": "chat_administrators", "chat_id": GROUP["id"]}) == {}


async def test_menus_telegram_refuses_at_start_up_are_registered_later(harness: Harness) -> None:
    """A 5xx on a menu used to stop the bot at start-up with a traceback; the menus are
    worth another try, not a dead bot."""
    job_queue = harness.app.job_queue
    assert job_queue is not None
    harness.api.server.fail_next("setMyCommands", "500", times=2)

    await register_menus_or_retry(harness.app.bot, job_queue)  # does not raise
    [retry] = job_queue.get_jobs_by_name("command-menus")
    assert retry.data == MENU_RETRY_FIRST
    assert menu(harness, PRIVATE) == {}

    await retry.run(harness.app)  # Telegram fails again: the next try waits twice as long
    later = [job for job in job_queue.get_jobs_by_name("command-menus") if job is not retry]
    assert [job.data for job in later] == [MENU_RETRY_FIRST * 2]

    await later[0].run(harness.app)
    assert set(menu(harness, PRIVATE)) >= EVERYWHERE
    assert set(menu(harness, GROUPS, "ru")) >= EVERYWHERE

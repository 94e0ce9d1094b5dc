"""The command menus (`setMyCommands`), one per chat scope and language, made from where each
command works (`bot.handlers.chat_rules`): private chats list the personal commands, groups
the group ones, and a group's admins also the admin-only ones. A command in neither list
(/start, /help, /explain, /language) works everywhere and is in every menu.

Telegram picks, for a group member, the first menu set among: that chat's admins
(`BotCommandScopeChatAdministrators`), that chat (`BotCommandScopeChat`), all groups' admins
(`BotCommandScopeAllChatAdministrators`), all groups (`BotCommandScopeAllGroupChats`), the
default. So a group with its own language gets its own group and admin menus, both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot import i18n, render
from bot.failures import is_transient
from bot.handlers.chat_rules import GROUP_ADMIN_COMMANDS, GROUP_COMMANDS, PRIVATE_COMMANDS

log = logging.getLogger(__name__)


class Menu(Enum):
    PRIVATE = "private"
    GROUP = "group"
    GROUP_ADMINS = "group admins"
    ANYWHERE = "anywhere"  # the default scope: no narrower one applies


def commands_in(menu: Menu) -> list[str]:
    """The commands a menu lists, in the order of /help."""
    wanted: set[str]
    if menu is Menu.PRIVATE:
        wanted = set(PRIVATE_COMMANDS)
    elif menu is Menu.GROUP:
        wanted = set(GROUP_COMMANDS) - set(GROUP_ADMIN_COMMANDS)
    elif menu is Menu.GROUP_ADMINS:
        wanted = set(GROUP_COMMANDS)
    else:
        wanted = set()
    return [
        entry.command
        for entry in render.COMMANDS
        if entry.command in wanted or _anywhere(entry.command)
    ]


def _anywhere(command: str) -> bool:
    return command not in PRIVATE_COMMANDS and command not in GROUP_COMMANDS


def bot_commands(menu: Menu) -> list[BotCommand]:
    """A menu in the language in force."""
    entries = {entry.command: entry for entry in render.COMMANDS}
    return [
        BotCommand(command, render.command_description(entries[command]))
        for command in commands_in(menu)
    ]


_SCOPES: Sequence[tuple[Menu, BotCommandScope]] = (
    (Menu.PRIVATE, BotCommandScopeAllPrivateChats()),
    (Menu.GROUP, BotCommandScopeAllGroupChats()),
    (Menu.GROUP_ADMINS, BotCommandScopeAllChatAdministrators()),
    # Last: the default menu, set last of all, is what tells the tests (and operators) we are up.
    (Menu.ANYWHERE, BotCommandScopeDefault()),
)


async def register_menus(bot: Bot) -> None:
    """Every scope's menu in each translated language (`language_code`), then in the default
    language for everyone else."""
    languages = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]
    for code in [*languages, None]:
        with i18n.language(code or i18n.DEFAULT_LANGUAGE):
            for menu, scope in _SCOPES:
                await bot.set_my_commands(bot_commands(menu), scope=scope, language_code=code)


# A start-up whose menus Telegram refused for a moment tries again after this, doubling.
MENU_RETRY_FIRST = timedelta(seconds=30)
MENU_RETRY_MAX = timedelta(minutes=30)


async def register_menus_or_retry(bot: Bot, job_queue: JobQueue[Any] | None) -> None:
    """At start-up: the menus, or, when Telegram fails for a moment (a 5xx, a timeout), a
    warning and another try later. A bot whose menus are stale still works; one that died
    at start for a 500 on a menu did not (one 5xx stopped it with a traceback)."""
    try:
        await register_menus(bot)
    except TelegramError as error:
        _after_a_failure(job_queue, error, MENU_RETRY_FIRST)


async def _retry_menus(context: CallbackContext[Any, Any, Any, Any]) -> None:
    assert context.job is not None
    delay: timedelta = context.job.data  # type: ignore[assignment]
    try:
        await register_menus(context.bot)
    except TelegramError as error:
        _after_a_failure(context.job_queue, error, min(delay * 2, MENU_RETRY_MAX))
        return
    log.info("command menus registered")


def _after_a_failure(
    job_queue: JobQueue[Any] | None, error: TelegramError, delay: timedelta
) -> None:
    if not is_transient(error) or job_queue is None:
        log.error("command menus not registered: %s", error)
        return
    log.warning("command menus not registered (%s); trying again in %s", error, delay)
    job_queue.run_once(_retry_menus, when=delay, data=delay, name="command-menus")


async def set_group_menus(bot: Bot, chat_id: int) -> None:
    """A group's own menus, in the language in force (its admins chose it with /language)."""
    await bot.set_my_commands(bot_commands(Menu.GROUP), scope=BotCommandScopeChat(chat_id))
    await bot.set_my_commands(
        bot_commands(Menu.GROUP_ADMINS), scope=BotCommandScopeChatAdministrators(chat_id)
    )


async def delete_group_menus(bot: Bot, chat_id: int) -> None:
    """Back to the menus of all groups, in each member's own language."""
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    await bot.delete_my_commands(scope=BotCommandScopeChatAdministrators(chat_id))

"""Where each command works, as PTB filters on its handler, and the one reply for a command
sent where it does not work ("works in a private chat" / "works in a group")."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import render
from bot.handlers.context import TutorContext

Callback = Callable[[Update, TutorContext], Coroutine[Any, Any, None]]

# Personal study and settings: a group chat would show one learner's progress to everyone.
PRIVATE_COMMANDS = (
    "decks",
    "quiz",
    "cards",
    "prompt",
    "test",
    "stats",
    "export",
    "progress",
    "daily",
    "timezone",
    "retention",
    "forget",
)
GROUP_COMMANDS = (
    "challenge",
    "stopchallenge",
    "leaderboard",
    "groupstats",
    "dashboard",
    "challengers",
)
# Group commands only a group's admins may use: in their menu, not in every member's.
GROUP_ADMIN_COMMANDS = ("groupstats", "dashboard", "challengers")


def private_command(command: str, callback: Callback) -> CommandHandler[TutorContext, None]:
    assert command in PRIVATE_COMMANDS, command
    return CommandHandler(command, callback, filters=filters.ChatType.PRIVATE)


def group_command(command: str, callback: Callback) -> CommandHandler[TutorContext, None]:
    assert command in GROUP_COMMANDS, command
    return CommandHandler(command, callback, filters=filters.ChatType.GROUPS)


def private_chat_keyboard(bot_username: str, payload: str) -> InlineKeyboardMarkup:
    """A button opening the private chat with the bot (`t.me/<bot>?start=<payload>`): the
    learner lands there with /start <payload>."""
    url = f"https://t.me/{bot_username}?start={payload}"
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(render.open_private_chat_button(), url=url)]]
    )


def _replying(text: Callable[[str], str], command: str) -> Callback:
    async def refuse(update: Update, context: TutorContext) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_html(text(command), do_quote=False)

    return refuse


async def _to_private_chat(update: Update, context: TutorContext, command: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_html(
            render.private_only(command),
            do_quote=False,
            reply_markup=private_chat_keyboard(context.bot.username, command),
        )


def _sending_to_private_chat(command: str) -> Callback:
    async def refuse(update: Update, context: TutorContext) -> None:
        await _to_private_chat(update, context, command)

    return refuse


def wrong_chat_handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    """Each command sent where it does not work gets a hint instead of silence. Registered
    beside the commands: the filters make the two exclusive, so order does not matter."""
    outside_private = ~filters.ChatType.PRIVATE
    return [
        *(
            CommandHandler(command, _sending_to_private_chat(command), outside_private)
            for command in PRIVATE_COMMANDS
        ),
        *(
            CommandHandler(command, _replying(render.group_only, command), filters.ChatType.PRIVATE)
            for command in GROUP_COMMANDS
        ),
    ]

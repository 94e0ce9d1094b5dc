"""Where each command works, as PTB filters on its handler, and the one reply for a command
sent where it does not work ("works in a private chat" / "works in a group")."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
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
    "daily",
    "timezone",
    "retention",
    "forget",
)
GROUP_COMMANDS = ("challenge", "stopchallenge", "leaderboard", "groupstats")


def private_command(command: str, callback: Callback) -> CommandHandler[TutorContext, None]:
    assert command in PRIVATE_COMMANDS, command
    return CommandHandler(command, callback, filters=filters.ChatType.PRIVATE)


def group_command(command: str, callback: Callback) -> CommandHandler[TutorContext, None]:
    assert command in GROUP_COMMANDS, command
    return CommandHandler(command, callback, filters=filters.ChatType.GROUPS)


def _replying(text: Callable[[str], str], command: str) -> Callback:
    async def refuse(update: Update, context: TutorContext) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_html(text(command), do_quote=False)

    return refuse


def wrong_chat_handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    """Each command sent where it does not work gets a hint instead of silence. Registered
    beside the commands: the filters make the two exclusive, so order does not matter."""
    outside_private = ~filters.ChatType.PRIVATE
    return [
        *(
            CommandHandler(command, _replying(render.private_only, command), outside_private)
            for command in PRIVATE_COMMANDS
        ),
        *(
            CommandHandler(command, _replying(render.group_only, command), filters.ChatType.PRIVATE)
            for command in GROUP_COMMANDS
        ),
    ]

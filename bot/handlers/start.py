"""/start, /help and the replies to anything the bot does not understand."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import render
from bot.flows import learners
from bot.handlers.callbacks import expired
from bot.handlers.chat_rules import GROUP_COMMANDS, PRIVATE_COMMANDS, private_chat_keyboard
from bot.handlers.common import active_deck, is_private, reply
from bot.handlers.context import TutorContext
from bot.handlers.menus import Menu, commands_in


async def start(update: Update, context: TutorContext) -> None:
    tg_user = update.effective_user
    if tg_user is None:
        return
    user = await learners.start(
        context.storage, tg_user.id, tg_user.first_name, tg_user.username, context.clock.now()
    )
    text = render.welcome(
        user.first_name, active_deck(context, user), user.daily_time, user.timezone
    )
    # Sent here by a group's "open a private chat" button: /start <the command it was about>.
    payload = context.args[0] if context.args else None
    if payload in PRIVATE_COMMANDS:
        text += "\n\n" + render.start_hint(payload)
    await reply(update, text)


async def help_command(update: Update, context: TutorContext) -> None:
    """The commands that work in this chat: a group sees the group's, and a button to the
    private chat where the rest work."""
    if is_private(update):
        in_groups = [
            command for command in commands_in(Menu.GROUP_ADMINS) if command in GROUP_COMMANDS
        ]
        await reply(update, render.help_text(commands_in(Menu.PRIVATE), in_groups))
    elif update.effective_message is not None:
        await update.effective_message.reply_html(
            render.group_help_text(commands_in(Menu.GROUP_ADMINS)),
            do_quote=False,
            reply_markup=private_chat_keyboard(context.bot.username, "help"),
        )


async def unknown_command(update: Update, context: TutorContext) -> None:
    await reply(update, render.unknown_command())


async def plain_text(update: Update, context: TutorContext) -> None:
    await reply(update, render.plain_text_hint())


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
    ]


def fallback_handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    """Registered last in the same group, so they only see what no other handler took."""
    return [
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, plain_text),
        CallbackQueryHandler(expired),  # a button no handler recognises
    ]

"""/start, /help and the replies to anything the bot does not understand."""

from __future__ import annotations

from telegram import Bot, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import i18n, render
from bot.flows.daily import new_to_private_chat
from bot.handlers.callbacks import expired
from bot.handlers.common import active_deck, bot_commands, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.reminders import enable_default_daily


async def start(update: Update, context: TutorContext) -> None:
    if update.effective_user is None:
        return
    known = await context.storage.users.get(update.effective_user.id)
    user = await learner(update, context)
    if new_to_private_chat(known):
        user = await enable_default_daily(context, user)
    await reply(
        update,
        render.welcome(user.first_name, active_deck(context, user), user.daily_time, user.timezone),
    )


async def help_command(update: Update, context: TutorContext) -> None:
    await reply(update, render.help_text())


async def unknown_command(update: Update, context: TutorContext) -> None:
    await reply(update, render.unknown_command())


async def plain_text(update: Update, context: TutorContext) -> None:
    await reply(update, render.plain_text_hint())


async def register_translated_commands(bot: Bot) -> None:
    """The command menu in each translated language (`setMyCommands` with `language_code`);
    the default menu, for everyone else, is `bot_commands()` in the default language."""
    for code in i18n.LANGUAGES:
        if code != i18n.DEFAULT_LANGUAGE:
            with i18n.language(code):
                await bot.set_my_commands(bot_commands(), language_code=code)


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

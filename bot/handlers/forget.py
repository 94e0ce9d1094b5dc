"""/forget: delete everything about the learner, after a confirmation button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.flows import learners
from bot.handlers.buttons import edit_once
from bot.handlers.callbacks import ConfirmForget, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.context import TutorContext


async def forget(update: Update, context: TutorContext) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    render.forget_yes_button(), callback_data=ConfirmForget(confirmed=True).pack()
                ),
                InlineKeyboardButton(
                    render.forget_cancel_button(),
                    callback_data=ConfirmForget(confirmed=False).pack(),
                ),
            ]
        ]
    )
    if update.effective_message is not None:
        await update.effective_message.reply_html(
            render.forget_confirm(), reply_markup=keyboard, do_quote=False
        )


async def confirm(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, ConfirmForget)
    if press is None:
        return
    query = press.query
    if press.data.confirmed:
        if await edit_once(context, update, query, render.forget_done()) is None:
            return
        await learners.forget(context.services, query.from_user.id)
    else:
        await edit_once(context, update, query, render.forget_cancelled())


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("forget", forget),
        CallbackQueryHandler(confirm, pattern=ConfirmForget.pattern()),
    ]

"""/explain: the worked solution of the last item sent, or of any item by id."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.flows.sessions import open_question
from bot.handlers.buttons import acknowledge
from bot.handlers.callbacks import ExplainItem, QuizNext, press_of
from bot.handlers.challenge import group_item_to_explain
from bot.handlers.common import is_private, learner, reply
from bot.handlers.context import TutorContext


async def explain(update: Update, context: TutorContext) -> None:
    if context.args and len(context.args) > 1:
        await reply(update, render.usage("explain"))
        return
    if context.args:
        item_id = context.args[0].strip().lower()
    elif is_private(update):
        user = await learner(update, context)
        if user.last_item_id is None:
            await reply(update, render.explain_usage_no_last())
            return
        item_id = user.last_item_id
    else:
        found = await group_item_to_explain(update, context)
        if found is None:
            return
        item_id = found
    await send_explanation(update, context, item_id)


async def send_explanation(update: Update, context: TutorContext, item_id: str) -> None:
    item = context.bank.item(item_id)
    if item is None:
        await reply(update, render.unknown_item(item_id))
        return
    private = is_private(update)
    if private:
        # The group rule, in private too: no solution while its question waits for an answer
        # (the /test or daily question just sent).
        user = await learner(update, context)
        if await open_question(context.storage, user.user_id) == item.id:
            await reply(update, render.explain_while_open())
            return
    texts = render.explain_item(item)
    message = update.effective_message
    for number, text in enumerate(texts, start=1):
        # The last part carries Next, so the learner need not scroll back up for it.
        markup = _next_keyboard() if private and number == len(texts) else None
        if message is not None:
            await message.reply_html(text, do_quote=False, reply_markup=markup)


def _next_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(render.next_button(), callback_data=QuizNext().pack())]]
    )


async def explain_button(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, ExplainItem)
    if press is None:
        return
    await acknowledge(context, press.query)
    await send_explanation(update, context, press.data.item.id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CommandHandler("explain", explain),
        CallbackQueryHandler(explain_button, pattern=ExplainItem.pattern()),
    ]

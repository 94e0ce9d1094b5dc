"""/explain: the worked solution of the last item sent, or of any item by id."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.handlers.buttons import acknowledge
from bot.handlers.callbacks import ExplainItem, press_of
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
    for text in render.explain_item(item):
        await reply(update, text)


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

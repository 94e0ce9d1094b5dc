"""The button under the daily summary: a session of the flashcards and prompts that are due."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.flows.sessions import start_review
from bot.handlers.buttons import PressProgress, acknowledge
from bot.handlers.callbacks import ReviewDue
from bot.handlers.common import active_deck, learner
from bot.handlers.context import TutorContext
from bot.handlers.delivery import reply_html
from bot.handlers.sessions import continue_session


async def review_due(update: Update, context: TutorContext) -> None:
    query = update.callback_query
    assert query is not None
    await acknowledge(context, query)
    # One tap opens one session: the button goes with it (once: a retry of this press finds
    # it gone already).
    progress = PressProgress(context, query)
    if not progress.done("button removed"):
        await query.edit_message_reply_markup(reply_markup=None)
        progress.mark("button removed")
    user = await learner(update, context)
    session = await start_review(
        context.storage, context.bank, user, active_deck(context, user).id, context.clock.now()
    )
    if session is None:
        await reply_html(context, user.user_id, render.nothing_to_review())
        return
    await continue_session(context, session.id, user.user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CallbackQueryHandler(review_due, pattern=ReviewDue.pattern())]

"""The button under the daily summary: a session of the flashcards and prompts that are due."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.handlers.callbacks import ReviewDue
from bot.handlers.common import active_deck, learner
from bot.handlers.context import TutorContext
from bot.handlers.delivery import reply_html
from bot.handlers.due_extras import due_cards_and_prompts, next_prompt_for
from bot.handlers.study import SESSION_REVIEW, continue_session


async def review_due(update: Update, context: TutorContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    # One tap opens one session: the button goes with it.
    await query.edit_message_reply_markup(reply_markup=None)
    user = await learner(update, context)
    now = context.clock.now()
    memories = await context.storage.reviews.all_for(user.user_id)
    due = due_cards_and_prompts(context.bank, memories, now, next_prompt_for(user, now))
    if not due:
        await reply_html(context, user.user_id, render.nothing_to_review())
        return
    session = await context.storage.sessions.start(
        user.user_id,
        SESSION_REVIEW,
        active_deck(context, user).id,
        [item.id for item in due],
        now,
    )
    await continue_session(context, session, user.user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CallbackQueryHandler(review_due, pattern=ReviewDue.pattern())]

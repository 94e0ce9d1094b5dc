"""The buttons under the daily summary: more of the questions due (continuing the session),
and a session of the flashcards and prompts that are due; under a review's summary, more of
those (continuing the review)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.flows.sessions import more_questions, start_review
from bot.handlers.buttons import PressProgress, acknowledge
from bot.handlers.callbacks import MoreQuestions, ReviewDue, press_of
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


async def more_due(update: Update, context: TutorContext) -> None:
    """ "5 more": the finished daily session (or review) goes on with more of what is due."""
    press = await press_of(update, context, MoreQuestions)
    if press is None:
        return
    user = await learner(update, context)
    progress = PressProgress(context, press.query)
    # A retry of this press (a send failed for a moment) carries on with the session it
    # already extended; a second tap finds the session moved on and is refused.
    if not progress.done("extended"):
        session = await more_questions(
            context.storage,
            context.bank,
            user.user_id,
            press.data.session_id,
            press.data.position,
            context.clock.now(),
            leech_lapses=context.settings.leech_lapses,
        )
        if session is None:
            await press.query.answer(render.nothing_more_due())
            return
        progress.mark("extended")
    if not progress.done("acknowledged"):
        await press.query.answer()
        # The summary keeps its other button (the flashcards and prompts due); "more" goes.
        markup = press.message.reply_markup
        rows = [
            row
            for row in (markup.inline_keyboard if markup else ())
            if not any(button.callback_data == press.query.data for button in row)
        ]
        await press.query.edit_message_reply_markup(
            reply_markup=InlineKeyboardMarkup(rows) if rows else None
        )
        progress.mark("acknowledged")
    await continue_session(context, press.data.session_id, user.user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CallbackQueryHandler(review_due, pattern=ReviewDue.pattern()),
        CallbackQueryHandler(more_due, pattern=MoreQuestions.pattern()),
    ]

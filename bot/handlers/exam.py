"""/test: the "test this pattern" exam — ten questions easy to hard, then a verdict with an
Explain button per missed question and a retake of the missed ones."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.flows.sessions import start_retake, start_test, test_in_progress
from bot.handlers.buttons import acknowledge
from bot.handlers.callbacks import RetakeMissed, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import reply_html
from bot.handlers.sessions import continue_session


async def test_command(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    if not deck.mcqs:
        await reply(update, render.no_items(deck, "questions"))
        return
    running = await test_in_progress(context.storage, user.user_id)
    if running is not None:
        # Starting a test closes the one open: say so rather than drop it silently.
        running_deck = context.bank.deck(running.deck_id) or deck
        await reply(
            update, render.exam_replaced(running_deck, running.position, len(running.item_ids))
        )
    session = await start_test(
        context.storage, context.services.rng, user.user_id, deck, context.clock.now()
    )
    if session is None:
        await reply(update, render.no_items(deck, "questions"))
        return
    await reply(update, render.exam_intro(deck, len(session.item_ids)))
    await continue_session(context, session.id, user.user_id)


async def retake_missed(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, RetakeMissed)
    if press is None:
        return
    query, message = press.query, press.message
    # The retake button goes (the Explain buttons stay): a double tap starts one retake.
    kept = [
        [button for button in row if button.callback_data != query.data]
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
    ]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([row for row in kept if row]))
    except BadRequest as error:
        if "message is not modified" not in error.message.lower():
            raise
        await acknowledge(context, query, render.button_expired())
        return
    user = await learner(update, context)
    session = await start_retake(
        context.storage, context.bank, user.user_id, press.data.test_id, context.clock.now()
    )
    if session is None:
        await acknowledge(context, query, render.button_expired())
        return
    await acknowledge(context, query)
    deck = context.bank.deck(session.deck_id) or context.bank.default_deck
    await reply_html(context, user.user_id, render.exam_retake_intro(deck, len(session.item_ids)))
    await continue_session(context, session.id, user.user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("test", test_command),
        CallbackQueryHandler(retake_missed, pattern=RetakeMissed.pattern()),
    ]

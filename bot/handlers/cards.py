"""/cards: a session of a few flashcards (front → Show answer → back → Again/Hard/Good/Easy,
each showing when the card comes back → next card), then when the next one is due."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.domain.memory import Grade
from bot.domain.purpose import Purpose
from bot.flows.cards import cards_summary, grade_intervals, start_cards
from bot.handlers.buttons import edit_once
from bot.handlers.callbacks import GradeCard, ShowCard, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import card_grade_keyboard
from bot.handlers.sessions import continue_session, record_self_graded


async def cards(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    if not deck.cards:
        await reply(update, render.no_items(deck, "flashcards"))
        return
    now = context.clock.now()
    session = await start_cards(
        context.storage, context.bank, user, deck, now, context.settings.new_items_per_day
    )
    if session is None:
        summary = await cards_summary(context.storage, context.bank, user.user_id, deck, 0)
        await reply(update, render.cards_done(deck, summary.next_due, summary.timezone, now))
        return
    await continue_session(context, session.id, user.user_id)


async def show_answer(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, ShowCard)
    if press is None:
        return
    query, card, step = press.query, press.data.card, press.data.step
    user = await learner(update, context)
    back = render.card_back(card, context.bank.deck_of(card.id), step)
    intervals = await grade_intervals(context.storage, user, card, context.clock.now())
    await edit_once(context, update, query, back, card_grade_keyboard(card, intervals, step))


async def grade_card(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, GradeCard, grades=True)
    if press is None:
        return
    query, message = press.query, press.message
    card, grade = press.data.card, press.data.grade
    user = await learner(update, context)
    # Editing first removes the buttons, so a double tap cannot grade twice; a retry of this
    # press (a transient failure below) carries on from the step it stopped at.
    graded_text = render.card_graded(
        card, context.bank.deck_of(card.id), grade.value, press.data.step
    )
    progress = await edit_once(
        context, update, query, graded_text, second_tap=render.already_recorded
    )
    if progress is None:
        return
    session = await record_self_graded(
        context,
        progress,
        user_id=user.user_id,
        item=card,
        chat_id=message.chat.id,
        message_id=message.message_id,
        correct=grade is not Grade.AGAIN,
        grade=grade,
        purpose=Purpose.CARDS,
    )
    # A card from a message older than /cards sessions ends here; /cards starts a new round.
    if session is not None:
        await continue_session(context, session.id, message.chat.id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("cards", cards),
        CallbackQueryHandler(show_answer, pattern=ShowCard.pattern()),
        CallbackQueryHandler(grade_card, pattern=GradeCard.pattern()),
    ]

"""/cards: flashcards (front → Show answer → back → Again/Hard/Good/Easy → next card)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.content.models import CardItem
from bot.domain.memory import Grade
from bot.domain.purpose import Purpose
from bot.flows.quiz import choose_for
from bot.handlers.buttons import edit_once
from bot.handlers.callbacks import GradeCard, ShowCard, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import card_grade_keyboard, send_card
from bot.handlers.sessions import continue_session, record_self_graded


async def cards(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    if context.args:
        await context.storage.users.set_active_deck(user.user_id, deck.id)
    card = await choose_for(
        context.storage,
        context.bank,
        user,
        deck.id,
        (CardItem,),
        context.clock.now(),
        context.settings.new_items_per_day,
    )
    if card is None:
        await reply(update, render.no_items(deck, "flashcards"))
        return
    assert isinstance(card, CardItem)
    await send_card(context, user.user_id, card)


async def show_answer(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, ShowCard)
    if press is None:
        return
    query, card = press.query, press.data.card
    back = render.card_back(card, context.bank.deck_of(card.id))
    await edit_once(context, update, query, back, card_grade_keyboard(card))


async def grade_card(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, GradeCard, grades=True)
    if press is None:
        return
    query, message = press.query, press.message
    card, grade = press.data.card, press.data.grade
    user = await learner(update, context)
    # Editing first removes the buttons, so a double tap cannot grade twice; a retry of this
    # press (a transient failure below) carries on from the step it stopped at.
    graded_text = render.card_graded(card, context.bank.deck_of(card.id), grade.value)
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
    if session is not None:
        await continue_session(context, session.id, message.chat.id)
        return
    next_card = await choose_for(
        context.storage,
        context.bank,
        user,
        context.bank.deck_of(card.id).id,
        (CardItem,),
        context.clock.now(),
        context.settings.new_items_per_day,
    )
    if isinstance(next_card, CardItem):
        await send_card(context, user.user_id, next_card)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("cards", cards),
        CallbackQueryHandler(show_answer, pattern=ShowCard.pattern()),
        CallbackQueryHandler(grade_card, pattern=GradeCard.pattern()),
    ]

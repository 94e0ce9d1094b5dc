"""/cards: flashcards (front → Show answer → back → Again/Hard/Good/Easy → next card)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.content.models import CardItem
from bot.domain.memory import Grade
from bot.handlers.common import deck_from_args, learner, refuse_outside_private, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import CARD_GRADE, CARD_SHOW, card_grade_keyboard, send_card
from bot.handlers.study import choose_for, continue_session, record_answer, session_awaiting

PURPOSE_CARDS = "cards"


async def cards(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "cards"):
        return
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    if context.args:
        await context.storage.users.set_active_deck(user.user_id, deck.id)
    card = await choose_for(context, user, deck.id, (CardItem,))
    if card is None:
        await reply(update, render.no_items(deck, "flashcards"))
        return
    assert isinstance(card, CardItem)
    await send_card(context, user.user_id, card)


async def show_answer(update: Update, context: TutorContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    card = context.bank.item(query.data.split(":", 1)[1])
    if not isinstance(card, CardItem):
        await query.answer(render.item_gone("card"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        render.card_back(card, context.bank.deck_of(card.id)),
        parse_mode="HTML",
        reply_markup=card_grade_keyboard(card),
    )


async def grade_card(update: Update, context: TutorContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    _, grade_name, card_id = query.data.split(":", 2)
    card = context.bank.item(card_id)
    if not isinstance(card, CardItem) or grade_name not in {grade.value for grade in Grade}:
        await query.answer(render.item_gone("card"), show_alert=True)
        return
    grade = Grade(grade_name)
    user = await learner(update, context)
    await query.answer()
    # Editing first removes the buttons, so a double tap cannot grade twice.
    await query.edit_message_text(
        render.card_graded(card, context.bank.deck_of(card.id), grade.value), parse_mode="HTML"
    )
    session = await session_awaiting(context, user.user_id, card.id)
    await record_answer(
        context,
        user_id=user.user_id,
        item=card,
        chat_id=query.message.chat.id,
        correct=grade is not Grade.AGAIN,
        grade=grade,
        purpose=session.kind if session else PURPOSE_CARDS,
        session_id=session.id if session else None,
    )
    if session is not None:
        await continue_session(context, session, query.message.chat.id)
        return
    next_card = await choose_for(context, user, context.bank.deck_of(card.id).id, (CardItem,))
    if isinstance(next_card, CardItem):
        await send_card(context, user.user_id, next_card)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CommandHandler("cards", cards),
        CallbackQueryHandler(show_answer, pattern=rf"^{CARD_SHOW}:"),
        CallbackQueryHandler(grade_card, pattern=rf"^{CARD_GRADE}:"),
    ]

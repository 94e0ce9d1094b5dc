"""/decks: list the decks with the learner's progress and choose the active one."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.flows import decks as deck_flows
from bot.handlers.buttons import edit_once
from bot.handlers.callbacks import ChooseDeck, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import active_deck, learner
from bot.handlers.context import TutorContext


async def decks(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    progress = await deck_flows.deck_progress(context.storage, context.bank, user.user_id)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(render.deck_button(deck), callback_data=ChooseDeck(deck).pack())]
            for deck in context.bank.decks
        ]
    )
    text = render.deck_list(context.bank.decks, progress, active_deck(context, user).id)
    if update.effective_message is not None:
        await update.effective_message.reply_html(text, reply_markup=keyboard, do_quote=False)


async def choose_deck(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, ChooseDeck)
    if press is None:
        return
    query, deck = press.query, press.data.deck
    user = await learner(update, context)
    await deck_flows.choose_deck(context.storage, user, deck)
    await edit_once(
        context, update, query, render.deck_chosen(deck), answer=render.deck_chosen_note(deck)
    )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("decks", decks),
        CallbackQueryHandler(choose_deck, pattern=ChooseDeck.pattern()),
    ]

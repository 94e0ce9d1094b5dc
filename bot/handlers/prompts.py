"""/prompt: explain-it prompts; the learner ticks the key concepts they covered."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import render
from bot.content.models import PromptItem
from bot.domain.memory import grade_explain_prompt
from bot.domain.purpose import Purpose
from bot.flows.quiz import choose_for
from bot.handlers.buttons import edit_once
from bot.handlers.callbacks import FinishPrompt, TickConcept, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import prompt_keyboard, send_prompt
from bot.handlers.sessions import continue_session, record_self_graded


async def prompt(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    item = await choose_for(
        context.storage,
        context.bank,
        user,
        deck.id,
        (PromptItem,),
        context.clock.now(),
        context.settings.new_items_per_day,
    )
    if item is None:
        await reply(update, render.no_items(deck, "explain prompts"))
        return
    assert isinstance(item, PromptItem)
    await send_prompt(context, user.user_id, item)


async def toggle_concept(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, TickConcept)
    if press is None:
        return
    query = press.query
    item, ticked = press.data.prompt, press.data.ticked
    text = render.prompt_question(item, ticked)
    await edit_once(context, update, query, text, prompt_keyboard(item, ticked))


async def finish_prompt(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, FinishPrompt, grades=True)
    if press is None:
        return
    query, message = press.query, press.message
    item, ticked = press.data.prompt, press.data.ticked
    user = await learner(update, context)
    # As for cards: the edit guards against a double tap, a retry carries on where it stopped.
    progress = await edit_once(
        context,
        update,
        query,
        render.prompt_result(item, ticked),
        second_tap=render.already_recorded,
    )
    if progress is None:
        return
    session = await record_self_graded(
        context,
        progress,
        user_id=user.user_id,
        item=item,
        chat_id=message.chat.id,
        message_id=message.message_id,
        correct=sum(ticked) * 2 >= len(ticked),
        grade=grade_explain_prompt(sum(ticked), len(ticked)),
        purpose=Purpose.PROMPT,
    )
    if session is not None:
        await continue_session(context, session.id, message.chat.id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("prompt", prompt),
        CallbackQueryHandler(toggle_concept, pattern=TickConcept.pattern()),
        CallbackQueryHandler(finish_prompt, pattern=FinishPrompt.pattern()),
    ]

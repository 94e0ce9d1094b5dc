"""/test: the "test this pattern" exam — ten questions easy to hard, then a verdict."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot import render
from bot.domain.exam import pick_exam
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.study import SESSION_TEST, continue_session


async def test_command(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    item_ids = pick_exam(deck.mcqs, context.services.rng)
    if not item_ids:
        await reply(update, render.no_items(deck, "questions"))
        return
    session = await context.storage.sessions.start(
        user.user_id, SESSION_TEST, deck.id, item_ids, context.clock.now()
    )
    await reply(update, render.exam_intro(deck, len(item_ids)))
    await continue_session(context, session, user.user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [private_command("test", test_command)]

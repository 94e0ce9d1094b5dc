"""/test: the "test this pattern" exam — ten questions easy to hard, then a verdict."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot import render
from bot.flows.sessions import start_test
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.sessions import continue_session


async def test_command(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    session = await start_test(
        context.storage, context.services.rng, user.user_id, deck, context.clock.now()
    )
    if session is None:
        await reply(update, render.no_items(deck, "questions"))
        return
    await reply(update, render.exam_intro(deck, len(session.item_ids)))
    await continue_session(context, session.id, user.user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [private_command("test", test_command)]

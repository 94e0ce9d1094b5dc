"""/stats: answers, accuracy overall and per deck, items seen, streak, leeches."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from bot.content.models import McqItem
from bot.handlers.common import learner, refuse_outside_private, reply
from bot.handlers.context import TutorContext
from bot.handlers.study import streak_for


async def stats(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "stats"):
        return
    user = await learner(update, context)
    totals = await context.storage.answers.totals_by_item(user.user_id)
    lines = []
    for deck in context.bank.decks:
        answered = [totals[item.id] for item in deck.items if item.id in totals]
        if answered:
            lines.append(
                render.DeckLine(
                    title=deck.title,
                    answers=sum(count for count, _ in answered),
                    correct=sum(right for _, right in answered),
                    seen=len(answered),
                    total=len(deck.items),
                )
            )
    leeches = [
        question
        for item_id in await context.storage.reviews.leeches(
            user.user_id, context.settings.leech_lapses
        )
        if isinstance(question := context.bank.item(item_id), McqItem)
    ]
    await reply(
        update,
        render.stats(
            answers=sum(count for count, _ in totals.values()),
            correct=sum(right for _, right in totals.values()),
            seen=sum(line.seen for line in lines),
            total=sum(len(deck.items) for deck in context.bank.decks),
            decks=lines,
            streak=await streak_for(context, user.user_id),
        )
        + render.stats_leeches(leeches),
    )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CommandHandler("stats", stats)]

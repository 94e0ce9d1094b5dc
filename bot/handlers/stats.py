"""/stats: the learner's progress as one picture with the headline facts as its caption;
/stats text: the same facts as text."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler

from bot import charts, render
from bot.content.models import ContentBank, McqItem
from bot.domain.progress import DeckItems, ProgressReport, build_progress
from bot.domain.timezones import parse_timezone
from bot.handlers.chat_rules import private_command
from bot.handlers.common import learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.study import STREAK_LOOKBACK
from bot.storage import Storage
from bot.storage.records import User


async def progress_report(
    storage: Storage, bank: ContentBank, user: User, now: datetime
) -> ProgressReport:
    """Everything the picture and its caption show, read in four queries."""
    total_answers, total_correct = await storage.progress.totals(user.user_id)
    return build_progress(
        recent_answers=await storage.progress.answers_since(user.user_id, now - STREAK_LOOKBACK),
        total_answers=total_answers,
        total_correct=total_correct,
        memories=await storage.reviews.all_for(user.user_id),
        decks=[DeckItems(deck.title, tuple(item.id for item in deck.items)) for deck in bank.decks],
        zone=parse_timezone(user.timezone),
        now=now,
        desired_retention=user.desired_retention,
    )


async def stats(update: Update, context: TutorContext) -> None:
    args = [arg.lower() for arg in context.args or []]
    if args not in ([], ["text"]):
        await reply(update, render.stats_usage())
        return
    user = await learner(update, context)
    report = await progress_report(context.storage, context.bank, user, context.clock.now())
    if report.empty:
        await reply(update, render.stats_nothing_yet())
        return
    if args == ["text"]:
        await reply(update, await stats_text(context, user, report))
        return
    message = update.effective_message
    if message is None:
        return
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    # Drawing takes a few hundred milliseconds of CPU: off the event loop, so other
    # learners' answers are not kept waiting behind it.
    picture = await asyncio.to_thread(charts.progress_png, report)
    await message.reply_photo(
        picture,
        filename="progress.png",
        caption=render.stats_caption(report.headline),
        parse_mode="HTML",
        do_quote=False,
    )


async def stats_text(context: TutorContext, user: User, report: ProgressReport) -> str:
    """/stats text: answers per deck, then what the picture shows, in words."""
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
    overview = render.stats(
        answers=sum(count for count, _ in totals.values()),
        correct=sum(right for _, right in totals.values()),
        seen=sum(line.seen for line in lines),
        total=sum(len(deck.items) for deck in context.bank.decks),
        decks=lines,
        streak=report.headline.streak,
    ) + render.stats_leeches(leeches)
    return f"{overview}\n\n{render.stats_progress(report)}"


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [private_command("stats", stats)]

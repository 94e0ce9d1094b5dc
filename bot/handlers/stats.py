"""/stats: the learner's progress as one picture with the headline facts as its caption;
/stats text: the same facts as text."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler

from bot import render
from bot.domain.progress import ProgressReport
from bot.flows.progress import overview, progress_report
from bot.handlers.chat_rules import private_command
from bot.handlers.common import learner, reply
from bot.handlers.context import TutorContext
from bot.render import charts
from bot.storage.records import User


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
    facts = await overview(
        context.storage, context.bank, user.user_id, context.settings.leech_lapses
    )
    summary = render.stats(
        answers=facts.answers,
        correct=facts.correct,
        seen=facts.seen,
        total=facts.total,
        decks=facts.decks,
        streak=report.headline.streak,
        self_graded=facts.self_graded,
    ) + render.stats_leeches(facts.leeches)
    model = render.stats_memory_model(facts.own_fit, facts.own_fit_in_use)
    return f"{summary}\n\n{render.stats_progress(report)}\n\n{model}"


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [private_command("stats", stats)]

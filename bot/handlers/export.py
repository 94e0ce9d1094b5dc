"""/export: the learner's own answers as a CSV document."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from bot.export import answers_csv
from bot.handlers.common import learner, refuse_outside_private, reply
from bot.handlers.context import TutorContext
from bot.storage.progress import ExportedAnswer


async def export(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "export"):
        return
    message = update.effective_message
    if message is None:
        return
    user = await learner(update, context)
    answers: list[ExportedAnswer] = []
    async for batch in context.storage.progress.export(user.user_id):
        answers.extend(batch)
    if not answers:
        await reply(update, render.export_nothing_yet())
        return
    document = await asyncio.to_thread(answers_csv, context.bank, answers)
    today = context.clock.now().date()
    await message.reply_document(
        document.encode("utf-8"),
        filename=f"quiz-tutor-answers-{today:%Y-%m-%d}.csv",
        caption=render.export_caption(len(answers)),
        parse_mode="HTML",
        do_quote=False,
    )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CommandHandler("export", export)]

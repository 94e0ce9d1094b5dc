"""/export: the learner's own answers as a CSV document."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import FileSizeLimit
from telegram.ext import BaseHandler

from bot import render
from bot.export import CsvDocuments
from bot.handlers.chat_rules import private_command
from bot.handlers.common import learner, reply
from bot.handlers.context import TutorContext

# What a bot may upload as one document.
DOCUMENT_LIMIT = int(FileSizeLimit.FILESIZE_UPLOAD)


async def export(update: Update, context: TutorContext) -> None:
    message = update.effective_message
    if message is None:
        return
    user = await learner(update, context)
    # Batch by batch: a long history is held as CSV bytes, not as answer objects (several
    # times larger), and split into documents Telegram accepts.
    csv = CsvDocuments(context.bank, DOCUMENT_LIMIT)
    async for batch in context.storage.progress.export(user.user_id):
        await asyncio.to_thread(csv.add, batch)
    documents = csv.documents()
    if not documents:
        await reply(update, render.export_nothing_yet())
        return
    today = context.clock.now().date()
    for number, document in enumerate(documents, start=1):
        part = "" if len(documents) == 1 else f"-part{number}of{len(documents)}"
        await message.reply_document(
            document,
            filename=f"quiz-tutor-answers-{today:%Y-%m-%d}{part}.csv",
            caption=render.export_caption(csv.rows) if number == 1 else None,
            parse_mode="HTML",
            do_quote=False,
        )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [private_command("export", export)]

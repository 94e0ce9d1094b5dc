"""/export: the learner's own answers as a CSV document."""

from __future__ import annotations

from telegram import Update
from telegram.constants import FileSizeLimit
from telegram.ext import BaseHandler

from bot import render
from bot.flows.export import learner_answers
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
    # Split into documents Telegram accepts.
    csv = await learner_answers(context.storage, context.bank, user.user_id, DOCUMENT_LIMIT)
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

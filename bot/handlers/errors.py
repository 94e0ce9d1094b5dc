"""The one error handler: log first, then tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import render
from bot.handlers.context import TutorContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: TutorContext) -> None:
    log.error("error while handling update %r", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(render.something_went_wrong())
        except TelegramError:
            log.warning("could not tell the user about the error", exc_info=True)

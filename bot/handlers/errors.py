"""The one error handler (log first, then tell the user something went wrong), and which
failures are worth another try."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot import render
from bot.handlers.context import TutorContext
from bot.storage.database import DatabaseBusyError, is_lock_error

log = logging.getLogger(__name__)


class NotYet(Exception):
    """A handler needs something a later update brings (e.g. a poll's vote): the update
    pipeline treats it as transient and runs the handler again with backoff."""


def is_transient(error: BaseException | None) -> bool:
    """Worth another try: a locked database, Telegram's 5xx, timeouts and flood waits,
    and `NotYet`. The update pipeline retries such updates; the daily prompt retries too.

    BadRequest derives from NetworkError in PTB but is Telegram refusing the call: retrying
    it would fail the same way.
    """
    if error is None:
        return False
    if isinstance(error, NotYet | DatabaseBusyError) or is_lock_error(error):
        return True
    if isinstance(error, BadRequest):
        return False
    return isinstance(error, NetworkError | RetryAfter)


async def on_error(update: object, context: TutorContext) -> None:
    log.error("error while handling update %r", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(render.something_went_wrong())
        except TelegramError:
            log.warning("could not tell the user about the error", exc_info=True)

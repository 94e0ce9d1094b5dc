"""Which failures are worth another try. Below handlers and the pipeline alike: the pipeline
retries such updates, the daily prompt and the round timers retry such sends."""

from __future__ import annotations

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.storage.database import DatabaseBusyError, is_lock_error


class NotYet(Exception):
    """A handler needs something a later update brings (e.g. a poll's vote): the update
    pipeline treats it as transient and runs the handler again with backoff."""


def is_transient(error: BaseException | None) -> bool:
    """Worth another try: a locked database, Telegram's 5xx, timeouts and flood waits,
    and `NotYet`.

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

"""Which failures are worth another try: the database or Telegram was briefly unavailable."""

from __future__ import annotations

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.handlers.errors import NotYet
from bot.storage.database import DatabaseBusyError, is_lock_error


def is_transient(error: BaseException | None) -> bool:
    """True for a locked database, Telegram's 5xx, timeouts and flood waits, and `NotYet`.

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

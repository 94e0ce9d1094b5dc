"""What a press does to its message: edited once, a double tap refused, a retried press
carried on where it stopped. (Which presses are trusted at all: `bot.handlers.callbacks`.)"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TimedOut

from bot import render
from bot.handlers.context import TutorContext

log = logging.getLogger(__name__)

# Telegram refuses an edit that changes nothing: an earlier press already made it.
_NOT_MODIFIED = "message is not modified"


# chat_data key: callback query id → the steps its handler already finished. A press whose
# handler failed for a transient reason (a locked database, Telegram 5xx) is handled again
# as the same update, with the same query id: it must carry on where it stopped, while a
# second tap (another query id) still finds the message already edited and is refused.
_PRESS_STEPS = "press_steps"
_PRESSES_KEPT = 256


class PressProgress:
    """What one button press has done so far (in memory: a replay after a restart starts
    over, which the edit-first guard turns into a quiet "expired")."""

    def __init__(self, context: TutorContext, query: CallbackQuery) -> None:
        chat_data = context.chat_data if context.chat_data is not None else {}
        presses: dict[str, set[str]] = chat_data.setdefault(_PRESS_STEPS, {})
        self._steps = presses.setdefault(query.id, set())
        while len(presses) > _PRESSES_KEPT:
            del presses[next(iter(presses))]

    def done(self, step: str) -> bool:
        return step in self._steps

    def mark(self, step: str) -> None:
        self._steps.add(step)


async def edit_once(
    context: TutorContext,
    update: Update,
    query: CallbackQuery,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    *,
    answer: str | None = None,
    second_tap: Callable[[], str] = render.button_expired,
) -> PressProgress | None:
    """Replace the text (and buttons) of the message a button is on, then acknowledge the
    press; a double tap must not grade or send twice. A retry of this very press
    carries on: the progress of the press, or None for a second tap (answered with
    `second_tap()`: "This button has expired", or "Already recorded" for a grade).

    A press replayed after a crash finds its message already edited by its own first run
    (the edit came before the answer was stored): it carries on too, so the answer is not
    lost. Only a double tap left pending by the same crash could then count twice.
    """
    progress = PressProgress(context, query)
    if not progress.done("edited"):
        try:
            await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=reply_markup
            )
        except BadRequest as error:
            if _NOT_MODIFIED not in error.message.lower():
                raise
            if update.update_id not in context.services.replayed_updates:
                await acknowledge(context, query, second_tap())
                return None
        progress.mark("edited")
    # One replayed after a restart is not answered again (it was, or its spinner has long
    # stopped; Telegram refuses answers to old queries).
    if update.update_id not in context.services.replayed_updates:
        await acknowledge(context, query, answer)
    return progress


# Telegram's refusals of an answerCallbackQuery that was already given (or can no longer be):
# "query is too old and response timeout expired or query ID is invalid", and for a second
# answer to the same query "query is already answered".
_ANSWERED_ALREADY = ("query is too old", "query id is invalid", "already answered")


async def acknowledge(context: TutorContext, query: CallbackQuery, text: str | None = None) -> None:
    """Answer a press (stop its spinner, maybe show `text`), at most once per press.

    A press is handled again when its handler failed for a transient reason after the
    answer went out, or when the answer's own call timed out after Telegram took it. The
    answer is not a fact anyone depends on: one already given, refused by Telegram as
    given or too old, or lost in a timeout counts as done, and the handler goes on. Other
    failures (a 5xx: not applied) are raised, so the pipeline tries the update again.
    """
    progress = PressProgress(context, query)
    if progress.done("acknowledged"):
        return
    try:
        await query.answer(text)
    except BadRequest as error:
        if not any(refusal in error.message.lower() for refusal in _ANSWERED_ALREADY):
            raise
        log.info("press %s already acknowledged: %s", query.id, error.message)
    except TimedOut:
        # Telegram may well have taken it; asking again would only be refused as answered.
        log.info("press %s: acknowledgement timed out, counted as given", query.id)
    progress.mark("acknowledged")

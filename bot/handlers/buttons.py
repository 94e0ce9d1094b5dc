"""What a press does to its message: edited once, a double tap refused, a retried press
carried on where it stopped. (Which presses are trusted at all: `bot.handlers.callbacks`.)"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import render
from bot.handlers.context import TutorContext

log = logging.getLogger(__name__)

# Telegram refuses an edit that changes nothing: an earlier press already made it.
_NOT_MODIFIED = "message is not modified"


async def edit_pressed_message(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Replace the text (and buttons) of the message a button is on.

    False, with the press answered as expired, when an earlier press of the same button
    already did exactly this: a double tap must not grade or send twice.
    """
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=reply_markup)
    except BadRequest as error:
        if _NOT_MODIFIED not in error.message.lower():
            raise
        await query.answer(render.button_expired())
        return False
    return True


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
) -> PressProgress | None:
    """`edit_pressed_message`, then the press acknowledged; a retry of this very press
    carries on: the progress of the press, or None for a second tap (answered as expired).

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
                await query.answer(render.button_expired())
                return None
        progress.mark("edited")
    if not progress.done("acknowledged"):
        await _acknowledge(context, update, query)
        progress.mark("acknowledged")
    return progress


async def _acknowledge(context: TutorContext, update: Update, query: CallbackQuery) -> None:
    """Acknowledge a press. One replayed after a restart is not answered again (it was, or
    its spinner has long stopped; Telegram refuses answers to old queries)."""
    if update.update_id in context.services.replayed_updates:
        return
    try:
        await query.answer()
    except BadRequest as error:
        log.info("press %s not acknowledged: %s", query.id, error.message)

"""Button presses from outside: callback data is checked before any handler trusts it.

Telegram only reports presses of buttons the bot made, but an update can still be stale
(the same button pressed twice before the first press removed it), refer to an item the
content bank no longer has, or be forged. Each of those gets the same quiet answer,
"This button has expired.", instead of an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import render
from bot.content.models import CardItem, ContentBank, Deck, McqItem, PromptItem
from bot.domain.inputs import ascii_int
from bot.domain.memory import Grade
from bot.handlers.context import TutorContext

Item = McqItem | CardItem | PromptItem
log = logging.getLogger(__name__)

# Telegram refuses an edit that changes nothing: an earlier press already made it.
_NOT_MODIFIED = "message is not modified"


def pressed(update: Update) -> tuple[CallbackQuery, Message, str] | None:
    """The query, its message and its data when the press is one Telegram could report:
    the message is still accessible and still carries a button with exactly this data."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return None
    markup = query.message.reply_markup
    buttons = markup.inline_keyboard if markup else ()
    if not any(button.callback_data == query.data for row in buttons for button in row):
        return None
    return query, query.message, query.data


async def expired(update: Update, context: TutorContext) -> None:
    """Answer a press nothing else took, or one that failed validation, quietly."""
    if update.callback_query is not None:
        await update.callback_query.answer(render.button_expired())


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


def _fields(data: str, prefix: str, count: int) -> list[str] | None:
    """`prefix:a:b` → ["a", "b"] when there are exactly `count` non-empty fields."""
    head, _, rest = data.partition(":")
    if head != prefix:
        return None
    fields = rest.split(":", count - 1)
    if len(fields) != count or not all(fields):
        return None
    return fields


def item_button(data: str, prefix: str, bank: ContentBank) -> Item | None:
    """`prefix:<item id>` naming an item that exists."""
    fields = _fields(data, prefix, 1)
    return bank.item(fields[0]) if fields else None


def deck_button(data: str, prefix: str, bank: ContentBank) -> Deck | None:
    fields = _fields(data, prefix, 1)
    return bank.deck(fields[0]) if fields else None


@dataclass(frozen=True)
class GradePress:
    grade: Grade
    card: CardItem


def grade_button(data: str, prefix: str, bank: ContentBank) -> GradePress | None:
    """`prefix:<grade>:<card id>` with a known grade and an existing card."""
    fields = _fields(data, prefix, 2)
    if fields is None or fields[0] not in {grade.value for grade in Grade}:
        return None
    card = bank.item(fields[1])
    return GradePress(Grade(fields[0]), card) if isinstance(card, CardItem) else None


@dataclass(frozen=True)
class ConceptsPress:
    prompt: PromptItem
    ticked: list[bool]


def concepts_button(data: str, prefix: str, bank: ContentBank) -> ConceptsPress | None:
    """`prefix:<mask>:<prompt id>`: an ASCII bit mask within the prompt's concepts."""
    fields = _fields(data, prefix, 2)
    if fields is None:
        return None
    mask, prompt = ascii_int(fields[0]), bank.item(fields[1])
    if mask is None or not isinstance(prompt, PromptItem):
        return None
    count = len(prompt.key_concepts)
    if mask >= 1 << count:
        return None
    return ConceptsPress(prompt, [bool(mask >> index & 1) for index in range(count)])

"""Every kind of button the bot makes, as one typed class: prefix, packing, unpacking and the
handler's pattern live together (in the spirit of aiogram's `CallbackData`).

`callback_data` is at most 64 bytes: a two-letter prefix and a few `:`-separated fields (item
ids are at most 40 characters by the deck schema). The formats are those buttons already sent
carry, so a button in an old message keeps working.

`press_of` is the one place a press is checked before any handler trusts it. Telegram only
reports presses of buttons the bot made, but an update can still be stale (the same button
pressed twice before the first press removed it), name an item the content bank no longer has,
or be forged. Each of those gets the same quiet answer, "This button has expired.".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Generic, Self, TypeVar

from telegram import CallbackQuery, Message, Update

from bot import render
from bot.content.models import CardItem, ContentBank, Deck, McqItem, PromptItem
from bot.domain.inputs import ascii_int
from bot.domain.memory import Grade
from bot.flows.answers import message_graded
from bot.handlers.buttons import acknowledge
from bot.handlers.context import TutorContext

Item = McqItem | CardItem | PromptItem


class CallbackData:
    """One kind of button. Subclasses set `prefix` and `fields` (how many) and implement
    `pack` and `_unpack` (the fields, each non-empty, to a value; None if they name nothing)."""

    prefix: ClassVar[str]
    fields: ClassVar[int] = 0

    def pack(self) -> str:
        return self.prefix

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """For `CallbackQueryHandler(pattern=…)`: this prefix, nothing else."""
        return re.compile(rf"^{re.escape(cls.prefix)}(:|$)")

    @classmethod
    def unpack(cls, data: str, bank: ContentBank) -> Self | None:
        head, _, rest = data.partition(":")
        if head != cls.prefix:
            return None
        if cls.fields == 0:
            return cls._unpack([], bank) if not rest and ":" not in data else None
        parts = rest.split(":", cls.fields - 1)
        if len(parts) != cls.fields or not all(parts):
            return None
        return cls._unpack(parts, bank)

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        return cls()


@dataclass(frozen=True)
class QuizNext(CallbackData):
    """Next question (under a /quiz answer's feedback)."""

    prefix: ClassVar[str] = "qn"


@dataclass(frozen=True)
class ReviewDue(CallbackData):
    """Review the flashcards and prompts due (under the daily summary)."""

    prefix: ClassVar[str] = "rv"


@dataclass(frozen=True)
class MoreQuestions(CallbackData):
    """Continue a finished daily session with more of the questions due, or a finished review
    with more of the flashcards and prompts due (under its summary).
    Carries where the session ended, so an older summary's button, or a second press, is
    refused rather than adding questions twice."""

    prefix: ClassVar[str] = "mq"
    fields: ClassVar[int] = 2
    session_id: int
    position: int

    def pack(self) -> str:
        return f"{self.prefix}:{self.session_id}:{self.position}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        session_id, position = ascii_int(parts[0]), ascii_int(parts[1])
        if session_id is None or position is None:
            return None
        return cls(session_id, position)


@dataclass(frozen=True)
class ExplainItem(CallbackData):
    prefix: ClassVar[str] = "ex"
    fields: ClassVar[int] = 1
    item: Item

    def pack(self) -> str:
        return f"{self.prefix}:{self.item.id}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        item = bank.item(parts[0])
        return cls(item) if item is not None else None


@dataclass(frozen=True)
class RetakeMissed(CallbackData):
    """Under a /test result: a new test of the questions that test missed."""

    prefix: ClassVar[str] = "tr"
    fields: ClassVar[int] = 1
    test_id: int

    def pack(self) -> str:
        return f"{self.prefix}:{self.test_id}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        test_id = ascii_int(parts[0])
        return cls(test_id) if test_id is not None else None


Step = tuple[int, int] | None  # a card's place in its session ("3/5"), shown on every face


def _card_and_step(packed: str, bank: ContentBank) -> tuple[CardItem, Step] | None:
    """`<card id>` or `<card id>:<n>/<total>` (buttons sent before sessions have no step)."""
    item_id, _, step = packed.partition(":")
    card = bank.item(item_id)
    if not isinstance(card, CardItem):
        return None
    if not step:
        return card, None
    number, _, total = step.partition("/")
    parsed = ascii_int(number), ascii_int(total)
    if parsed[0] is None or parsed[1] is None or not 1 <= parsed[0] <= parsed[1]:
        return None
    return card, (parsed[0], parsed[1])


def _step_suffix(step: Step) -> str:
    return f":{step[0]}/{step[1]}" if step else ""


@dataclass(frozen=True)
class ShowCard(CallbackData):
    """Turn a flashcard over. The card's place in its session rides along, so each face of
    the card says the same "3/5" (and a double tap's edit finds the same text)."""

    prefix: ClassVar[str] = "cs"
    fields: ClassVar[int] = 1
    card: CardItem
    step: Step = None

    def pack(self) -> str:
        return f"{self.prefix}:{self.card.id}{_step_suffix(self.step)}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        found = _card_and_step(parts[0], bank)
        return cls(*found) if found else None


@dataclass(frozen=True)
class GradeCard(CallbackData):
    prefix: ClassVar[str] = "cg"
    fields: ClassVar[int] = 2
    grade: Grade
    card: CardItem
    step: Step = None

    def pack(self) -> str:
        return f"{self.prefix}:{self.grade.value}:{self.card.id}{_step_suffix(self.step)}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        if parts[0] not in {grade.value for grade in Grade}:
            return None
        found = _card_and_step(parts[1], bank)
        return cls(Grade(parts[0]), *found) if found else None


@dataclass(frozen=True)
class _Concepts(CallbackData):
    """`prefix:<mask>:<prompt id>`: which key concepts are ticked, as an ASCII bit mask."""

    fields: ClassVar[int] = 2
    prompt: PromptItem
    ticked: tuple[bool, ...]

    def pack(self) -> str:
        mask = sum(1 << index for index, hit in enumerate(self.ticked) if hit)
        return f"{self.prefix}:{mask}:{self.prompt.id}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        mask, prompt = ascii_int(parts[0]), bank.item(parts[1])
        if mask is None or not isinstance(prompt, PromptItem):
            return None
        count = len(prompt.key_concepts)
        if mask >= 1 << count:
            return None
        return cls(prompt, tuple(bool(mask >> index & 1) for index in range(count)))


@dataclass(frozen=True)
class TickConcept(_Concepts):
    """Tick or untick one concept: carries the ticks as they are after the press."""

    prefix: ClassVar[str] = "pt"


@dataclass(frozen=True)
class FinishPrompt(_Concepts):
    prefix: ClassVar[str] = "pd"


@dataclass(frozen=True)
class ChooseDeck(CallbackData):
    prefix: ClassVar[str] = "dk"
    fields: ClassVar[int] = 1
    deck: Deck

    def pack(self) -> str:
        return f"{self.prefix}:{self.deck.id}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        deck = bank.deck(parts[0])
        return cls(deck) if deck is not None else None


@dataclass(frozen=True)
class ConfirmForget(CallbackData):
    prefix: ClassVar[str] = "fg"
    fields: ClassVar[int] = 1
    confirmed: bool

    def pack(self) -> str:
        return f"{self.prefix}:{'yes' if self.confirmed else 'no'}"

    @classmethod
    def _unpack(cls, parts: list[str], bank: ContentBank) -> Self | None:
        return cls(parts[0] == "yes") if parts[0] in {"yes", "no"} else None


_Data = TypeVar("_Data", bound=CallbackData)


@dataclass(frozen=True)
class Press(Generic[_Data]):
    query: CallbackQuery
    message: Message
    data: _Data


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


async def press_of(
    update: Update, context: TutorContext, kind: type[_Data], *, grades: bool = False
) -> Press[_Data] | None:
    """The press, its message and its unpacked data; None (the press answered as expired)
    when it is stale, forged, or names what the content bank no longer has.

    `grades`: the button grades its message (a flashcard grade, a finished prompt); a
    second tap on a message whose grade is stored is answered "Already recorded".
    """
    raw = pressed(update)
    data = kind.unpack(raw[2], context.bank) if raw else None
    if raw is None or data is None:
        if grades and await _graded_already(update, context):
            await acknowledge(context, _query(update), render.already_recorded())
        else:
            await expired(update, context)
        return None
    return Press(raw[0], raw[1], data)


def _query(update: Update) -> CallbackQuery:
    assert update.callback_query is not None
    return update.callback_query


async def _graded_already(update: Update, context: TutorContext) -> bool:
    """A press on a message the bot made and has since graded (its buttons are gone)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    return await message_graded(context.storage, query.message.chat.id, query.message.message_id)


async def expired(update: Update, context: TutorContext) -> None:
    """Answer a press nothing else took, or one that failed validation, quietly."""
    if update.callback_query is not None:
        await acknowledge(context, update.callback_query, render.button_expired())

"""The deck schema: what a content author may write in `content/*.yaml`.

Every limit here is a Telegram limit (or a rendering budget that keeps one
message under Telegram's 4096 characters), so a deck that validates can be sent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

# Telegram Bot API limits (telegram.constants.PollLimit), repeated here so the
# content layer does not import telegram.
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
POLL_OPTIONS_MIN = 2
POLL_OPTIONS_MAX = 12
EXPLANATION_MAX = 200
EXPLANATION_LINE_FEEDS_MAX = 2
# Budgets for text rendered into ordinary messages (4096 chars each).
CARD_SIDE_MAX = 1000
SOLUTION_TEXT_MAX = 1000
PROMPT_QUESTION_MAX = 500
KEY_CONCEPTS_MIN = 1
KEY_CONCEPTS_MAX = 8
KEY_CONCEPT_MAX = 60  # one inline button label each

ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _max_len(value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValueError(f"is {len(value)} characters, the limit is {limit}")
    return value


class Step(_Strict):
    title: Text
    detail: Text

    @field_validator("title", "detail")
    @classmethod
    def _fits(cls, value: str) -> str:
        return _max_len(value, SOLUTION_TEXT_MAX)


class Solution(_Strict):
    """A worked solution, as on the seed page: steps, answer, check, hint, mistakes."""

    steps: list[Step] = Field(min_length=1)
    final_answer: Text
    quick_check: Text
    hint: Text
    common_mistakes: list[Text] = Field(default_factory=list)

    @field_validator("final_answer", "quick_check", "hint")
    @classmethod
    def _fits(cls, value: str) -> str:
        return _max_len(value, SOLUTION_TEXT_MAX)


class McqItem(_Strict):
    kind: Literal["mcq"]
    id: ItemId
    question: Text
    options: list[Text]
    correct: Text
    difficulty: Difficulty
    explanation: Text
    solution: Solution | None = None

    @field_validator("question")
    @classmethod
    def _question_fits(cls, value: str) -> str:
        return _max_len(value, POLL_QUESTION_MAX)

    @field_validator("options")
    @classmethod
    def _options_fit(cls, options: list[str]) -> list[str]:
        if not POLL_OPTIONS_MIN <= len(options) <= POLL_OPTIONS_MAX:
            raise ValueError(
                f"has {len(options)} options, the limit is {POLL_OPTIONS_MIN} to {POLL_OPTIONS_MAX}"
            )
        for number, option in enumerate(options, start=1):
            if len(option) > POLL_OPTION_MAX:
                raise ValueError(
                    f"option {number} is {len(option)} characters, the limit is {POLL_OPTION_MAX}"
                )
        duplicates = sorted({o for o in options if options.count(o) > 1})
        if duplicates:
            raise ValueError(f"duplicate option {duplicates[0]!r}")
        return options

    @field_validator("explanation")
    @classmethod
    def _explanation_fits(cls, value: str) -> str:
        _max_len(value, EXPLANATION_MAX)
        if value.count("\n") > EXPLANATION_LINE_FEEDS_MAX:
            raise ValueError(
                f"has {value.count(chr(10))} line feeds, the limit is {EXPLANATION_LINE_FEEDS_MAX}"
            )
        return value

    @field_validator("correct")
    @classmethod
    def _correct_is_an_option(cls, correct: str, info: ValidationInfo) -> str:
        options = info.data.get("options")
        if options is not None and correct not in options:
            raise ValueError(f"correct answer {correct!r} is not one of the options")
        return correct

    @property
    def correct_index(self) -> int:
        return self.options.index(self.correct)


class CardItem(_Strict):
    kind: Literal["card"]
    id: ItemId
    front: Text
    back: Text
    difficulty: Difficulty = Difficulty.EASY

    @field_validator("front", "back")
    @classmethod
    def _fits(cls, value: str) -> str:
        return _max_len(value, CARD_SIDE_MAX)


class PromptItem(_Strict):
    """An explain-it prompt: the learner explains, then ticks the key concepts they covered."""

    kind: Literal["prompt"]
    id: ItemId
    question: Text
    think_about: Text
    key_concepts: list[Text] = Field(min_length=KEY_CONCEPTS_MIN, max_length=KEY_CONCEPTS_MAX)
    difficulty: Difficulty = Difficulty.MEDIUM

    @field_validator("question")
    @classmethod
    def _question_fits(cls, value: str) -> str:
        return _max_len(value, PROMPT_QUESTION_MAX)

    @field_validator("key_concepts")
    @classmethod
    def _concepts_fit(cls, concepts: list[str]) -> list[str]:
        for number, concept in enumerate(concepts, start=1):
            if len(concept) > KEY_CONCEPT_MAX:
                raise ValueError(
                    f"concept {number} is {len(concept)} characters, the limit is {KEY_CONCEPT_MAX}"
                )
        return concepts


Item = Annotated[McqItem | CardItem | PromptItem, Field(discriminator="kind")]


class Deck(_Strict):
    id: ItemId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    description: Text
    # Decks are listed by (order, id); the first one is every learner's default.
    order: int = 100
    # The language the deck is written in (an IETF tag such as "en" or "pt-BR"), shown in /decks.
    language: (
        Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None
    ) = None
    items: list[Item] = Field(min_length=1)

    @property
    def mcqs(self) -> list[McqItem]:
        return [item for item in self.items if isinstance(item, McqItem)]

    @property
    def cards(self) -> list[CardItem]:
        return [item for item in self.items if isinstance(item, CardItem)]

    @property
    def prompts(self) -> list[PromptItem]:
        return [item for item in self.items if isinstance(item, PromptItem)]


class ContentBank:
    """Every deck, indexed by deck id and by item id. Built once, never mutated."""

    def __init__(self, decks: list[Deck]) -> None:
        self.decks: tuple[Deck, ...] = tuple(decks)
        self._decks = {deck.id: deck for deck in decks}
        self._items: dict[str, McqItem | CardItem | PromptItem] = {}
        self._deck_of: dict[str, str] = {}
        self._by_question: dict[str, list[McqItem]] = {}
        for deck in decks:
            for item in deck.items:
                self._items[item.id] = item
                self._deck_of[item.id] = deck.id
                if isinstance(item, McqItem):
                    self._by_question.setdefault(item.question, []).append(item)

    def deck(self, deck_id: str) -> Deck | None:
        return self._decks.get(deck_id)

    def item(self, item_id: str) -> McqItem | CardItem | PromptItem | None:
        return self._items.get(item_id)

    def questions_asking(self, question: str) -> list[McqItem]:
        """The quiz items whose question reads exactly `question` (as a sent poll shows it)."""
        return list(self._by_question.get(question, ()))

    def deck_of(self, item_id: str) -> Deck:
        return self._decks[self._deck_of[item_id]]

    def find_deck(self, query: str) -> Deck | None:
        """A deck by id, or by a case-insensitive prefix of its id or title."""
        wanted = query.strip().lower()
        if wanted in self._decks:
            return self._decks[wanted]
        for deck in self.decks:
            if deck.id.startswith(wanted) or deck.title.lower().startswith(wanted):
                return deck
        return None

    @property
    def default_deck(self) -> Deck:
        return self.decks[0]

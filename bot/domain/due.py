"""What is due: one definition for every number the learner is told.

An item is due when it is due at any moment before the learner's next daily prompt
(`planner.is_due_by`): the daily intro, the end of a session, /stats and the Mini App all
count with `count_due`, so they never disagree. Only items the content bank still has count
(the planner never offers the others).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import CardItem, ContentBank, McqItem, PromptItem
from bot.domain.memory import MemoryState, recall_probability
from bot.domain.planner import is_due_by


@dataclass(frozen=True)
class DueCounts:
    """Items due by the next daily prompt, by kind."""

    questions: int = 0  # quiz questions: what the daily session asks
    cards: int = 0  # flashcards
    prompts: int = 0  # explain-it prompts

    @property
    def total(self) -> int:
        return self.questions + self.cards + self.prompts

    @property
    def self_graded(self) -> int:
        """Flashcards and prompts: offered after the daily quiz, graded by the learner."""
        return self.cards + self.prompts


def count_due(
    memories: Mapping[str, MemoryState], bank: ContentBank, next_prompt: datetime
) -> DueCounts:
    questions = cards = prompts = 0
    for item_id, memory in memories.items():
        if not is_due_by(memory, next_prompt):
            continue
        item = bank.item(item_id)
        if isinstance(item, McqItem):
            questions += 1
        elif isinstance(item, CardItem):
            cards += 1
        elif item is not None:
            prompts += 1
    return DueCounts(questions, cards, prompts)


def studied_questions(bank: ContentBank, seen: Collection[str]) -> list[str]:
    """Quiz questions the learner has answered, in any deck, in deck order."""
    return [question.id for deck in bank.decks for question in deck.mcqs if question.id in seen]


def due_cards_and_prompts(
    bank: ContentBank,
    memories: Mapping[str, MemoryState],
    now: datetime,
    next_prompt: datetime,
    *,
    limit: int | None = None,
) -> list[CardItem | PromptItem]:
    """Seen cards and prompts (any deck) due before the next prompt, most forgotten first;
    at most `limit` of them (None: all).

    Daily revision is quiz polls only; these are counted at the summary and offered with one
    button, which opens a review session of them."""
    due: list[CardItem | PromptItem] = []
    for item_id, memory in memories.items():
        item = bank.item(item_id)
        if isinstance(item, CardItem | PromptItem) and is_due_by(memory, next_prompt):
            due.append(item)
    due.sort(key=lambda item: recall_probability(memories[item.id], now))
    return due if limit is None else due[:limit]


def offerable_questions(
    bank: ContentBank,
    memories: Mapping[str, MemoryState],
    asked: Collection[str],
    now: datetime,
    next_prompt: datetime,
) -> set[str]:
    """Questions due by the next prompt that a session's "more" may ask: not `asked` in it
    yet, or due already now."""
    return {
        item_id
        for item_id in studied_questions(bank, memories)
        if is_due_by(memories[item_id], next_prompt)
        and (item_id not in asked or memories[item_id].due <= now)
    }


def offerable_self_graded(
    bank: ContentBank,
    memories: Mapping[str, MemoryState],
    asked: Collection[str],
    now: datetime,
    next_prompt: datetime,
) -> list[str]:
    """Flashcards and prompts due by the next prompt that "more" may add to a review, most
    forgotten first: not `asked` in it yet, or due already now."""
    return [
        item.id
        for item in due_cards_and_prompts(bank, memories, now, next_prompt)
        if item.id not in asked or memories[item.id].due <= now
    ]

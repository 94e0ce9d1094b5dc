"""What is due: one definition for every number the learner is told.

An item is due when it is due at any moment before the learner's next daily prompt
(`planner.is_due_by`): the daily intro, the end of a session, /stats and the Mini App all
count with `count_due`, so they never disagree. Only items the content bank still has count
(the planner never offers the others).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import CardItem, ContentBank, McqItem
from bot.domain.memory import MemoryState
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

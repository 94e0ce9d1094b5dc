"""The "test this pattern" exam: ten questions across easy, medium and hard, then a verdict."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.models import Difficulty, McqItem

EXAM_SIZE = 10
# Out of ten: a few warm-ups, mostly medium, a few hard ones.
EXAM_MIX = {Difficulty.EASY: 3, Difficulty.MEDIUM: 4, Difficulty.HARD: 3}
STRONG_OVERALL = 0.8
STRONG_PER_LEVEL = 0.5


def pick_exam(questions: Sequence[McqItem], rng: random.Random, size: int = EXAM_SIZE) -> list[str]:
    """Up to `size` question ids, easy to hard, following EXAM_MIX as far as the deck allows."""
    by_level = {level: [q for q in questions if q.difficulty is level] for level in Difficulty}
    for pool in by_level.values():
        rng.shuffle(pool)
    wanted = {level: min(count, len(by_level[level])) for level, count in EXAM_MIX.items()}
    # A shorter exam keeps the mix's shape: trim the largest level first.
    while sum(wanted.values()) > size:
        largest = max(Difficulty, key=lambda level: wanted[level])
        wanted[largest] -= 1
    # A deck short of one level lends the gap to the others, in mix order.
    shortfall = min(size, len(questions)) - sum(wanted.values())
    for level in Difficulty:
        spare = len(by_level[level]) - wanted[level]
        extra = max(0, min(spare, shortfall))
        wanted[level] += extra
        shortfall -= extra
    return [q.id for level in Difficulty for q in by_level[level][: wanted[level]]]


@dataclass(frozen=True)
class LevelScore:
    difficulty: Difficulty
    right: int
    total: int


@dataclass(frozen=True)
class ExamResult:
    levels: tuple[LevelScore, ...]
    right: int
    total: int
    missed: tuple[str, ...]

    @property
    def strong(self) -> bool:
        if self.total == 0:
            return False
        return self.right / self.total >= STRONG_OVERALL and all(
            level.right / level.total >= STRONG_PER_LEVEL for level in self.levels if level.total
        )


def score_exam(questions: Sequence[McqItem], correct_by_item: dict[str, bool]) -> ExamResult:
    """Score the exam; a question left unanswered counts as missed."""
    levels = []
    for level in Difficulty:
        asked = [q for q in questions if q.difficulty is level]
        right = sum(1 for q in asked if correct_by_item.get(q.id, False))
        levels.append(LevelScore(level, right, len(asked)))
    missed = tuple(q.id for q in questions if not correct_by_item.get(q.id, False))
    right = sum(level.right for level in levels)
    return ExamResult(tuple(levels), right, len(questions), missed)

"""The memory model: one FSRS card per learner and item.

Wraps the `fsrs` package so the rest of the bot deals in plain, frozen
`MemoryState` values and `Grade`s, and never in fsrs objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache

from fsrs import Card, Rating, Scheduler, State

from bot.content.models import Difficulty

DEFAULT_RETENTION = 0.90
MIN_RETENTION = 0.80
MAX_RETENTION = 0.97


class Grade(StrEnum):
    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


_RATINGS = {
    Grade.AGAIN: Rating.Again,
    Grade.HARD: Rating.Hard,
    Grade.GOOD: Rating.Good,
    Grade.EASY: Rating.Easy,
}

# A right quiz answer slower than this is rated Hard instead of Good: reading a
# harder question honestly takes longer, so the threshold grows with difficulty.
SLOW_ANSWER_SECONDS = {
    Difficulty.EASY: 20.0,
    Difficulty.MEDIUM: 40.0,
    Difficulty.HARD: 60.0,
}


@dataclass(frozen=True)
class MemoryState:
    """What the learner's memory of one item looks like after their last review."""

    item_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0


def grade_quiz_answer(correct: bool, seconds: float | None, difficulty: Difficulty) -> Grade:
    if not correct:
        return Grade.AGAIN
    if seconds is not None and seconds > SLOW_ANSWER_SECONDS[difficulty]:
        return Grade.HARD
    return Grade.GOOD


def grade_explain_prompt(concepts_covered: int, concepts_total: int) -> Grade:
    """Rate an explain-it attempt by the share of key concepts the learner ticked."""
    if concepts_total <= 0:
        raise ValueError("an explain prompt has at least one key concept")
    share = concepts_covered / concepts_total
    if share >= 1.0:
        return Grade.EASY if concepts_total >= 3 else Grade.GOOD
    if share >= 0.75:
        return Grade.GOOD
    if share >= 0.5:
        return Grade.HARD
    return Grade.AGAIN


def validate_retention(value: float) -> float:
    if not MIN_RETENTION <= value <= MAX_RETENTION:
        raise ValueError(f"desired retention must be between {MIN_RETENTION} and {MAX_RETENTION}")
    return value


@cache
def _scheduler(desired_retention: float) -> Scheduler:
    # No fuzz: the same answers always give the same schedule, which makes the
    # learner's plan explainable and the tests exact.
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def review(
    previous: MemoryState | None,
    item_id: str,
    grade: Grade,
    now: datetime,
    desired_retention: float = DEFAULT_RETENTION,
) -> MemoryState:
    """The learner's memory of `item_id` after grading it `grade` at `now`."""
    now = now.astimezone(UTC)
    card = _to_card(previous) if previous is not None else Card(card_id=1, due=now)
    updated, _ = _scheduler(desired_retention).review_card(card, _RATINGS[grade], now)
    reps = previous.reps if previous else 0
    lapses = previous.lapses if previous else 0
    return MemoryState(
        item_id=item_id,
        state=int(updated.state),
        step=updated.step,
        stability=updated.stability,
        difficulty=updated.difficulty,
        due=updated.due,
        last_review=updated.last_review,
        reps=reps + 1,
        lapses=lapses + (1 if grade is Grade.AGAIN and previous is not None else 0),
    )


def recall_probability(
    memory: MemoryState, now: datetime, desired_retention: float = DEFAULT_RETENTION
) -> float:
    """Predicted chance the learner recalls the item at `now` (FSRS forgetting curve).

    fsrs' own `get_card_retrievability` counts whole days, so every item reviewed
    today would read 1.0; fractional days keep a miss an hour ago below a hit.
    """
    if memory.last_review is None or not memory.stability:
        return 0.0
    scheduler = _scheduler(desired_retention)
    decay = -scheduler.parameters[20]
    factor: float = 0.9 ** (1 / decay) - 1
    elapsed_days = max(0.0, (now - memory.last_review).total_seconds() / 86_400)
    return float((1 + factor * elapsed_days / memory.stability) ** decay)


def is_due(memory: MemoryState, now: datetime) -> bool:
    return memory.due <= now


def _to_card(memory: MemoryState) -> Card:
    return Card(
        card_id=1,
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due.astimezone(UTC),
        last_review=memory.last_review.astimezone(UTC) if memory.last_review else None,
    )

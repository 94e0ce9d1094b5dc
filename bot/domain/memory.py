"""The memory model: one FSRS card per learner and item.

Wraps the `fsrs` package so the rest of the bot deals in plain, frozen
`MemoryState` values and `Grade`s, and never in fsrs objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

from bot.content.models import Difficulty

DEFAULT_RETENTION = 0.90
DEFAULT_LEECH_LAPSES = 4
# Decided by bench/learning.py (docs/learning-benchmark.md); kept as a switch so the
# benchmark can measure both ways with the very function the bot calls.
GUESS_AWARE_GRADING = True
MIN_RETENTION = 0.80
MAX_RETENTION = 0.97
# FSRS-6's 21 weights. The defaults describe an average Anki user; bot/domain/fitting.py
# fits them to this bot's own answers (bot/storage/memory_fits.py keeps the fits).
Parameters = tuple[float, ...]
DEFAULT_PARAMETERS: Parameters = tuple(float(value) for value in Scheduler().parameters)
# The learning and relearning steps every scheduler here uses (fsrs's defaults).
_STEPS = Scheduler()


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
    # Sum of the recall FSRS predicted at each review after the first: set against the
    # answers actually given, it tells how much faster or slower this learner forgets.
    recall_predicted: float = 0.0


def grade_quiz_answer(
    correct: bool,
    seconds: float | None,
    difficulty: Difficulty,
    previous: MemoryState | None = None,
    *,
    guess_aware: bool = GUESS_AWARE_GRADING,
) -> Grade:
    """Again for a miss; Hard for a slow right answer or one that may be a guess; else Good.

    A 4-option question is answered right one time in four by someone who does not
    know it. Right after a miss (or on first sight, `previous` None) that is the
    likeliest way to be right, so the answer earns Hard, not Good: FSRS then does not
    stretch the interval on what may be luck. `bench/learning.py` measured this choice
    against plain grading (docs/learning-benchmark.md).
    """
    if not correct:
        return Grade.AGAIN
    if guess_aware and may_be_a_guess(previous):
        return Grade.HARD
    if seconds is not None and seconds > SLOW_ANSWER_SECONDS[difficulty]:
        return Grade.HARD
    return Grade.GOOD


def may_be_a_guess(previous: MemoryState | None) -> bool:
    """True when the learner had not shown they know the item: first sight or last answer missed."""
    if previous is None or previous.stability is None:
        return True
    return left_by_a_miss(previous)


def left_by_a_miss(memory: MemoryState) -> bool:
    """Whether the last answer that shaped `memory` was a miss (Again).

    fsrs puts a card answered Again into (Re)learning at step 0, due after that step's
    interval. A Hard answer at step 0 leaves it at step 0 too, but waits longer (half way
    to the next step, or 1.5 steps): the interval tells the two apart. Without that, a
    guess-graded Hard looked like a miss, so the next right answer was graded Hard again,
    and a question answered right day after day never left learning.
    """
    if memory.step != 0 or memory.last_review is None:
        return False
    if memory.state == State.Learning:
        first_step = _STEPS.learning_steps[0]
    elif memory.state == State.Relearning:
        first_step = _STEPS.relearning_steps[0]
    else:
        return False
    return memory.due - memory.last_review <= first_step


def is_leech(memory: MemoryState, leech_lapses: int) -> bool:
    """Missed `leech_lapses` times after first sight: drilling it blind is not working."""
    return memory.lapses >= leech_lapses


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


@lru_cache(maxsize=4096)
def _scheduler(desired_retention: float, parameters: Parameters = DEFAULT_PARAMETERS) -> Scheduler:
    # No fuzz: the same answers always give the same schedule, which makes the
    # learner's plan explainable and the tests exact.
    return Scheduler(
        parameters=parameters, desired_retention=desired_retention, enable_fuzzing=False
    )


def review(
    previous: MemoryState | None,
    item_id: str,
    grade: Grade,
    now: datetime,
    desired_retention: float = DEFAULT_RETENTION,
    parameters: Parameters = DEFAULT_PARAMETERS,
) -> MemoryState:
    """The learner's memory of `item_id` after grading it `grade` at `now`.

    `parameters`: the FSRS weights in force for this learner (a fit, else the defaults).
    """
    now = now.astimezone(UTC)
    card = _to_card(previous) if previous is not None else Card(card_id=1, due=now)
    scheduler = _scheduler(desired_retention, parameters)
    updated, _ = scheduler.review_card(card, _RATINGS[grade], now)
    reps = previous.reps if previous else 0
    lapses = previous.lapses if previous else 0
    predicted = previous.recall_predicted if previous else 0.0
    if previous is not None:
        predicted += recall_probability(previous, now, desired_retention, parameters)
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
        recall_predicted=predicted,
    )


def recall_probability(
    memory: MemoryState,
    now: datetime,
    desired_retention: float = DEFAULT_RETENTION,
    parameters: Parameters = DEFAULT_PARAMETERS,
) -> float:
    """Predicted chance the learner recalls the item at `now` (FSRS forgetting curve).

    fsrs' own `get_card_retrievability` counts whole days, so every item reviewed
    today would read 1.0; fractional days keep a miss an hour ago below a hit.
    """
    if memory.last_review is None or not memory.stability:
        return 0.0
    decay = -parameters[20]
    factor: float = 0.9 ** (1 / decay) - 1
    elapsed_days = max(0.0, (now - memory.last_review).total_seconds() / 86_400)
    return float((1 + factor * elapsed_days / memory.stability) ** decay)


def next_interval(
    stability: float,
    desired_retention: float = DEFAULT_RETENTION,
    parameters: Parameters = DEFAULT_PARAMETERS,
) -> int:
    """Whole days until a memory of `stability` falls to the desired retention."""
    return int(_scheduler(desired_retention, parameters)._next_interval(stability=stability))


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


@dataclass(frozen=True)
class ForgettingCurve:
    """FSRS-6's closed-form memory model, read from the scheduler's own parameters.

    Daily planning scores hundreds of items per learner, so it cannot afford a
    `Scheduler.review_card` per candidate; these are the same formulas fsrs uses
    (`_next_recall_stability`, `_next_forget_stability`, the power forgetting curve),
    evaluated directly on floats.
    """

    w: tuple[float, ...]
    decay: float
    factor: float

    def scaled(self, decay_scale: float) -> ForgettingCurve:
        """The same curve, forgetting `decay_scale` times as steeply (one learner's own pace)."""
        if decay_scale == 1.0:
            return self
        return ForgettingCurve(w=self.w, decay=self.decay * decay_scale, factor=self.factor)

    def recall(self, stability: float, elapsed_days: float) -> float:
        return float((1 + self.factor * max(0.0, elapsed_days) / stability) ** self.decay)

    def mean_recall(self, stability: float, start_days: float, end_days: float) -> float:
        """Average predicted recall between two ages of a memory (the curve's integral)."""
        power = self.decay + 1
        scale = stability / (self.factor * power)
        high = (1 + self.factor * end_days / stability) ** power
        low = (1 + self.factor * start_days / stability) ** power
        return float(scale * (high - low) / (end_days - start_days))

    def mean_memory(
        self, stability: float, start_days: float, end_days: float, guess: float = 0.0
    ) -> float:
        """Average memory between two ages, net of guessing: max(0, (R − g) / (1 − g)).

        A curve fitted to quiz answers predicts a right answer, and one in `guess` of
        those is luck: what the learner holds is the rest. `guess` 0: the curve itself
        (FSRS's default weights describe recall, not answers).
        """
        if guess <= 0:
            return self.mean_recall(stability, start_days, end_days)
        # R falls to the guess rate at this age; past it the memory is 0.
        floor_age = stability / self.factor * (guess ** (1 / self.decay) - 1)
        end = min(end_days, floor_age)
        if end <= start_days:
            return 0.0
        area = self.mean_recall(stability, start_days, end) * (end - start_days)
        return float((area - guess * (end - start_days)) / ((1 - guess) * (end_days - start_days)))

    def initial_stability(self, grade: Grade) -> float:
        return self.w[_GRADE_INDEX[grade]]

    def stability_after_recall(
        self, stability: float, difficulty: float, recall: float, grade: Grade = Grade.GOOD
    ) -> float:
        w = self.w
        hard_penalty = w[15] if grade is Grade.HARD else 1.0
        easy_bonus = w[16] if grade is Grade.EASY else 1.0
        growth = (
            math.exp(w[8])
            * (11 - difficulty)
            * stability ** -w[9]
            * (math.exp((1 - recall) * w[10]) - 1)
            * hard_penalty
            * easy_bonus
        )
        return float(stability * (1 + growth))

    def stability_after_lapse(self, stability: float, difficulty: float, recall: float) -> float:
        w = self.w
        long_term = (
            w[11]
            * difficulty ** -w[12]
            * ((stability + 1) ** w[13] - 1)
            * math.exp((1 - recall) * w[14])
        )
        return float(max(0.001, min(long_term, stability / math.exp(w[17] * w[18]))))


_GRADE_INDEX = {Grade.AGAIN: 0, Grade.HARD: 1, Grade.GOOD: 2, Grade.EASY: 3}


@lru_cache(maxsize=4096)
def forgetting_curve(parameters: Parameters = DEFAULT_PARAMETERS) -> ForgettingCurve:
    decay = -parameters[20]
    return ForgettingCurve(w=parameters, decay=decay, factor=0.9 ** (1 / decay) - 1)

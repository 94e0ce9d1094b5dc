"""Today's revision: which K questions a learner answers, chosen by what each adds to memory.

The rule
--------
A learner answers `size` (K) questions a day, usually fewer than are due, so the
session is a budget to spend, not a queue to drain. Each candidate gets a **value**:
the expected recall it adds, averaged over the next `HORIZON_DAYS`, if it is reviewed
now rather than left alone — all from FSRS's own model (`ForgettingCurve`, the same
parameters the scheduler uses):

* a seen question with stability S, difficulty D, last reviewed e days ago, has
  predicted recall r = R(e; S). Reviewed now, it is recalled with probability r and
  its stability becomes S⁺ (fsrs' recall formula; Hard when a right answer may be a
  guess), else S⁻ (fsrs' lapse formula). Its value is

      r · mean R(0..H; S⁺) + (1 − r) · mean R(0..H; S⁻)  −  mean R(e..e+H; S)

  i.e. the curve it will follow after today's review minus the curve it follows
  without one. Both means are the closed-form integral of the power forgetting curve.
* a new question is known not at all (recall 0 for the metric that matters, the
  learner's own); learning it starts a curve at fsrs' initial stability, so its value
  is the mean of that curve over H, averaged over a first answer that is a miss or a
  (possibly lucky) hit. New questions come from the active deck in deck order, at
  most today's new-item allowance.

The session is the K candidates of highest value, shown reviews first (most valuable
first), then new questions. Why value rather than "due first, then new": a due item
whose review barely moves its curve (a strong memory a day past its date) loses to
an unseen question that would go from nothing to something, and a question still
within reach outranks one so far gone that a review would most likely fail. In
bench/learning.py (docs/learning-benchmark.md) the old due-first rule reached 0.85
of the best simple schedule's day-60 recall on average, this rule 0.99.

Which weights
-------------
The values use FSRS's default weights, with the learner's own forgetting pace
(below), and not the weights fitted to the bot's answers (`fitting.py`), although
those predict held-out answers better under every learner model bench/learning.py
simulates. Checked against them, this rule does not prefer depth where memories grow
fast with practice (half-life regression, exponential learners): FSRS's stability
growth vanishes as recall nears 1, while there a review of a half-known question adds
the most. A fitted FSRS reproduces what the learner's answers were, not what a review
would do to them, and planning with it kept less in memory than with the defaults in
every variant measured (docs/learning.md: 0.89–0.98 of the best simple schedule
against 1.00). `guess`: weights that predict right answers rather than memory (a
plain fit of quiz answers) are valued net of guessing, max(0, (R − g) / (1 − g)).

Nor does it value reviews with the half-life regression the refit job fits beside FSRS
(`hlr.py`), although that family predicts held-out answers best for some learner models.
Given an `hlr` model, the planner values every seen question (not only the due ones) by
the gain in mean predicted recall over the horizon if reviewed now, and a new one by its
first curve's mean; bench/learning.py's `bot-model` chooses the family each night by
held-out log loss and plans this way: mean 0.92 of the best simple schedule against the
live rule's 1.00 (docs/learning.md). With each learner's *true* memory model the same
one-review-ahead rule reaches 1.11–1.17 on average, but stays below round-robin for ACT-R
learners at every horizon tried: those learners gain from even, wide spacing over the
whole deck, which a one-review-ahead gain does not see.

Which items are candidates
--------------------------
* **Day-granular due dates.** The learner meets the bot once a day, so an item due
  at any moment before their *next* daily prompt is due at this one: reviewing it
  tomorrow would be a day late. The caller passes `next_prompt` (local daily time in
  the learner's zone, so DST days of 23 or 25 hours count as one day).
* Due questions come from every deck the learner has answered in; new ones from the
  active deck only.
* **A full session while there is anything to learn.** If due and new questions give
  fewer than K, the rest are the seen questions most at risk (lowest predicted
  recall now), then new questions the pace held back (within the allowance), then
  resting leeches: the learner's time is never left unused while anything is left.
* **This learner's own curve.** FSRS's default weights describe an average learner.
  Every review stores the recall FSRS predicted for it; set against the answers given
  (less the 1-in-4 guesses) that fits how much steeper or flatter this learner's
  forgetting curve is (`LearnerRecord.decay_scale`), and the values above use that
  curve. bench/learning.py: without it, learners who forget fast meet every question
  once and keep none.
* **Pace of new questions.** While reviews are waiting, new questions take a share of
  the session that follows the share of reviews the learner kept (`new_share`).
* **Leeches** (missed `leech_lapses` times) keep their place by value, but take at
  most half of a session (one in a session of two or three) and are not shown
  two days running: a question the learner keeps missing must not crowd out everything
  else. They come back as fillers when nothing else is left. bench/learning.py: at
  most one leech per session cost up to a tenth of day-60 recall where K = 10 (hard
  questions are the ones that pile up lapses, and they still need drilling).
* The items of one session are distinct, so "never the same item twice in a row"
  holds within it; across days the item last shown is eligible again (a skipped
  session must not hide its most urgent item).

Speed: this runs for every learner at their daily time (`bench/daily_fanout.py`
plans 10,000 learners × 200 reviews), so the value is computed only for due
questions, in closed form on numpy arrays (`ValueModel`), never with fsrs'
Scheduler per candidate.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from bot.domain.hlr import HlrModel, HlrValues
from bot.domain.memory import (
    DEFAULT_LEECH_LAPSES,
    DEFAULT_PARAMETERS,
    ForgettingCurve,
    Grade,
    MemoryState,
    Parameters,
    forgetting_curve,
    is_leech,
    left_by_a_miss,
    may_be_a_guess,
)

# "The coming weeks": long enough that a lasting memory is worth more than a
# short one, short enough that today's choice is not judged on a far future that
# later reviews will reshape anyway. bench/learning.py: 14, 30 and 60 days are
# within 1 % of each other.
HORIZON_DAYS = 30.0
# Chance that a learner's first answer to a question is right (a guess or prior
# knowledge); the new-item value averages over the two outcomes.
FIRST_ANSWER_RIGHT = 0.5
# Right by luck one time in four on a 4-option question (the shipped decks' format).
GUESS_CHANCE = 0.25
# Calibration: the learner's forgetting-curve exponent is FSRS's times a factor fitted
# to their answers, trusted in proportion n / (n + CALIBRATION_PRIOR) for n reviews
# and kept within DECAY_SCALE_RANGE.
CALIBRATION_PRIOR = 20.0
DECAY_SCALE_RANGE = (0.3, 3.0)
# Pace of new questions while reviews wait: NEW_SHARE of the session until
# MIN_REVIEWS reviews tell; then from NEW_FLOOR (share of reviews kept <= KEEP_LOW)
# up to the whole session (every review kept).
NEW_SHARE = 0.6
NEW_FLOOR = 0.2
MIN_REVIEWS = 5
KEEP_LOW = 0.7
KEEP_HIGH = 1.0
# A leech is offered at most once in this long (two days: never on consecutive days).
LEECH_REST = timedelta(days=2)
# Leeches take at most this share of a session (at least one place).
LEECH_SHARE = 0.5
_SECONDS_PER_DAY = 86_400.0
# Whether the live bot plans and schedules a learner with their own fitted model. It does
# not (see "Which weights" above); /stats text tells the learner so.
USES_OWN_FITS = False


@dataclass(frozen=True)
class LearnerRecord:
    """What the learner's reviews of questions (after first sight) say about them."""

    reviews: int
    lapses: int
    recall_predicted: float

    def decay_scale(self, guess: float = GUESS_CHANCE) -> float:
        """How much steeper than FSRS's curve this learner forgets (1: as predicted).

        Right answers include guesses. When the curve predicts recall (FSRS's default
        weights), the recall they show is (share right − guess) / (1 − guess); when it
        predicts right answers (a fit to them: `guess` 0 here), the share right itself.
        A power curve R^k has the same shape as FSRS's with its exponent times k, so
        k = ln(shown) / ln(predicted).
        """
        if self.reviews == 0:
            return 1.0
        right = 1 - self.lapses / self.reviews
        shown = min(0.99, max(0.05, (right - guess) / (1 - guess)))
        predicted = min(0.99, max(0.05, self.recall_predicted / self.reviews))
        fitted = math.log(shown) / math.log(predicted)
        trust = self.reviews / (self.reviews + CALIBRATION_PRIOR)
        low, high = DECAY_SCALE_RANGE
        return min(high, max(low, 1 + (fitted - 1) * trust))

    def new_share(self) -> float:
        """How much of a session new questions may take: new ones at the pace old ones stick."""
        if self.reviews < MIN_REVIEWS:
            return NEW_SHARE
        kept = 1 - self.lapses / self.reviews
        return min(1.0, max(NEW_FLOOR, (kept - KEEP_LOW) / (KEEP_HIGH - KEEP_LOW)))


@dataclass(frozen=True)
class DailyPlan:
    item_ids: list[str]
    due: int  # questions due by the next prompt (before the budget was applied)


def is_due_by(memory: MemoryState, next_prompt: datetime) -> bool:
    """Due at this prompt: due at any moment before the learner's next one."""
    return memory.due < next_prompt


def review_value(
    memory: MemoryState,
    now: datetime,
    curve: ForgettingCurve,
    horizon_days: float = HORIZON_DAYS,
    guess: float = 0.0,
) -> float:
    """Expected memory added over the horizon by reviewing `memory` now (see module doc).

    `guess`: the share of luck in the right answers the curve predicts (see `plan_daily`).
    """
    stability, difficulty = memory.stability, memory.difficulty
    if not stability or difficulty is None or memory.last_review is None:
        return new_item_value(curve, horizon_days, guess)
    elapsed = max(0.0, (now - memory.last_review).total_seconds() / _SECONDS_PER_DAY)
    recall = curve.recall(stability, elapsed)
    right_grade = Grade.HARD if may_be_a_guess(memory) else Grade.GOOD
    after_hit = curve.stability_after_recall(stability, difficulty, recall, right_grade)
    after_miss = curve.stability_after_lapse(stability, difficulty, recall)
    with_review = recall * curve.mean_memory(after_hit, 0.0, horizon_days, guess) + (
        1 - recall
    ) * curve.mean_memory(after_miss, 0.0, horizon_days, guess)
    without = curve.mean_memory(stability, elapsed, elapsed + horizon_days, guess)
    return with_review - without


class ValueModel:
    """`review_value` for many questions at once, on numpy arrays.

    The daily fan-out values every due question of every learner; one item at a time
    in Python that is twice the time of the old due-first sort, on arrays it is about
    the same. Equal to `review_value` (tests/domain/test_planner.py checks it).
    """

    def __init__(self, curve: ForgettingCurve, horizon_days: float, guess: float = 0.0) -> None:
        w = curve.w
        self.guess = guess
        self.decay = curve.decay
        self.power = curve.decay + 1
        self.factor = curve.factor
        self.horizon = horizon_days
        self.scale = 1 / (curve.factor * self.power * horizon_days)
        self.growth = math.exp(w[8])
        self.w9, self.w10, self.w11, self.w12, self.w13, self.w14 = w[9:15]
        self.hard_penalty = w[15]
        self.short_term = math.exp(w[17] * w[18])

    def scored(
        self, due: Sequence[tuple[str, MemoryState, int]], now: datetime
    ) -> list[tuple[float, int, str]]:
        """(value, -deck order, id) of each due question, computed on arrays at once."""
        if not due:
            return []
        memories = [memory for _, memory, _ in due]
        stability = np.array([memory.stability for memory in memories], dtype=float)
        difficulty = np.array([memory.difficulty for memory in memories], dtype=float)
        now_seconds = now.timestamp()
        elapsed = np.maximum(
            0.0,
            (now_seconds - np.array([m.last_review.timestamp() for m in memories]))  # type: ignore[union-attr]
            / _SECONDS_PER_DAY,
        )
        guess = np.array([left_by_a_miss(memory) for memory in memories])
        factor, horizon = self.factor, self.horizon
        base = 1 + factor * elapsed / stability
        recall = base**self.decay
        growth = (
            self.growth
            * (11 - difficulty)
            * stability**-self.w9
            * (np.exp((1 - recall) * self.w10) - 1)
        )
        growth = np.where(guess, growth * self.hard_penalty, growth)
        hit = stability * (1 + growth)
        miss = (
            self.w11
            * difficulty**-self.w12
            * ((stability + 1) ** self.w13 - 1)
            * np.exp((1 - recall) * self.w14)
        )
        miss = np.maximum(0.001, np.minimum(miss, stability / self.short_term))
        if self.guess > 0:
            with_review = recall * self._memory(hit, 0.0) + (1 - recall) * self._memory(miss, 0.0)
            without = self._memory(stability, elapsed)
            values = ((with_review - without) / horizon).tolist()
        else:  # the same integrals, fused (this is the daily fan-out's hot path)
            power = self.power
            with_review = recall * hit * ((1 + factor * horizon / hit) ** power - 1) + (
                1 - recall
            ) * miss * ((1 + factor * horizon / miss) ** power - 1)
            without = stability * ((base + factor * horizon / stability) ** power - base * recall)
            values = (self.scale * (with_review - without)).tolist()
        return [
            (value, -order, item_id) for value, (item_id, _, order) in zip(values, due, strict=True)
        ]

    def _memory(self, stability: np.ndarray, start: np.ndarray | float) -> np.ndarray:
        """∫ memory over [start, start + horizon] (net of guessing: `mean_memory`)."""
        factor, power = self.factor, self.power

        def area(end: np.ndarray | float) -> np.ndarray:
            return np.asarray(
                stability / (factor * power) * ((1 + factor * end / stability) ** power - 1)
            )

        end = start + self.horizon
        if self.guess <= 0:
            return np.asarray(area(end) - area(start))
        floor_age = stability / factor * (self.guess ** (1 / self.decay) - 1)
        end = np.maximum(start, np.minimum(end, floor_age))
        return np.asarray((area(end) - area(start) - self.guess * (end - start)) / (1 - self.guess))


def new_item_value(
    curve: ForgettingCurve, horizon_days: float = HORIZON_DAYS, guess: float = 0.0
) -> float:
    """What learning an unseen question adds: from no memory to fsrs' first curve."""
    hit = curve.mean_memory(curve.initial_stability(Grade.HARD), 0.0, horizon_days, guess)
    miss = curve.mean_memory(curve.initial_stability(Grade.AGAIN), 0.0, horizon_days, guess)
    return FIRST_ANSWER_RIGHT * hit + (1 - FIRST_ANSWER_RIGHT) * miss


def plan_daily(
    seen: Sequence[str],
    new: Sequence[str],
    memories: Mapping[str, MemoryState],
    now: datetime,
    next_prompt: datetime,
    *,
    size: int,
    new_allowance: int,
    leech_lapses: int = DEFAULT_LEECH_LAPSES,
    horizon_days: float = HORIZON_DAYS,
    parameters: Parameters = DEFAULT_PARAMETERS,
    own_fit: bool = False,
    guess: float = 0.0,
    hlr: HlrModel | None = None,
    recalls: Mapping[str, tuple[float, float]] | None = None,
) -> DailyPlan:
    """Today's session: up to `size` distinct questions, most valuable first.

    `seen`: questions with a memory state (any deck); `new`: unseen questions of the
    active deck in deck order. Empty only when both are empty. `parameters`: the FSRS
    weights in force for this learner (their own fit, the population's, or the
    defaults); `own_fit`: they are the learner's own, so no further calibration.
    `guess`: the share of luck in the right answers the weights predict, if they
    predict right answers rather than memory; values are memory net of it. 0 for FSRS's
    defaults and the bot's own fits, which describe memory (`fitting.fit_weights`).
    """
    reviews = lapses = 0
    predicted = 0.0
    due: list[tuple[str, MemoryState, int]] = []  # id, memory, deck order
    held_back: list[str] = []  # resting leeches, then leeches beyond today's share
    for order, item_id in enumerate(seen):
        memory = memories[item_id]
        reviews += memory.reps - 1
        lapses += memory.lapses
        predicted += memory.recall_predicted
        if memory.due >= next_prompt:
            continue
        if memory.lapses >= leech_lapses and _resting(memory, now):
            held_back.append(item_id)
        else:
            due.append((item_id, memory, order))
    due_count = len(due) + len(held_back)
    record = LearnerRecord(reviews, lapses, predicted)
    curve = forgetting_curve(parameters)
    if not own_fit:
        # A curve of right answers is set against the share right; one of recall, against
        # the share right less the guesses.
        curve = curve.scaled(record.decay_scale(GUESS_CHANCE if guess == 0 else 0.0))
    new_slots = min(new_allowance, size)
    if hlr is not None:
        # The same pace of new questions (without it: hlr K=10 0.63 of Leitner, not 0.73).
        if seen:
            new_slots = min(new_slots, round(size * record.new_share()))
        scored, fresh = _hlr_candidates(
            hlr, seen, new, memories, now, held_back, horizon_days, new_slots, recalls or {}
        )
    else:
        scored = ValueModel(curve, horizon_days, guess).scored(due, now)
        new_value = new_item_value(curve, horizon_days, guess)
        if scored:
            new_slots = min(new_slots, round(size * record.new_share()))
        # Deck order among equals: earlier new items rank higher (larger second key).
        fresh = [
            (new_value, len(seen) + len(new) - index, item_id)
            for index, item_id in enumerate(new[: max(0, new_slots)])
        ]
    chosen: list[str] = []
    leech_cap = max(1, math.floor(size * LEECH_SHARE))
    leeches_taken = 0
    for _, _, item_id in heapq.nlargest(len(scored) + len(fresh), scored + fresh):
        if len(chosen) == size:
            break
        known = memories.get(item_id)
        if known is not None and is_leech(known, leech_lapses):
            if leeches_taken >= leech_cap:
                held_back.append(item_id)
                continue
            leeches_taken += 1
        chosen.append(item_id)
    if len(chosen) < size:
        chosen += _most_at_risk(seen, memories, now, next_prompt, size - len(chosen), curve)
    if len(chosen) < size:  # the pace held new questions back, but nothing else is left
        spare = [item_id for item_id in new[: max(0, new_allowance)] if item_id not in chosen]
        chosen += spare[: size - len(chosen)]
    if len(chosen) < size:
        chosen += held_back[: size - len(chosen)]
    # Shown reviews first (most valuable first, so a recent miss leads), then new questions.
    chosen.sort(key=lambda item_id: item_id not in memories)
    return DailyPlan(item_ids=chosen, due=due_count)


def _hlr_candidates(
    hlr: HlrModel,
    seen: Sequence[str],
    new: Sequence[str],
    memories: Mapping[str, MemoryState],
    now: datetime,
    held_back: list[str],
    horizon_days: float,
    new_slots: int,
    recalls: Mapping[str, tuple[float, float]],
) -> tuple[list[tuple[float, int, str]], list[tuple[float, int, str]]]:
    """Every seen question (not only the due ones) and the new ones, valued under HLR."""
    resting = set(held_back)
    rows: list[tuple[str, float, float, float, int]] = []
    for order, item_id in enumerate(seen):
        memory = memories[item_id]
        if item_id in resting or memory.last_review is None:
            continue
        elapsed = (now - memory.last_review).total_seconds() / _SECONDS_PER_DAY
        right, missed = recalls.get(
            item_id, (memory.reps - 1.0 - memory.lapses, float(memory.lapses))
        )
        rows.append((item_id, right, missed, elapsed, order))
    values = HlrValues(hlr, horizon_days)
    fresh_ids = list(new[: max(0, new_slots)])
    fresh = [
        (value, len(seen) + len(new) - index, item_id)
        for index, (item_id, value) in enumerate(
            zip(fresh_ids, values.new_values(fresh_ids), strict=True)
        )
    ]
    return values.scored(rows), fresh


def _resting(memory: MemoryState, now: datetime) -> bool:
    return memory.last_review is not None and now - memory.last_review < LEECH_REST


def _most_at_risk(
    seen: Sequence[str],
    memories: Mapping[str, MemoryState],
    now: datetime,
    next_prompt: datetime,
    count: int,
    curve: ForgettingCurve,
) -> list[str]:
    """Not-yet-due questions with the lowest predicted recall now."""
    risk: list[tuple[float, str]] = []
    for item_id in seen:
        memory = memories[item_id]
        if memory.due < next_prompt or not memory.stability or memory.last_review is None:
            continue
        elapsed = (now - memory.last_review).total_seconds() / _SECONDS_PER_DAY
        risk.append((curve.recall(memory.stability, elapsed), item_id))
    return [item_id for _, item_id in heapq.nsmallest(count, risk)]

"""Do learners remember more with the bot's daily plan than with simple schedules?

Simulated learners answer K four-option quiz questions a day for 60 days from a
60-question deck with the shipped decks' mix of difficulty. What they *really*
remember follows one of four ground-truth memory models, none of them the bot's
FSRS:

* ``exp``: exponential forgetting, p = 2^(−t/h). Per-learner ability and per-item
  difficulty set the first half-life; a recall grows it the more, the more was
  forgotten (spacing effect); a miss halves it.
* ``actr``: ACT-R activation with spacing-dependent decay (Pavlik & Anderson 2005):
  m = ln Σ t_j^(−d_j), d_j = c·e^(m_j) + α, p = 1 / (1 + e^((τ − m)/s)), per-learner α
  and per-item τ.
* ``fsrs6``: the FSRS-6 formulas implemented here (not the bot's scheduler), with
  per-learner weights drawn around the defaults and a per-learner forgetting-curve
  decay far from the bot's 0.1542.
* ``hlr``: half-life regression (Settles & Meeder 2016): each recall multiplies the
  half-life and each miss divides it, however they are spaced.

Every answer: right by recall, or by a 1-in-4 guess when not recalled; either way the
learner then sees the right answer (a study event for the model). Metric: the
learner's true recall averaged over the whole deck (unseen = 0; a guess is not
recall) at 09:00 on day 30 and day 60, before that day's session.

The population is simulated day by day, all learners together: a bot that fits FSRS
weights (``bot-fit`` and the other fitted variants, see POPULATION_POLICIES) runs the
refit job's rule each night on the answers given so far, and the next morning's plans
use what it accepted.

Policies: ``bot`` (the live bot: ``bot.domain.planner.plan_daily``,
``grade_quiz_answer`` and ``review`` called as the daily flow and the answer flow call
them, with FSRS's default weights calibrated to each learner's answers), the fitted
variants (``bot-fit`` by default; the rest with ``--variants``), ``bot-plain`` (plain
grading) and ``due-first`` (the daily plan the bot had before: due first then new),
``random``, ``most-missed`` (most misses first, then least recently shown), ``leitner``
(5 boxes: 1, 2, 4, 8, 16 days; due first, then new, then the soonest due) and
``round-robin``. Every policy fills all K slots a day.

``oracle`` knows each learner's true memory model: it picks, per learner, the best of
``greedy-final`` (each day the K items whose review adds the most expected true recall
at the last day), ``greedy-mean`` (the same averaged over every remaining day) and the
four baselines, by rollouts of that learner's true model on other luck streams, and is
then measured like every policy. It is the ceiling the report measures the bot against.

Run: .venv/bin/python bench/learning.py           # 40 learners x 1 seed per cell, minutes
     .venv/bin/python bench/learning.py --full    # 200 learners x 3 seeds
     .venv/bin/python bench/learning.py --variants  # every version of the bot
"""

from __future__ import annotations

import argparse
import copy
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_bank  # noqa: E402
from bot.content.models import Difficulty, McqItem  # noqa: E402
from bot.domain.chooser import plan_session  # noqa: E402
from bot.domain.daily import next_prompt_at  # noqa: E402
from bot.domain.fitting import (  # noqa: E402
    FIT_GUESS,
    HLR,
    Answer,
    Histories,
    evaluate,
    refit,
    refit_due,
    replay,
)
from bot.domain.hlr import HlrModel, HlrWeights, fit_and_check, recall_counts  # noqa: E402
from bot.domain.memory import (  # noqa: E402
    DEFAULT_LEECH_LAPSES,
    DEFAULT_PARAMETERS,
    MemoryState,
    Parameters,
    grade_quiz_answer,
    review,
)
from bot.domain.planner import GUESS_CHANCE, HORIZON_DAYS, plan_daily  # noqa: E402

DECK_SIZE = 60
OPTIONS = 4
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAILY_TIME = "09:00"
NEW_ITEMS_PER_DAY = 10  # Settings.new_items_per_day default
ANSWER_SECONDS = 12.0  # a quick answer: the bot's "slow" rule stays out of the comparison
MODELS = ("exp", "actr", "fsrs6", "hlr")
BUDGETS = (5, 10)
ATTENDANCE = (1.0, 0.7)
BASELINES = ("random", "most-missed", "leitner", "round-robin")
DIFFICULTY_SHIFT = {Difficulty.EASY: 0.0, Difficulty.MEDIUM: 1.0, Difficulty.HARD: 2.0}


def deck_difficulties() -> list[Difficulty]:
    """60 questions in the shipped decks' proportions of easy, medium and hard."""
    bank = load_bank(ROOT / "content")
    found = [
        item.difficulty for deck in bank.decks for item in deck.items if isinstance(item, McqItem)
    ]
    mix: list[Difficulty] = []
    for level in Difficulty:
        mix += [level] * round(DECK_SIZE * found.count(level) / len(found))
    mix = (mix + [Difficulty.MEDIUM] * DECK_SIZE)[:DECK_SIZE]
    random.Random(0).shuffle(mix)
    return mix


# --- ground truth -------------------------------------------------------------------


class Truth(Protocol):
    def recall(self, item: int, day: float) -> float: ...
    def study(self, item: int, day: float, recalled: bool) -> None: ...
    def recall_all(self, day: float) -> np.ndarray:
        """True recall of every item of the deck at `day` (0 for unseen)."""
        ...

    def outcomes(self, at: float, days: np.ndarray) -> tuple[np.ndarray, ...]:
        """For every item, if studied at `at`: (recall at `at`, recall at each of `days`
        without the study, after a study recalled, after one missed): arrays (items,),
        (items, len(days)) × 3. Only the oracle asks."""
        ...


class ExponentialLearner:
    def __init__(self, rng: random.Random, difficulty: Sequence[Difficulty]) -> None:
        self.ability = math.exp(rng.gauss(0.0, 0.35))
        item_factor = [
            math.exp(0.35 * DIFFICULTY_SHIFT[level] + rng.gauss(0.0, 0.25)) for level in difficulty
        ]
        self.strength = np.array([self.ability / factor for factor in item_factor])
        self.half_life = np.zeros(len(difficulty))  # 0: never seen
        self.last = np.zeros(len(difficulty))

    def recall(self, item: int, day: float) -> float:
        if self.half_life[item] == 0:
            return 0.0
        return float(2.0 ** (-(day - self.last[item]) / self.half_life[item]))

    def recall_all(self, day: float) -> np.ndarray:
        seen = self.half_life > 0
        return np.where(seen, 2.0 ** (-(day - self.last) / np.where(seen, self.half_life, 1)), 0)

    def _after(self, at: float, recalled: bool) -> np.ndarray:
        first = 1.5 * self.strength
        if recalled:
            forgotten = 1.0 - self.recall_all(at)
            grown = self.half_life * (1.0 + 3.0 * self.strength * forgotten)
        else:
            grown = np.maximum(first, 0.5 * self.half_life)
        return np.where(self.half_life > 0, grown, first)

    def study(self, item: int, day: float, recalled: bool) -> None:
        strength = float(self.strength[item])
        first = 1.5 * strength
        if self.half_life[item] == 0:
            self.half_life[item] = first
        elif recalled:
            # The spacing effect: a recall that was hard (low p) strengthens the most.
            forgotten = 1.0 - self.recall(item, day)
            self.half_life[item] *= 1.0 + 3.0 * strength * forgotten
        else:
            self.half_life[item] = max(first, 0.5 * self.half_life[item])
        self.last[item] = day

    def outcomes(self, at: float, days: np.ndarray) -> tuple[np.ndarray, ...]:
        now = self.recall_all(at)
        seen = (self.half_life > 0)[:, None]
        safe = np.where(self.half_life > 0, self.half_life, 1)[:, None]
        without = np.where(seen, 2.0 ** (-(days[None, :] - self.last[:, None]) / safe), 0)
        hit = 2.0 ** (-(days[None, :] - at) / self._after(at, True)[:, None])
        miss = 2.0 ** (-(days[None, :] - at) / self._after(at, False)[:, None])
        return now, without, hit, miss


class ActrLearner:
    """Pavlik & Anderson (2005) with time in hours (a floor of 15 minutes per trace)."""

    C = 0.25
    S = 0.3

    def __init__(self, rng: random.Random, difficulty: Sequence[Difficulty]) -> None:
        self.alpha = max(0.12, rng.gauss(0.25, 0.05))
        base = rng.gauss(-0.9, 0.25)
        self.threshold = np.array(
            [base + 0.35 * DIFFICULTY_SHIFT[level] + rng.gauss(0.0, 0.2) for level in difficulty]
        )
        items = len(difficulty)
        # Trace j of item i: studied at times[i, j] (days) with decay decays[i, j]; unused
        # slots have decay inf (they add 0).
        self.times = np.zeros((items, 8))
        self.decays = np.full((items, 8), np.inf)
        self.count = np.zeros(items, dtype=int)

    def _totals(self, hours_at: np.ndarray | float) -> np.ndarray:
        """Σ_j t_j^(−d_j) per item, at `hours_at` (scalar, or one column per time)."""
        at = np.asarray(hours_at, dtype=float)
        ages = np.maximum(at.reshape(1, 1, -1) - 24.0 * self.times[:, :, None], 0.25)
        # Unused slots (decay inf) add 0: their age is set to 2 hours, and 2^-inf = 0.
        ages = np.where(np.isinf(self.decays)[:, :, None], 2.0, ages)
        return np.sum(ages ** -self.decays[:, :, None], axis=1)  # (items, times)

    def _activation(self, item: int, day: float) -> float:
        used = self.count[item]
        if used == 0:
            return -math.inf
        ages = np.maximum(24.0 * (day - self.times[item, :used]), 0.25)
        return math.log(float(np.sum(ages ** -self.decays[item, :used])))

    def _p(self, totals: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            activation = np.log(totals)
        return 1.0 / (1.0 + np.exp((threshold - activation) / self.S))

    def recall(self, item: int, day: float) -> float:
        if self.count[item] == 0:
            return 0.0
        activation = self._activation(item, day)
        return 1.0 / (1.0 + math.exp((self.threshold[item] - activation) / self.S))

    def recall_all(self, day: float) -> np.ndarray:
        totals = self._totals(24.0 * day)[:, 0]
        return np.where(self.count > 0, self._p(totals, self.threshold), 0.0)

    def study(self, item: int, day: float, recalled: bool) -> None:
        activation = self._activation(item, day)
        decay = self.C * math.exp(activation) + self.alpha if activation > -math.inf else self.alpha
        used = self.count[item]
        if used == self.times.shape[1]:
            grow = self.times.shape[1]
            self.times = np.pad(self.times, ((0, 0), (0, grow)))
            self.decays = np.pad(self.decays, ((0, 0), (0, grow)), constant_values=np.inf)
        self.times[item, used] = day
        self.decays[item, used] = decay
        self.count[item] = used + 1

    def outcomes(self, at: float, days: np.ndarray) -> tuple[np.ndarray, ...]:
        now_total = self._totals(24.0 * at)[:, 0]
        seen = self.count > 0
        now = np.where(seen, self._p(now_total, self.threshold), 0.0)
        decay = np.where(seen, self.C * now_total + self.alpha, self.alpha)
        totals = self._totals(24.0 * days)
        added = np.maximum(24.0 * (days[None, :] - at), 0.25) ** -decay[:, None]
        threshold = self.threshold[:, None]
        without = np.where(seen[:, None], self._p(totals, threshold), 0.0)
        after = self._p(totals + added, threshold)
        # ACT-R: a study adds the same trace whether or not it was recalled.
        return now, without, after, after


FSRS6_DEFAULTS = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip


class Fsrs6Learner:
    """FSRS-6 written out here, weights drawn per learner (decay 0.25–0.6, unlike the bot's)."""

    def __init__(self, rng: random.Random, difficulty: Sequence[Difficulty]) -> None:
        w = [value * math.exp(rng.gauss(0.0, 0.25)) for value in FSRS6_DEFAULTS]
        w[20] = rng.uniform(0.25, 0.6)
        self.w = w
        self.factor = 0.9 ** (-1 / w[20]) - 1
        self.shift = np.array(
            [DIFFICULTY_SHIFT[level] * 1.5 + rng.gauss(0.0, 0.5) for level in difficulty]
        )
        items = len(difficulty)
        self.stability = np.zeros(items)  # 0: never seen
        self.difficulty = np.zeros(items)
        self.last = np.zeros(items)

    def recall(self, item: int, day: float) -> float:
        stability = self.stability[item]
        if stability == 0:
            return 0.0
        return float((1 + self.factor * (day - self.last[item]) / stability) ** -self.w[20])

    def recall_all(self, day: float) -> np.ndarray:
        seen = self.stability > 0
        safe = np.where(seen, self.stability, 1.0)
        return np.where(seen, (1 + self.factor * (day - self.last) / safe) ** -self.w[20], 0.0)

    def _next(
        self,
        index: np.ndarray | slice,
        seen: np.ndarray,
        r: np.ndarray,
        rating: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        w = self.w
        stability, diff = self.stability[index], self.difficulty[index]
        initial_d = np.clip(w[4] - math.exp(w[5] * (rating - 1)) + 1 + self.shift[index], 1, 10)
        safe = np.where(seen, stability, 1.0)
        if rating == 3:
            grown = safe * (
                1 + math.exp(w[8]) * (11 - diff) * safe ** -w[9] * (np.exp((1 - r) * w[10]) - 1)
            )
        else:
            grown = np.minimum(
                w[11]
                * np.maximum(diff, 1.0) ** -w[12]
                * ((safe + 1) ** w[13] - 1)
                * np.exp((1 - r) * w[14]),
                safe,
            )
        delta = -w[6] * (rating - 3)
        easy_d = w[4] - math.exp(w[5] * 3) + 1
        new_d = np.clip(w[7] * easy_d + (1 - w[7]) * (diff + delta * (10 - diff) / 9), 1.0, 10.0)
        return (
            np.where(seen, np.maximum(0.01, grown), w[rating - 1]),
            np.where(seen, new_d, initial_d),
        )

    def study(self, item: int, day: float, recalled: bool) -> None:
        index = np.array([item])
        seen = self.stability[index] > 0
        r = np.array([self.recall(item, day)])
        stability, diff = self._next(index, seen, r, 3 if recalled else 1)
        self.stability[item], self.difficulty[item] = stability[0], diff[0]
        self.last[item] = day

    def outcomes(self, at: float, days: np.ndarray) -> tuple[np.ndarray, ...]:
        now = self.recall_all(at)
        seen = self.stability > 0
        safe = np.where(seen, self.stability, 1.0)[:, None]
        decay = -self.w[20]
        ages = days[None, :] - self.last[:, None]
        without = np.where(seen[:, None], (1 + self.factor * ages / safe) ** decay, 0)
        out = []
        for rating in (3, 1):
            stability, _ = self._next(slice(None), seen, now, rating)
            out.append((1 + self.factor * (days[None, :] - at) / stability[:, None]) ** decay)
        return now, without, out[0], out[1]


class HlrLearner:
    """Half-life regression (Settles & Meeder 2016): h = 2^(θ·x), p = 2^(−Δ/h).

    x counts the learner's recalls and misses of the item (as √(1 + n), Settles' features),
    plus a per-learner ability and a per-item difficulty. Each recall multiplies the
    half-life, each miss divides it, however they are spaced.
    """

    RIGHT = 2.5
    WRONG = -1.2

    def __init__(self, rng: random.Random, difficulty: Sequence[Difficulty]) -> None:
        self.ability = rng.gauss(2.0, 0.5)
        self.item_term = np.array(
            [-0.5 * DIFFICULTY_SHIFT[level] + rng.gauss(0.0, 0.3) for level in difficulty]
        )
        items = len(difficulty)
        self.right = np.zeros(items)
        self.wrong = np.zeros(items)
        self.last = np.full(items, np.nan)  # nan: never seen

    def _half_life(self, right: np.ndarray, wrong: np.ndarray) -> np.ndarray:
        exponent = (
            self.ability
            + self.item_term
            + self.RIGHT * (np.sqrt(1 + right) - 1)
            + self.WRONG * (np.sqrt(1 + wrong) - 1)
        )
        return np.asarray(2.0**exponent)

    def recall(self, item: int, day: float) -> float:
        if math.isnan(self.last[item]):
            return 0.0
        exponent = (
            self.ability
            + self.item_term[item]
            + self.RIGHT * (math.sqrt(1 + self.right[item]) - 1)
            + self.WRONG * (math.sqrt(1 + self.wrong[item]) - 1)
        )
        return float(2.0 ** (-(day - self.last[item]) / 2.0**exponent))

    def recall_all(self, day: float) -> np.ndarray:
        seen = ~np.isnan(self.last)
        ages = np.where(seen, day - np.nan_to_num(self.last), 0.0)
        return np.where(seen, 2.0 ** (-ages / self._half_life(self.right, self.wrong)), 0.0)

    def study(self, item: int, day: float, recalled: bool) -> None:
        self.right[item] += recalled
        self.wrong[item] += not recalled
        self.last[item] = day

    def outcomes(self, at: float, days: np.ndarray) -> tuple[np.ndarray, ...]:
        now = self.recall_all(at)
        seen = ~np.isnan(self.last)
        ages = np.where(seen[:, None], days[None, :] - np.nan_to_num(self.last)[:, None], 0.0)
        half = self._half_life(self.right, self.wrong)[:, None]
        without = np.where(seen[:, None], 2.0 ** (-ages / half), 0.0)
        hit = 2.0 ** (-(days[None, :] - at) / self._half_life(self.right + 1, self.wrong)[:, None])
        miss = 2.0 ** (-(days[None, :] - at) / self._half_life(self.right, self.wrong + 1)[:, None])
        return now, without, hit, miss


TRUTHS: dict[str, Callable[[random.Random, Sequence[Difficulty]], Truth]] = {
    "exp": ExponentialLearner,
    "actr": ActrLearner,
    "fsrs6": Fsrs6Learner,
    "hlr": HlrLearner,
}


# --- policies -----------------------------------------------------------------------


class Policy(Protocol):
    def choose(self, day: int, now: datetime, budget: int) -> list[int]: ...
    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None: ...


@dataclass
class BotPolicy:
    """The bot's daily plan and memory updates, through the domain functions the handlers call."""

    difficulty: Sequence[Difficulty]
    guess_aware: bool = True
    user: int = 0
    population: Population | None = None  # None: the defaults forever (the bot before fits)
    parameters: Parameters = DEFAULT_PARAMETERS
    own_fit: bool = False
    guess: float = 0.0  # luck in the right answers the weights predict (plan_daily)
    horizon: float = HORIZON_DAYS
    calibrate: bool = False  # calibrate the curve to the learner even under their own fit
    hlr: HlrModel | None = None  # the HLR model in force (family chosen by log loss)
    history: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)
    _counted_with: HlrModel | None = None
    _counts: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    memories: dict[str, MemoryState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.population is not None:
            self.population.policies.append(self)

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        ids = [f"q{index}" for index in range(DECK_SIZE)]
        plan = plan_daily(
            [item for item in ids if item in self.memories],
            [item for item in ids if item not in self.memories],
            self.memories,
            now,
            next_prompt_at(DAILY_TIME, UTC, now),
            size=budget,
            new_allowance=NEW_ITEMS_PER_DAY,
            leech_lapses=DEFAULT_LEECH_LAPSES,
            parameters=self.parameters,
            own_fit=self.own_fit,
            guess=self.guess,
            horizon_days=self.horizon,
            hlr=self.hlr,
            recalls=self._recalls(),
        )
        return [int(item[1:]) for item in plan.item_ids]

    def _recalls(self) -> dict[str, tuple[float, float]] | None:
        """Each question's recalls and misses as the HLR fit in force counts them (kept
        until the question is answered again or the fit changes)."""
        if self.hlr is None:
            return None
        if self._counted_with is not self.hlr:
            self._counted_with, self._counts = self.hlr, {}
        for item_id, history in self.history.items():
            known = self._counts.get(item_id)
            if known is None or known[0] != len(history):
                right, missed = recall_counts(history, item_id, self.hlr, GUESS_CHANCE)
                self._counts[item_id] = (len(history), right, missed)
        return {item_id: (right, missed) for item_id, (_, right, missed) in self._counts.items()}

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        item_id = f"q{item}"
        self.history.setdefault(item_id, []).append((now, 3 if correct else 1))
        previous = self.memories.get(item_id)
        grade = grade_quiz_answer(
            correct, ANSWER_SECONDS, self.difficulty[item], previous, guess_aware=self.guess_aware
        )
        self.memories[item_id] = review(previous, item_id, grade, now, parameters=self.parameters)
        if self.population is not None:
            self.population.record(Answer(self.user, item_id, now, grade))


@dataclass
class DueFirstPolicy(BotPolicy):
    """The daily plan before the planner (`chooser.plan_session` as the job called it):
    due at the prompt's own minute, due first then new, the last item shown skipped,
    short sessions left short; plain grading."""

    last_item: str | None = None

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        ids = [f"q{index}" for index in range(DECK_SIZE)]
        plan = plan_session(
            ids, self.memories, now, size=budget, last_item_id=self.last_item, new_allowance=10
        )
        if plan:
            self.last_item = plan[0]  # the session's first item is sent at once
        return [int(item[1:]) for item in plan]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        self.last_item = f"q{item}"
        super().observe(item, now, day, correct)


@dataclass
class RandomPolicy:
    rng: random.Random

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        return self.rng.sample(range(DECK_SIZE), budget)

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        pass


@dataclass
class MostMissedPolicy:
    misses: list[int] = field(default_factory=lambda: [0] * DECK_SIZE)
    shown: list[float] = field(default_factory=lambda: [-math.inf] * DECK_SIZE)

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        # Net misses, so an item leaves the top once it is answered right again.
        order = sorted(
            range(DECK_SIZE), key=lambda item: (-self.misses[item], self.shown[item], item)
        )
        return order[:budget]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        self.misses[item] += -1 if correct else 1
        self.shown[item] = day


@dataclass
class LeitnerPolicy:
    INTERVALS = (1, 2, 4, 8, 16)
    box: dict[int, int] = field(default_factory=dict)
    last: dict[int, int] = field(default_factory=dict)

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        def due_day(item: int) -> int:
            return self.last[item] + self.INTERVALS[self.box[item]]

        seen = sorted(self.box, key=lambda item: (due_day(item), self.box[item], item))
        due = [item for item in seen if due_day(item) <= day]
        new = [item for item in range(DECK_SIZE) if item not in self.box]
        ahead = [item for item in seen if due_day(item) > day]
        return (due + new + ahead)[:budget]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        if item not in self.box:
            self.box[item] = 1 if correct else 0
        else:
            self.box[item] = min(self.box[item] + 1, 4) if correct else 0
        self.last[item] = day


@dataclass
class RoundRobinPolicy:
    cursor: int = 0

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        chosen = [(self.cursor + offset) % DECK_SIZE for offset in range(budget)]
        self.cursor = (self.cursor + budget) % DECK_SIZE
        return chosen

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        pass


@dataclass
class GreedyPolicy:
    """Knows the learner's true memory: each day, the K items whose review adds the most
    expected true recall, at the final day (``greedy-final``) or averaged over every
    remaining day (``greedy-mean``, which builds depth early). ``greedy-h<days>``: averaged
    over a fixed number of days ahead, as the bot's planner values reviews (its horizon),
    with the true model: what the bot's value rule could reach with a perfect model."""

    truth: Truth
    final_day: int
    mean: bool = False
    horizon: float | None = None

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        at = day + ANSWER_SECONDS / 86_400
        if self.horizon is not None:
            days = np.arange(day + 1, day + 1 + self.horizon, dtype=float)
        elif self.mean:
            days = np.arange(day + 1, self.final_day + 1, dtype=float)
        else:
            days = np.array([float(self.final_day)])
        recall, without, hit, miss = self.truth.outcomes(at, days)
        gain = (recall[:, None] * hit + (1 - recall[:, None]) * miss - without).mean(axis=1)
        # Highest gain first, the lower index among equals.
        return [int(item) for item in np.argsort(-gain, kind="stable")[:budget]]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        pass


class HlrFittedLearner:
    """A learner as a fitted HLR describes them (for the bot's own rollouts, never the
    truth): recall 2^(−Δ/h), log2 h from θ, their offset, the question's offset and the
    counts of recalls and misses after first sight."""

    def __init__(self, weights: HlrWeights, user: int) -> None:
        self.theta = weights.theta
        self.offset = weights.learners.get(user, 0.0) + np.array(
            [weights.items.get(f"q{index}", 0.0) for index in range(DECK_SIZE)]
        )
        self.right = np.zeros(DECK_SIZE)
        self.missed = np.zeros(DECK_SIZE)
        self.last = np.full(DECK_SIZE, np.nan)

    def _half_life(self) -> np.ndarray:
        t0, t1, t2 = self.theta
        z = t0 + self.offset + t1 * (np.sqrt(1 + self.right) - 1)
        return np.asarray(2.0 ** np.clip(z + t2 * (np.sqrt(1 + self.missed) - 1), -4.6, 15.0))

    def recall_all(self, day: float) -> np.ndarray:
        seen = ~np.isnan(self.last)
        ages = np.where(seen, day - np.nan_to_num(self.last), 0.0)
        return np.where(seen, 2.0 ** (-ages / self._half_life()), 0.0)

    def recall(self, item: int, day: float) -> float:
        return float(self.recall_all(day)[item])

    def study(self, item: int, day: float, recalled: bool) -> None:
        if not math.isnan(self.last[item]):
            self.right[item] += recalled
            self.missed[item] += not recalled
        self.last[item] = day

    def outcomes(self, at: float, days: np.ndarray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError  # only the oracle asks, and never of a fitted learner


# bot-mpc's candidate schedules, its rollouts' length (the planner's horizon, not the
# benchmark's 60 days) and how many of the population's learners it rolls out.
MPC_CANDIDATES = ("bot", "leitner", "round-robin")
MPC_DAYS = int(HORIZON_DAYS)
MPC_LEARNERS = 10


def rollout_choice(
    weights: HlrWeights,
    choosers: Sequence[ChoosingPolicy],
    day: int,
    budget: int,
    from_scratch: bool = False,
) -> str:
    """The candidate schedule under which the learners, as the fit describes them from
    what they have answered so far, keep the most in memory `MPC_DAYS` days from now
    (each candidate continues from its own state; every day attended). `from_scratch`:
    new learners instead, as the fit describes them, from their first day."""
    step = max(1, len(choosers) // MPC_LEARNERS)
    chosen = list(choosers)[::step][:MPC_LEARNERS]
    if from_scratch:
        day = 0
    end = day + MPC_DAYS
    scores: dict[str, float] = {}
    for name in MPC_CANDIDATES:
        total = 0.0
        for index, chooser in enumerate(chosen):
            truth = HlrFittedLearner(weights, chooser.user)
            model = weights.for_learner(chooser.user)
            for item_id, history in () if from_scratch else chooser.history.items():
                item = int(item_id[1:])
                truth.right[item], truth.missed[item] = recall_counts(
                    history, item_id, model, GUESS_CHANCE
                )
                truth.last[item] = (history[-1][0] - START).total_seconds() / 86_400
            policy = copy.deepcopy(chooser.candidates[name])
            if from_scratch:
                policy = make_policy(
                    name, chooser.difficulty, random.Random(index), truth, end, chooser.user, None
                )
            run = LearnerRun(truth, [True] * end, random.Random(index + 11), policy)
            for today in range(day, end):
                run.play(today, budget)
            total += float(truth.recall_all(end).mean())
        scores[name] = total
    return max(MPC_CANDIDATES, key=lambda name: scores[name])


@dataclass
class ChoosingPolicy:
    """bot-mpc: every candidate schedule follows the learner's answers; the one the last
    refit chose (`Population.schedule`) picks the questions."""

    user: int
    difficulty: Sequence[Difficulty]
    population: Population
    candidates: dict[str, Policy]
    history: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.population.choosers.append(self)

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        return self.candidates[self.population.schedule].choose(day, now, budget)

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        bot = self.candidates["bot"]
        assert isinstance(bot, BotPolicy)
        previous = bot.memories.get(f"q{item}")
        grade = grade_quiz_answer(correct, ANSWER_SECONDS, self.difficulty[item], previous)
        self.population.record(Answer(self.user, f"q{item}", now, grade))
        self.history.setdefault(f"q{item}", []).append((now, 3 if correct else 1))
        for policy in self.candidates.values():
            policy.observe(item, now, day, correct)


# The oracle picks, for each learner, the best of these by rollouts of its true memory model.
ORACLE_CANDIDATES = ("greedy-final", "greedy-mean", *BASELINES)
ORACLE_ROLLOUTS = 2


def make_policy(
    name: str,
    difficulty: Sequence[Difficulty],
    rng: random.Random,
    truth: Truth,
    final_day: int,
    user: int,
    population: Population | None,
) -> Policy:
    if name == "bot":  # the live bot: FSRS's defaults, calibrated to each learner's answers
        return BotPolicy(difficulty)
    if name in ("bot-mpc", "bot-mpc-new"):  # the schedule chosen by rollouts of the fit
        assert population is not None
        return ChoosingPolicy(
            user,
            difficulty,
            population,
            {
                "bot": BotPolicy(difficulty),
                "leitner": LeitnerPolicy(),
                "round-robin": RoundRobinPolicy(),
            },
        )
    if name == "bot-model":  # the family chosen by held-out log loss (FSRS or HLR)
        return BotPolicy(difficulty, user=user, population=population)
    if name in ("bot-fit", "bot-pop", "bot-raw"):
        return BotPolicy(difficulty, user=user, population=population)
    if name.startswith("bot-h"):  # bot-fit with another horizon for the value, e.g. bot-h7
        return BotPolicy(difficulty, user=user, population=population, horizon=float(name[5:]))
    if name in ("bot-answers", "bot-answers-cal"):  # fits of right answers, valued net of luck
        return BotPolicy(
            difficulty,
            user=user,
            population=population,
            guess=GUESS_CHANCE,
            calibrate=name.endswith("-cal"),
        )
    if name == "bot-fit-cal":
        return BotPolicy(difficulty, user=user, population=population, calibrate=True)
    if name.startswith("greedy-h"):  # the true model valued over a fixed horizon
        return GreedyPolicy(truth, final_day, horizon=float(name[8:]))
    if name in ("greedy-final", "greedy-mean"):
        return GreedyPolicy(truth, final_day, mean=name == "greedy-mean")
    if name == "bot-plain":
        return BotPolicy(difficulty, guess_aware=False)
    if name == "due-first":
        return DueFirstPolicy(difficulty, guess_aware=False)
    if name == "random":
        return RandomPolicy(rng)
    if name == "most-missed":
        return MostMissedPolicy()
    if name == "leitner":
        return LeitnerPolicy()
    return RoundRobinPolicy()


# Learners per cell and seeds: the default run, and --full.
QUICK = (40, 1)
FULL = (200, 3)
# Versions of the bot run beside it by default (bot-model: what choosing the memory model
# family by held-out log loss would do), and by --variants alone (bot-h<days> and
# bot-plain can be named too).
DEFAULT_VARIANTS = ("bot-model",)
VARIANTS = (
    "bot-model",
    "bot-mpc",
    "bot-mpc-new",
    "bot-fit",
    "bot-fit-cal",
    "bot-answers",
    "bot-answers-cal",
    "bot-raw",
    "bot-pop",
    "due-first",
)
# The bots that learn from their population's answers (each its own population), and the
# share of luck their fits allow for (0: fsrs-rs's plain fit of right answers):
# bot-model     each night the family with the lowest held-out log loss: HLR (the planner
#               valuing reviews under it) or FSRS (the live planner: defaults, calibrated);
# bot-mpc       the same choice of family; under HLR, the schedule (the live planner,
#               Leitner or round-robin) whose rollouts under the fit, from each sampled
#               learner's state, keep the most 30 days on (FSRS: the live planner);
# bot-mpc-new   the same with rollouts of new learners from their first day;
# bot-fit       guess-aware fits (population + learners), read as memory;
# bot-fit-cal   the same, the curve calibrated to the learner even under their own fit;
# bot-answers   plain fits, the planner valuing memory net of guessing (R − g) / (1 − g);
# bot-raw       plain fits read as memory (the first fitted bot);
# bot-pop       guess-aware fit of the population only.
POPULATION_POLICIES = {
    "bot-model": FIT_GUESS,
    "bot-mpc": FIT_GUESS,
    "bot-mpc-new": FIT_GUESS,
    "bot-fit": FIT_GUESS,
    "bot-fit-cal": FIT_GUESS,
    "bot-pop": FIT_GUESS,
    "bot-raw": 0.0,
    "bot-answers": 0.0,
    "bot-answers-cal": 0.0,
}


# --- the population, day by day --------------------------------------------------


@dataclass
class Population:
    """What the bot knows of all its learners: the answers so far and the fits in force."""

    answers: list[Answer] = field(default_factory=list)
    population: Parameters = DEFAULT_PARAMETERS
    learners: dict[int, Parameters] = field(default_factory=dict)
    fit_guess: float = FIT_GUESS
    cards: set[tuple[int, str]] = field(default_factory=set)
    fitted_at_reviews: int = 0
    refits: int = 0
    fit_seconds: float = 0.0
    policies: list[BotPolicy] = field(default_factory=list)
    # Choose the family (FSRS or HLR) by held-out log loss and plan with it; FSRS means
    # the live planner as before (defaults, calibrated per learner): the fits of FSRS
    # weights plan worse than the defaults (docs/learning.md).
    families: bool = False
    family: str = "fsrs"
    hlr: HlrWeights | None = None
    choices: list[str] = field(default_factory=list)
    # bot-mpc: after each refit, the schedule whose rollouts under the HLR fit keep the
    # most in memory (MPC_CANDIDATES); `budget` and `difficulty` are the cell's.
    mpc: bool = False
    from_scratch: bool = False  # bot-mpc-new: roll out new learners, not the real ones
    schedule: str = "bot"
    schedules: list[str] = field(default_factory=list)
    budget: int = 5
    difficulty: Sequence[Difficulty] = ()
    users: set[int] = field(default_factory=set)
    choosers: list[ChoosingPolicy] = field(default_factory=list)
    day: int = 0

    def parameters_of(self, user: int) -> Parameters:
        return self.learners.get(user, self.population)

    def record(self, answer: Answer) -> None:
        self.answers.append(answer)
        self.cards.add((answer.user_id, answer.item_id))
        self.users.add(answer.user_id)

    def refit(self, per_learner: bool) -> None:
        """The refit job as the bot runs it (bot/jobs/refit.py), then each memory replayed."""
        reviews = len(self.answers) - len(self.cards)  # Histories.reviews(), kept as it grows
        if not refit_due(reviews, self.fitted_at_reviews):
            return
        result = refit(
            self.answers,
            self.population,
            learners=per_learner,
            guess=self.fit_guess,
            families=self.families,
        )
        self.refits += 1
        self.fit_seconds += result.seconds
        self.fitted_at_reviews = reviews
        if self.mpc:
            self.family = result.family
            self.choices.append(self.family)
            if result.hlr is not None and self.family == HLR:
                self.schedule = rollout_choice(
                    result.hlr.weights, self.choosers, self.day, self.budget, self.from_scratch
                )
            else:  # FSRS predicts best: the live planner, which plans with FSRS
                self.schedule = "bot"
            self.schedules.append(self.schedule)
            return
        if self.families:
            # The FSRS fit is kept for the report (and judged against at the next refit,
            # as the job does), not planned with.
            if result.population.accepted:
                self.population = result.population.parameters
            self.family = result.family
            self.choices.append(self.family)
            self.hlr = result.hlr.weights if result.hlr is not None else None
            for policy in self.policies:
                policy.hlr = (
                    self.hlr.for_learner(policy.user)
                    if self.family == HLR and self.hlr is not None
                    else None
                )
            return
        if result.population.accepted:
            self.population = result.population.parameters
        self.learners = {
            user: outcome.parameters
            for user, outcome in result.learners.items()
            if outcome.accepted
        }
        histories = Histories.of(self.answers)
        memories = {
            (policy.user, item_id): memory
            for policy in self.policies
            for item_id, memory in policy.memories.items()
        }
        replayed = replay(memories, histories, self.parameters_of)
        for policy in self.policies:
            policy.parameters = self.parameters_of(policy.user)
            policy.own_fit = policy.user in self.learners and not policy.calibrate
            for item_id in policy.memories:
                policy.memories[item_id] = replayed.get(
                    (policy.user, item_id), policy.memories[item_id]
                )


@dataclass
class LearnerRun:
    truth: Truth
    attended: list[bool]
    luck: random.Random
    policy: Policy
    recall: list[float] = field(default_factory=list)  # deck recall at 09:00 each day

    def play(self, day: int, budget: int) -> None:
        """One day's session: each chosen question answered, then studied."""
        if not self.attended[day]:
            return
        now = START + timedelta(days=day)
        for position, item in enumerate(self.policy.choose(day, now, budget)):
            moment = now + timedelta(seconds=(position + 1) * ANSWER_SECONDS)
            at = day + (position + 1) * ANSWER_SECONDS / 86_400
            recalled = self.luck.random() < self.truth.recall(item, at)
            correct = recalled or self.luck.random() < 1 / OPTIONS
            self.policy.observe(item, moment, day, correct)
            self.truth.study(item, at, recalled)


def seed_of(task: Task, learner: int) -> int:
    return (task.seed * 1_000_003 + learner) * 7919 + MODELS.index(task.model)


def learner_run(
    task: Task,
    difficulty: Sequence[Difficulty],
    learner: int,
    name: str,
    population: Population | None = None,
    luck: int = 2,
) -> LearnerRun:
    """One learner under one policy: the same learner (truth parameters, attended days)
    under every policy, and the same luck unless `luck` asks for another stream."""
    seed = seed_of(task, learner)
    truth = TRUTHS[task.model](random.Random(seed), difficulty)
    attend = random.Random(seed + 1)
    attended = [attend.random() < task.attendance for _ in range(task.days)]
    policy = make_policy(
        name, difficulty, random.Random(seed + 3), truth, task.days, learner, population
    )
    return LearnerRun(truth, attended, random.Random(seed + luck), policy)


def oracle_choice(task: Task, difficulty: Sequence[Difficulty], learner: int) -> str:
    """The candidate with the highest expected true day-N recall for this learner, judged
    by rollouts of its true memory model on luck streams other than the measured one."""
    best, top = ORACLE_CANDIDATES[0], -1.0
    for name in ORACLE_CANDIDATES:
        total = 0.0
        for rollout in range(ORACLE_ROLLOUTS):
            run = learner_run(task, difficulty, learner, name, luck=1_000 + rollout)
            for day in range(task.days):
                run.play(day, task.budget)
            total += float(run.truth.recall_all(task.days).mean())
        if total > top:
            best, top = name, total
    return best


def simulate_cell(task: Task) -> tuple[dict[str, list[tuple[float, float, float]]], Extras]:
    """Every learner of one cell under every policy, day by day: (mid, final, average) recall.

    The bot's learners share one `Population`: each night the refit job may fit the
    answers given so far, and the next morning's plans use the new weights.
    """
    difficulty = deck_difficulties()
    runs: dict[str, list[LearnerRun]] = {name: [] for name in task.policies}
    extras = Extras()
    for name in task.policies:
        population = None
        if name in POPULATION_POLICIES or name.startswith("bot-h"):
            population = Population(
                fit_guess=POPULATION_POLICIES.get(name, FIT_GUESS),
                families=name in ("bot-model", "bot-mpc", "bot-mpc-new"),
                mpc=name.startswith("bot-mpc"),
                from_scratch=name == "bot-mpc-new",
                budget=task.budget,
                difficulty=difficulty,
            )
        if population is not None:
            extras.populations[name] = population
        for learner in task.learners:
            policy_name = name
            if name == "oracle":
                policy_name = oracle_choice(task, difficulty, learner)
                extras.oracle[policy_name] = extras.oracle.get(policy_name, 0) + 1
            runs[name].append(learner_run(task, difficulty, learner, policy_name, population))
    for day in range(task.days + 1):
        for learners in runs.values():
            for run in learners:
                run.recall.append(float(run.truth.recall_all(day).mean()))
        if day == task.days:
            break
        for name, population in extras.populations.items():
            population.day = day
            population.refit(
                per_learner=name != "bot-pop" and not name.startswith(("bot-model", "bot-mpc"))
            )
        for learners in runs.values():
            for run in learners:
                run.play(day, task.budget)
    mid = min(30, task.days)
    out = {
        name: [
            (run.recall[mid], run.recall[task.days], statistics.fmean(run.recall[1:]))
            for run in learners
        ]
        for name, learners in runs.items()
    }
    return out, extras


@dataclass
class Extras:
    """What a cell's run leaves besides recall: the bots' populations, the oracle's picks."""

    populations: dict[str, Population] = field(default_factory=dict)
    oracle: dict[str, int] = field(default_factory=dict)


def fit_check(task: Task, population: Population) -> tuple[float, ...]:
    """Held-out log loss of FSRS's defaults, of the FSRS fit in force and of the half-life
    regression, on the bot's final log; refits, learners' own fits, fit seconds, and the
    share of nights the family chosen was HLR (nan when the bot does not choose)."""
    histories = Histories.of(population.answers)
    cut = histories.cut()
    default = evaluate(histories, DEFAULT_PARAMETERS, since=cut)
    fitted = evaluate(histories, population.population, since=cut)
    hlr = fit_and_check(histories.cards, cut, FIT_GUESS) if cut is not None else None
    choices = population.choices
    return (
        default.log_loss if default else math.nan,
        fitted.log_loss if fitted else math.nan,
        hlr.heldout_log_loss if hlr is not None else math.nan,
        population.refits,
        len(population.learners),
        population.fit_seconds,
        choices.count(HLR) / len(choices) if choices else math.nan,
    )


@dataclass(frozen=True)
class Task:
    model: str
    budget: int
    attendance: float
    seed: int
    learners: range
    days: int
    policies: tuple[str, ...]


@dataclass(frozen=True)
class TaskResult:
    task: Task
    recall: dict[str, list[tuple[float, float, float]]]
    fit: tuple[float, ...] | None
    oracle: dict[str, int]
    schedules: list[str] = field(default_factory=list)  # bot-mpc's choice after each refit


def run_task(task: Task) -> TaskResult:
    recall, extras = simulate_cell(task)
    bot = extras.populations.get("bot-model") or extras.populations.get("bot-fit")
    fit = fit_check(task, bot) if bot is not None else None
    mpc = extras.populations.get("bot-mpc") or extras.populations.get("bot-mpc-new")
    return TaskResult(task, recall, fit, extras.oracle, mpc.schedules if mpc else [])


# --- report -------------------------------------------------------------------------


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, 1.96 * spread / math.sqrt(len(values))


def share(bot: float, best: float, oracle: float) -> str:
    """The share of the oracle's gain over the best baseline that the bot captures."""
    if oracle - best <= 0.005 * best:  # no gain to share (within half a percent)
        return "n/a"
    return f"{(bot - best) / (oracle - best):+.0%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=None, help="per cell and seed")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument(
        "--full",
        action="store_true",
        help=f"the big run: {FULL[0]} learners x {FULL[1]} seeds (default {QUICK[0]} x {QUICK[1]})",
    )
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    parser.add_argument(
        "--variants",
        nargs="?",
        const=",".join(VARIANTS),
        default=",".join(DEFAULT_VARIANTS),
        help="versions of the bot to run beside it, comma-separated "
        f"(default {','.join(DEFAULT_VARIANTS)}; alone: {','.join(VARIANTS)})",
    )
    parser.add_argument("--no-oracle", action="store_true", help="skip the oracle")
    args = parser.parse_args()
    size = FULL if args.full else QUICK
    args.learners = size[0] if args.learners is None else args.learners
    args.seeds = size[1] if args.seeds is None else args.seeds
    bots = ("bot", *tuple(name for name in args.variants.split(",") if name))
    oracle = () if args.no_oracle else ("oracle",)
    policies = bots + oracle + BASELINES
    models = tuple(args.models.split(","))
    budgets = tuple(int(value) for value in args.budgets.split(","))
    tasks = [
        Task(model, budget, attendance, seed, range(args.learners), args.days, policies)
        for model in models
        for budget in budgets
        for attendance in ATTENDANCE
        for seed in range(args.seeds)
    ]
    started = time.perf_counter()
    cells: dict[tuple[str, int, float], dict[str, list[tuple[float, float, float]]]] = {}
    fits: dict[str, list[tuple[float, ...]]] = {}
    picks: dict[str, dict[str, int]] = {}
    schedules: dict[str, list[str]] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for result in pool.map(run_task, tasks):
            task = result.task
            cell = cells.setdefault(
                (task.model, task.budget, task.attendance), {name: [] for name in policies}
            )
            for name, values in result.recall.items():
                cell[name] += values
            if result.fit is not None:
                fits.setdefault(task.model, []).append(result.fit)
            schedules.setdefault(task.model, []).extend(result.schedules)
            for name, count in result.oracle.items():
                model_picks = picks.setdefault(task.model, {})
                model_picks[name] = model_picks.get(name, 0) + count
    elapsed = time.perf_counter() - started
    end = args.days
    print(
        f"{args.learners} learners x {args.seeds} seeds per cell, {args.days} days, "
        f"{len(tasks)} tasks on {args.workers} workers in {elapsed:.0f} s\n"
    )
    ratios: dict[str, list[float]] = {"final": [], "average": []}
    variant_ratios: dict[str, list[float]] = {name: [] for name in bots[1:]}
    for metric, index, title in (
        ("final", 1, f"day-{end} recall"),
        ("average", 2, "average recall"),
    ):
        print(f"### {title}\n")
        header = ["model", "K", "attend.", "bot", "best baseline", "oracle"]
        header += ["bot / best", "oracle / best", "share of oracle's gain"]
        if metric == "final":
            header += [f"{name} / best" for name in bots[1:]]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for (model, budget, attendance), cell in cells.items():
            means = {name: mean_ci([values[index] for values in cell[name]]) for name in policies}
            best = max(BASELINES, key=lambda name: means[name][0])
            bot, top = means["bot"][0], means[best][0]
            ratios[metric].append(bot / top)
            row = [model, str(budget), f"{attendance:.0%}", f"{bot:.3f} ± {means['bot'][1]:.3f}"]
            row.append(f"{top:.3f} ({best})")
            if oracle:
                ceiling = means["oracle"][0]
                row += [f"{ceiling:.3f}", f"**{bot / top:.3f}**", f"{ceiling / top:.3f}"]
                row.append(share(bot, top, ceiling))
            else:
                row += ["-", f"**{bot / top:.3f}**", "-", "-"]
            if metric == "final":
                for name in bots[1:]:
                    variant_ratios[name].append(means[name][0] / top)
                    row.append(f"{variant_ratios[name][-1]:.3f}")
            print("| " + " | ".join(row) + " |")
        values = ratios[metric]
        print(
            f"\nbot / best baseline ({title}): mean {statistics.fmean(values):.3f}, "
            f"lowest {min(values):.3f}\n"
        )
    print(f"goal (day-{end}): mean >= 1.03, none below 1.00")
    for name, values in variant_ratios.items():
        print(
            f"{name} / best baseline: mean {statistics.fmean(values):.3f}, lowest {min(values):.3f}"
        )
    if picks:
        print("\noracle's pick per learner (best by rollouts of the true model):")
        for model, counts in picks.items():
            print(f"  {model}: " + ", ".join(f"{n} {c}" for n, c in sorted(counts.items())))
    if any(schedules.values()):
        print("\nbot-mpc's schedule after each refit (nights):")
        for model, chosen in schedules.items():
            counts = {name: chosen.count(name) for name in sorted(set(chosen))}
            print(f"  {model}: " + ", ".join(f"{n} {c}" for n, c in counts.items()))
    if fits:
        print(
            "\n### the fits at the end (held-out: the last fifth of the answers; "
            "all read as memory behind answers right by a 1-in-4 guess)\n"
        )
        print(
            "| model | log loss, FSRS defaults | log loss, FSRS fit | log loss, HLR "
            "| refits | nights HLR chosen | own FSRS fits | fit s |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for model, rows in fits.items():
            mean = [statistics.fmean(r[index] for r in rows) for index in range(7)]
            chosen = "-" if math.isnan(mean[6]) else f"{mean[6]:.0%}"
            print(
                f"| {model} | {mean[0]:.4f} | {mean[1]:.4f} | {mean[2]:.4f} | {mean[3]:.1f} "
                f"| {chosen} | {mean[4]:.0f} | {mean[5]:.1f} |"
            )


if __name__ == "__main__":
    main()

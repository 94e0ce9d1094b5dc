"""Do learners remember more with the bot's daily plan than with simple schedules?

Simulated learners answer K four-option quiz questions a day for 60 days from a
60-question deck with the shipped decks' mix of difficulty. What they *really*
remember follows one of three ground-truth memory models, none of them the bot's
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

Every answer: right by recall, or by a 1-in-4 guess when not recalled; either way the
learner then sees the right answer (a study event for the model). Metric: the
learner's true recall averaged over the whole deck (unseen = 0; a guess is not
recall) at 09:00 on day 30 and day 60, before that day's session.

Policies: ``bot`` (``bot.domain.planner.plan_daily``, ``grade_quiz_answer`` and
``review``, called exactly as ``start_daily_session`` and the poll-answer handler
call them), ``bot-plain`` (the same with plain grading) and ``due-first`` (the daily plan the bot
had before: ``chooser.plan_session``, due first then new, short sessions), both only
with ``--variants``,
``random``, ``most-missed`` (most misses first, then least recently shown),
``leitner`` (5 boxes: 1, 2, 4, 8, 16 days; due first, then new, then the soonest
due) and ``round-robin``. Every policy fills all K slots a day.

Run: .venv/bin/python bench/learning.py [--learners 200] [--seeds 3] [--days 60]
"""

from __future__ import annotations

import argparse
import heapq
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_bank  # noqa: E402
from bot.content.models import Difficulty, McqItem  # noqa: E402
from bot.domain.chooser import plan_session  # noqa: E402
from bot.domain.daily import next_prompt_at  # noqa: E402
from bot.domain.fitting import Answer, Histories, evaluate, refit, refit_due, replay  # noqa: E402
from bot.domain.memory import (  # noqa: E402  # noqa: E402
    DEFAULT_LEECH_LAPSES,
    DEFAULT_PARAMETERS,
    MemoryState,
    Parameters,
    grade_quiz_answer,
    review,
)
from bot.domain.planner import plan_daily  # noqa: E402

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
    # The oracle tries a study and takes it back.
    def snapshot(self, item: int) -> object: ...
    def restore(self, item: int, state: object) -> None: ...


class ExponentialLearner:
    def __init__(self, rng: random.Random, difficulty: Sequence[Difficulty]) -> None:
        self.ability = math.exp(rng.gauss(0.0, 0.35))
        self.item_factor = [
            math.exp(0.35 * DIFFICULTY_SHIFT[level] + rng.gauss(0.0, 0.25)) for level in difficulty
        ]
        self.half_life: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def recall(self, item: int, day: float) -> float:
        if item not in self.half_life:
            return 0.0
        return float(2.0 ** (-(day - self.last[item]) / self.half_life[item]))

    def study(self, item: int, day: float, recalled: bool) -> None:
        strength = self.ability / self.item_factor[item]
        first = 1.5 * strength
        if item not in self.half_life:
            self.half_life[item] = first
        elif recalled:
            # The spacing effect: a recall that was hard (low p) strengthens the most.
            forgotten = 1.0 - self.recall(item, day)
            self.half_life[item] *= 1.0 + 3.0 * strength * forgotten
        else:
            self.half_life[item] = max(first, 0.5 * self.half_life[item])
        self.last[item] = day

    def snapshot(self, item: int) -> object:
        return (self.half_life.get(item), self.last.get(item))

    def restore(self, item: int, state: object) -> None:
        half_life, last = state  # type: ignore[misc]
        if half_life is None:
            self.half_life.pop(item, None)
            self.last.pop(item, None)
        else:
            self.half_life[item], self.last[item] = half_life, last


class ActrLearner:
    """Pavlik & Anderson (2005) with time in hours (a floor of 15 minutes per trace)."""

    C = 0.25
    S = 0.3

    def __init__(self, rng: random.Random, difficulty: Sequence[Difficulty]) -> None:
        self.alpha = max(0.12, rng.gauss(0.25, 0.05))
        base = rng.gauss(-0.9, 0.25)
        self.threshold = [
            base + 0.35 * DIFFICULTY_SHIFT[level] + rng.gauss(0.0, 0.2) for level in difficulty
        ]
        self.traces: dict[int, list[tuple[float, float]]] = {}

    def _activation(self, item: int, day: float) -> float:
        hours = 24.0 * day
        total = sum(
            max(hours - 24.0 * at, 0.25) ** -decay for at, decay in self.traces.get(item, ())
        )
        return math.log(total) if total > 0 else -math.inf

    def recall(self, item: int, day: float) -> float:
        if item not in self.traces:
            return 0.0
        activation = self._activation(item, day)
        return 1.0 / (1.0 + math.exp((self.threshold[item] - activation) / self.S))

    def study(self, item: int, day: float, recalled: bool) -> None:
        activation = self._activation(item, day)
        decay = self.C * math.exp(activation) + self.alpha if activation > -math.inf else self.alpha
        self.traces.setdefault(item, []).append((day, decay))

    def snapshot(self, item: int) -> object:
        return list(self.traces[item]) if item in self.traces else None

    def restore(self, item: int, state: object) -> None:
        if state is None:
            self.traces.pop(item, None)
        else:
            self.traces[item] = state  # type: ignore[assignment]


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
        self.shift = [DIFFICULTY_SHIFT[level] * 1.5 + rng.gauss(0.0, 0.5) for level in difficulty]
        self.memory: dict[int, tuple[float, float, float]] = {}  # stability, difficulty, last

    def recall(self, item: int, day: float) -> float:
        if item not in self.memory:
            return 0.0
        stability, _, last = self.memory[item]
        return float((1 + self.factor * (day - last) / stability) ** -self.w[20])

    def study(self, item: int, day: float, recalled: bool) -> None:
        w = self.w
        rating = 3 if recalled else 1
        if item not in self.memory:
            initial_d = w[4] - math.exp(w[5] * (rating - 1)) + 1 + self.shift[item]
            self.memory[item] = (w[rating - 1], min(10.0, max(1.0, initial_d)), day)
            return
        stability, diff, _ = self.memory[item]
        r = self.recall(item, day)
        if recalled:
            stability *= 1 + math.exp(w[8]) * (11 - diff) * stability ** -w[9] * (
                math.exp((1 - r) * w[10]) - 1
            )
        else:
            stability = min(
                w[11] * diff ** -w[12] * ((stability + 1) ** w[13] - 1) * math.exp((1 - r) * w[14]),
                stability,
            )
        delta = -w[6] * (rating - 3)
        diff = diff + delta * (10 - diff) / 9
        easy_d = w[4] - math.exp(w[5] * 3) + 1
        diff = min(10.0, max(1.0, w[7] * easy_d + (1 - w[7]) * diff))
        self.memory[item] = (max(0.01, stability), diff, day)

    def snapshot(self, item: int) -> object:
        return self.memory.get(item)

    def restore(self, item: int, state: object) -> None:
        if state is None:
            self.memory.pop(item, None)
        else:
            self.memory[item] = state  # type: ignore[assignment]


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
        self.item_term = [
            -0.5 * DIFFICULTY_SHIFT[level] + rng.gauss(0.0, 0.3) for level in difficulty
        ]
        self.counts: dict[int, tuple[int, int, float]] = {}  # recalls, misses, last

    def recall(self, item: int, day: float) -> float:
        if item not in self.counts:
            return 0.0
        right, wrong, last = self.counts[item]
        exponent = (
            self.ability
            + self.item_term[item]
            + self.RIGHT * (math.sqrt(1 + right) - 1)
            + self.WRONG * (math.sqrt(1 + wrong) - 1)
        )
        return float(2.0 ** (-(day - last) / 2.0**exponent))

    def study(self, item: int, day: float, recalled: bool) -> None:
        right, wrong, _ = self.counts.get(item, (0, 0, day))
        self.counts[item] = (right + recalled, wrong + (not recalled), day)

    def snapshot(self, item: int) -> object:
        return self.counts.get(item)

    def restore(self, item: int, state: object) -> None:
        if state is None:
            self.counts.pop(item, None)
        else:
            self.counts[item] = state  # type: ignore[assignment]


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
        )
        return [int(item[1:]) for item in plan.item_ids]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        item_id = f"q{item}"
        previous = self.memories.get(item_id)
        grade = grade_quiz_answer(
            correct, ANSWER_SECONDS, self.difficulty[item], previous, guess_aware=self.guess_aware
        )
        self.memories[item_id] = review(previous, item_id, grade, now, parameters=self.parameters)
        if self.population is not None:
            self.population.answers.append(Answer(self.user, item_id, now, grade))


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
class OraclePolicy:
    """Knows the learner's true memory: each day, the K items whose review adds the most
    expected true recall at the final day (the ceiling no schedule can pass by much)."""

    truth: Truth
    final_day: int

    def choose(self, day: int, now: datetime, budget: int) -> list[int]:
        at = day + ANSWER_SECONDS / 86_400
        truth, final = self.truth, self.final_day
        gains = []
        for item in range(DECK_SIZE):
            recall = truth.recall(item, at)
            without = truth.recall(item, final)
            state = truth.snapshot(item)
            truth.study(item, at, True)
            hit = truth.recall(item, final)
            truth.restore(item, state)
            truth.study(item, at, False)
            miss = truth.recall(item, final)
            truth.restore(item, state)
            gains.append((recall * hit + (1 - recall) * miss - without, -item))
        return [-item for _, item in heapq.nlargest(budget, gains)]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        pass


def make_policy(
    name: str,
    difficulty: Sequence[Difficulty],
    rng: random.Random,
    truth: Truth,
    final_day: int,
    user: int,
    population: Population | None,
) -> Policy:
    if name in ("bot", "bot-pop"):
        return BotPolicy(difficulty, user=user, population=population)
    if name == "bot-default":
        return BotPolicy(difficulty)
    if name == "oracle":
        return OraclePolicy(truth, final_day)
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


# --- the population, day by day --------------------------------------------------


@dataclass
class Population:
    """What the bot knows of all its learners: the answers so far and the fits in force."""

    answers: list[Answer] = field(default_factory=list)
    population: Parameters = DEFAULT_PARAMETERS
    learners: dict[int, Parameters] = field(default_factory=dict)
    fitted_at_reviews: int = 0
    refits: int = 0
    fit_seconds: float = 0.0
    policies: list[BotPolicy] = field(default_factory=list)

    def parameters_of(self, user: int) -> Parameters:
        return self.learners.get(user, self.population)

    def refit(self, per_learner: bool) -> None:
        """The refit job as the bot runs it (bot/jobs/refit.py), then each memory replayed."""
        reviews = Histories.of(self.answers).reviews()
        if not refit_due(reviews, self.fitted_at_reviews):
            return
        result = refit(self.answers, self.population, learners=per_learner)
        self.refits += 1
        self.fit_seconds += result.seconds
        self.fitted_at_reviews = reviews
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
            policy.own_fit = policy.user in self.learners
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


def simulate_cell(
    task: Task,
) -> tuple[dict[str, list[tuple[float, float, float]]], dict[str, Population]]:
    """Every learner of one cell under every policy, day by day: (mid, final, average) recall.

    The bot's learners share one `Population`: each night the refit job may fit the
    answers given so far, and the next morning's plans use the new weights.
    """
    difficulty = deck_difficulties()
    runs: dict[str, list[LearnerRun]] = {name: [] for name in task.policies}
    populations: dict[str, Population] = {}
    for name in task.policies:
        population = Population() if name in ("bot", "bot-pop") else None
        if population is not None:
            populations[name] = population
        for learner in task.learners:
            learner_seed = (task.seed * 1_000_003 + learner) * 7919 + MODELS.index(task.model)
            # The same learner (truth parameters, attended days, luck) under every policy.
            truth = TRUTHS[task.model](random.Random(learner_seed), difficulty)
            attend = random.Random(learner_seed + 1)
            attended = [attend.random() < task.attendance for _ in range(task.days)]
            policy = make_policy(
                name,
                difficulty,
                random.Random(learner_seed + 3),
                truth,
                task.days,
                learner,
                population,
            )
            runs[name].append(LearnerRun(truth, attended, random.Random(learner_seed + 2), policy))
    for day in range(task.days + 1):
        for learners in runs.values():
            for run in learners:
                run.recall.append(
                    sum(run.truth.recall(i, day) for i in range(DECK_SIZE)) / DECK_SIZE
                )
        if day == task.days:
            break
        for name, population in populations.items():
            population.refit(per_learner=name != "bot-pop")
        now = START + timedelta(days=day)
        for learners in runs.values():
            for run in learners:
                if not run.attended[day]:
                    continue
                for position, item in enumerate(run.policy.choose(day, now, task.budget)):
                    moment = now + timedelta(seconds=(position + 1) * ANSWER_SECONDS)
                    at = day + (position + 1) * ANSWER_SECONDS / 86_400
                    recalled = run.luck.random() < run.truth.recall(item, at)
                    correct = recalled or run.luck.random() < 1 / OPTIONS
                    run.policy.observe(item, moment, day, correct)
                    run.truth.study(item, at, recalled)
    mid = min(30, task.days)
    out = {
        name: [
            (run.recall[mid], run.recall[task.days], statistics.fmean(run.recall[1:]))
            for run in learners
        ]
        for name, learners in runs.items()
    }
    return out, populations


def fit_check(task: Task, population: Population) -> tuple[float, float, int, int, float]:
    """Held-out log loss of the defaults and of the fit in force, on the bot's final log."""
    histories = Histories.of(population.answers)
    cut = histories.cut()
    default = evaluate(histories, DEFAULT_PARAMETERS, since=cut)
    fitted = evaluate(histories, population.population, since=cut)
    return (
        default.log_loss if default else math.nan,
        fitted.log_loss if fitted else math.nan,
        population.refits,
        len(population.learners),
        population.fit_seconds,
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
    fit: tuple[float, float, int, int, float] | None


def run_task(task: Task) -> TaskResult:
    recall, populations = simulate_cell(task)
    fit = fit_check(task, populations["bot"]) if "bot" in populations else None
    return TaskResult(task, recall, fit)


# --- report -------------------------------------------------------------------------


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, 1.96 * spread / math.sqrt(len(values))


def share(bot: float, best: float, oracle: float) -> str:
    """The share of the oracle's gain over the best baseline that the bot captures."""
    if oracle - best <= 1e-9:
        return "n/a"
    return f"{(bot - best) / (oracle - best):+.0%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    parser.add_argument(
        "--variants",
        action="store_true",
        help="also run bot-default (no fits), bot-pop (population fit only) and due-first",
    )
    parser.add_argument("--no-oracle", action="store_true", help="skip the (slow) oracle")
    args = parser.parse_args()
    bots = ("bot", "bot-default", "bot-pop", "due-first") if args.variants else ("bot",)
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
    fits: dict[str, list[tuple[float, float, int, int, float]]] = {}
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
    if fits:
        print("\n### the bot's fit at the end (held-out: the last fifth of its answers)\n")
        print("| model | log loss, defaults | log loss, fit | refits | own fits | fit s |")
        print("|---|---|---|---|---|---|")
        for model, rows in fits.items():
            print(
                f"| {model} | {statistics.fmean(r[0] for r in rows):.4f} "
                f"| {statistics.fmean(r[1] for r in rows):.4f} "
                f"| {statistics.fmean(r[2] for r in rows):.1f} "
                f"| {statistics.fmean(r[3] for r in rows):.0f} "
                f"| {statistics.fmean(r[4] for r in rows):.1f} |"
            )


if __name__ == "__main__":
    main()

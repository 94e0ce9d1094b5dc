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
from bot.domain.memory import (  # noqa: E402
    DEFAULT_LEECH_LAPSES,
    MemoryState,
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
MODELS = ("exp", "actr", "fsrs6")
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


TRUTHS: dict[str, Callable[[random.Random, Sequence[Difficulty]], Truth]] = {
    "exp": ExponentialLearner,
    "actr": ActrLearner,
    "fsrs6": Fsrs6Learner,
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
    memories: dict[str, MemoryState] = field(default_factory=dict)
    new_today: int = 0
    today: int = -1

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
        )
        return [int(item[1:]) for item in plan.item_ids]

    def observe(self, item: int, now: datetime, day: int, correct: bool) -> None:
        item_id = f"q{item}"
        previous = self.memories.get(item_id)
        grade = grade_quiz_answer(
            correct, ANSWER_SECONDS, self.difficulty[item], previous, guess_aware=self.guess_aware
        )
        self.memories[item_id] = review(previous, item_id, grade, now)


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


def make_policy(name: str, difficulty: Sequence[Difficulty], rng: random.Random) -> Policy:
    if name == "bot":
        return BotPolicy(difficulty)
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


# --- one learner --------------------------------------------------------------------


def simulate(
    model: str,
    budget: int,
    attendance: float,
    policy_name: str,
    learner_seed: int,
    days: int,
    difficulty: Sequence[Difficulty],
) -> tuple[float, float]:
    """Mean true recall over the deck at day min(30, days) and at `days`."""
    # The same learner (truth parameters, attended days, luck) under every policy.
    truth = TRUTHS[model](random.Random(learner_seed), difficulty)
    attend = random.Random(learner_seed + 1)
    attended = [attend.random() < attendance for _ in range(days)]
    luck = random.Random(learner_seed + 2)
    policy = make_policy(policy_name, difficulty, random.Random(learner_seed + 3))
    checkpoints = {min(30, days): 0.0, days: 0.0}
    for day in range(days + 1):
        if day in checkpoints:
            checkpoints[day] = sum(truth.recall(item, day) for item in range(DECK_SIZE)) / DECK_SIZE
        if day == days or not attended[day]:
            continue
        now = START + timedelta(days=day)
        for position, item in enumerate(policy.choose(day, now, budget)):
            moment = now + timedelta(seconds=(position + 1) * ANSWER_SECONDS)
            at = day + (position + 1) * ANSWER_SECONDS / 86_400
            recalled = luck.random() < truth.recall(item, at)
            correct = recalled or luck.random() < 1 / OPTIONS
            policy.observe(item, moment, day, correct)
            truth.study(item, at, recalled)
    return checkpoints[min(30, days)], checkpoints[days]


@dataclass(frozen=True)
class Task:
    model: str
    budget: int
    attendance: float
    seed: int
    learners: range
    days: int
    policies: tuple[str, ...]


def run_task(task: Task) -> tuple[Task, dict[str, list[tuple[float, float]]]]:
    difficulty = deck_difficulties()
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in task.policies}
    for learner in task.learners:
        learner_seed = (task.seed * 1_000_003 + learner) * 7919 + MODELS.index(task.model)
        for name in task.policies:
            results[name].append(
                simulate(
                    task.model,
                    task.budget,
                    task.attendance,
                    name,
                    learner_seed,
                    task.days,
                    difficulty,
                )
            )
    return task, results


# --- report -------------------------------------------------------------------------


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, 1.96 * spread / math.sqrt(len(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    parser.add_argument("--variants", action="store_true", help="also run bot-plain grading")
    args = parser.parse_args()
    bots = ("bot", "bot-plain", "due-first") if args.variants else ("bot",)
    policies = bots + BASELINES
    models = tuple(args.models.split(","))
    budgets = tuple(int(value) for value in args.budgets.split(","))
    chunk = max(1, args.learners // 4)
    tasks = [
        Task(
            model,
            budget,
            attendance,
            seed,
            range(start, min(start + chunk, args.learners)),
            args.days,
            policies,
        )
        for model in models
        for budget in budgets
        for attendance in ATTENDANCE
        for seed in range(args.seeds)
        for start in range(0, args.learners, chunk)
    ]
    started = time.perf_counter()
    cells: dict[tuple[str, int, float], dict[str, list[tuple[float, float]]]] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for task, results in pool.map(run_task, tasks):
            cell = cells.setdefault(
                (task.model, task.budget, task.attendance), {name: [] for name in policies}
            )
            for name, values in results.items():
                cell[name] += values
    elapsed = time.perf_counter() - started
    mid = min(30, args.days)
    print(
        f"{args.learners} learners x {args.seeds} seeds per cell, {args.days} days, "
        f"{len(tasks)} tasks on {args.workers} workers in {elapsed:.0f} s\n"
    )
    end = args.days
    header = ["model", "K", "attend.", f"bot d{mid}"]
    header += [f"{name} d{end}" for name in policies]
    header += [f"best d{mid}", f"bot / best d{mid}", f"best d{end}", f"bot / best d{end}"]
    if args.variants:
        header += [f"bot-plain / best d{end}", f"due-first / best d{end}"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    ratios: list[float] = []
    mid_ratios: list[float] = []
    plain_ratios: list[float] = []
    old_ratios: list[float] = []
    for (model, budget, attendance), cell in cells.items():
        middles = {name: mean_ci([start for start, _ in cell[name]]) for name in policies}
        finals = {name: mean_ci([final for _, final in cell[name]]) for name in policies}
        best_mid = max(BASELINES, key=lambda name: middles[name][0])
        best = max(BASELINES, key=lambda name: finals[name][0])
        mid_ratios.append(middles["bot"][0] / middles[best_mid][0])
        ratios.append(finals["bot"][0] / finals[best][0])
        row = [model, str(budget), f"{attendance:.0%}"]
        row.append(f"{middles['bot'][0]:.3f} ± {middles['bot'][1]:.3f}")
        row += [f"{finals[name][0]:.3f} ± {finals[name][1]:.3f}" for name in policies]
        row += [best_mid, f"{mid_ratios[-1]:.3f}", best, f"**{ratios[-1]:.3f}**"]
        if args.variants:
            plain_ratios.append(finals["bot-plain"][0] / finals[best][0])
            old_ratios.append(finals["due-first"][0] / finals[best][0])
            row += [f"{plain_ratios[-1]:.3f}", f"{old_ratios[-1]:.3f}"]
        print("| " + " | ".join(row) + " |")
    print(
        f"\nbot / best baseline at day {end}: mean {statistics.fmean(ratios):.3f}, "
        f"lowest {min(ratios):.3f} (goal: mean >= 1.05, none below 1.00); "
        f"at day {mid}: mean {statistics.fmean(mid_ratios):.3f}, lowest {min(mid_ratios):.3f}"
    )
    if args.variants:
        for name, values in (("bot-plain", plain_ratios), ("due-first", old_ratios)):
            print(
                f"{name} / best baseline: mean {statistics.fmean(values):.3f}, "
                f"lowest {min(values):.3f}"
            )


if __name__ == "__main__":
    main()

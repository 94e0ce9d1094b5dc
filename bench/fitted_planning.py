"""Planning with fitted weights costs what planning with the defaults costs.

Plans N learners × R reviews (bench/daily_fanout.py's choosing figure, same memories)
twice in one run: with FSRS's defaults (today's `--choose-only`), and with a fitted
weight set of each learner's own (the worst case: every learner a different set, so no
cached curve is shared). Goal: ratio <= 1.25.

Run: .venv/bin/python bench/fitted_planning.py [--learners 10000] [--reviews 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.daily_fanout import SESSION_SIZE, build_memories  # noqa: E402
from bot.domain.memory import DEFAULT_PARAMETERS, Parameters  # noqa: E402
from bot.domain.planner import plan_daily  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=200)
    args = parser.parse_args()
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    next_prompt = now + timedelta(days=1)
    rng = random.Random(1)
    items, memories = build_memories(args.learners, args.reviews, now, rng)
    own: list[Parameters] = [
        tuple(value * rng.uniform(0.9, 1.1) for value in DEFAULT_PARAMETERS) for _ in memories
    ]
    timings = {"defaults": float("inf"), "own fit": float("inf")}
    # Alternated and repeated, best of each: the machine's other load falls on both alike.
    for name, parameters_of in (
        ("defaults", lambda _n: DEFAULT_PARAMETERS),
        ("own fit", lambda n: own[n]),
    ) * 2:
        started = time.perf_counter()
        for index, learner in enumerate(memories):
            plan_daily(
                [item for item in items if item in learner],
                [item for item in items if item not in learner],
                learner,
                now,
                next_prompt,
                size=SESSION_SIZE,
                new_allowance=10,
                parameters=parameters_of(index),
                own_fit=name == "own fit",
            )
        timings[name] = min(timings[name], time.perf_counter() - started)
    ratio = timings["own fit"] / timings["defaults"]
    print(
        f"{args.learners} learners x {args.reviews} reviews: defaults {timings['defaults']:.2f} s, "
        f"each learner's own fit {timings['own fit']:.2f} s, ratio {ratio:.2f} (goal <= 1.25)"
    )


if __name__ == "__main__":
    main()

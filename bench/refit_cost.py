"""What the nightly refit costs on a large review log: FSRS and half-life regression.

A synthetic log of N learners x 60 questions answered over 60 days (memories that halve
and grow as in bench/learning.py's `exp` learners, 1-in-4 lucky guesses), about
`--reviews` reviews after first sight in all. Times, in CPU seconds
(`time.process_time`), the population fits the refit job makes (`fitting.refit` without
per-learner fits) and the half-life regression's share of it (`hlr.fit_and_check`).
Budget: a refit of 1 M reviews within 60 s of CPU (the job's `BUDGET_SECONDS`).

Run: .venv/bin/python bench/refit_cost.py [--reviews 1000000]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.fitting import FIT_GUESS, Answer, Histories, refit  # noqa: E402
from bot.domain.hlr import fit_and_check  # noqa: E402
from bot.domain.memory import DEFAULT_PARAMETERS, Grade  # noqa: E402

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
ITEMS = 60


def review_log(reviews: int, rng: random.Random) -> list[Answer]:
    answers: list[Answer] = []
    user = 0
    while len(answers) - user * ITEMS < reviews:
        ability = math.exp(rng.gauss(0, 0.35))
        for item in range(ITEMS):
            half_life = 1.5 * ability * math.exp(rng.gauss(0, 0.3))
            day = rng.uniform(0, 20)
            answers.append(Answer(user, f"q{item}", START + timedelta(days=day), Grade.AGAIN))
            last = day
            for _ in range(rng.randint(1, 6)):
                day += rng.choice((1, 1, 2, 3, 5, 8))
                recall = 2 ** (-(day - last) / half_life)
                recalled = rng.random() < recall
                right = recalled or rng.random() < 0.25
                if recalled:
                    half_life *= 1 + 3 * (1 - recall)
                else:
                    half_life = max(0.5, half_life / 2)
                grade = Grade.GOOD if right else Grade.AGAIN
                answers.append(Answer(user, f"q{item}", START + timedelta(days=day), grade))
                last = day
        user += 1
    answers.sort(key=lambda answer: answer.at)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    args = parser.parse_args()
    answers = review_log(args.reviews, random.Random(1))
    histories = Histories.of(answers)
    cut = histories.cut()
    assert cut is not None
    print(f"{len(answers):,} answers, {histories.reviews():,} reviews after first sight")
    started = time.process_time()
    hlr = fit_and_check(histories.cards, cut, FIT_GUESS)
    hlr_cpu = time.process_time() - started
    assert hlr is not None
    started = time.process_time()
    result = refit(answers, DEFAULT_PARAMETERS, learners=False, budget_seconds=1e9)
    total_cpu = time.process_time() - started
    population = result.population
    print(
        f"refit (FSRS population fit + half-life regression): {total_cpu:.1f} s CPU"
        f" (budget 60 s); of which half-life regression alone: {hlr_cpu:.1f} s CPU"
    )
    if population.base is not None and population.fitted is not None:
        print(
            f"held-out log loss: FSRS defaults {population.base.log_loss:.4f},"
            f" FSRS fit {population.fitted.log_loss:.4f},"
            f" half-life regression {hlr.heldout_log_loss:.4f}; lowest: {result.family}"
        )


if __name__ == "__main__":
    main()

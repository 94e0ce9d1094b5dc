"""Which FSRS optimizer: fsrs-rs-python (Rust, no torch) or fsrs[optimizer] (torch)?

Both fit the same synthetic review log (3,000 cards whose memory halves in a fraction of
the defaults' time, 1-in-4 lucky guesses), trained on the first 80 % of the answers in
time and judged on the rest (bot/domain/fitting.py's log loss, RMSE(bins), AUC).

Run: .venv/bin/python bench/optimizers.py
fsrs[optimizer] needs torch, which the bot does not install: `pip install torch
"fsrs[optimizer]"` in a scratch venv with this project's dependencies to compare.
"""

from __future__ import annotations

import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.fitting import Histories, evaluate, training_items  # noqa: E402
from bot.domain.memory import DEFAULT_PARAMETERS, Parameters  # noqa: E402


def review_log(rng: random.Random) -> list[tuple[int, datetime, int]]:
    logs = []
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    for card in range(3000):
        half_life = 0.3 * math.exp(rng.gauss(0, 0.4))
        moment = start + timedelta(days=rng.randint(0, 30))
        logs.append((card, moment, 1 if rng.random() < 0.75 else 2))
        last = moment
        for _ in range(rng.randint(1, 8)):
            moment += timedelta(days=rng.randint(1, 8))
            recall = 2 ** (-(moment - last).days / half_life)
            recalled = rng.random() < recall
            rating = 3 if recalled or rng.random() < 0.25 else 1
            half_life = half_life * (1 + 3 * (1 - recall)) if recalled else max(0.3, half_life / 2)
            logs.append((card, moment, rating))
            last = moment
    return sorted(logs, key=lambda entry: entry[1])


def main() -> None:
    import fsrs_rs_python as fsrs_rs

    logs = review_log(random.Random(3))
    cards: dict[tuple[int, str], list[tuple[datetime, int]]] = {}
    for card, moment, rating in logs:
        cards.setdefault((0, str(card)), []).append((moment, rating))
    histories = Histories(cards)
    cut = histories.cut()
    started = time.perf_counter()
    items = training_items(histories, cut)
    rust = tuple(fsrs_rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items))
    results: list[tuple[str, Parameters, float]] = [
        ("defaults", DEFAULT_PARAMETERS, 0.0),
        ("fsrs-rs-python", rust, time.perf_counter() - started),
    ]
    try:
        import torch  # noqa: F401
        from fsrs import Optimizer, Rating, ReviewLog
    except ImportError:
        print("fsrs[optimizer] not installed (needs torch): only fsrs-rs-python measured")
    else:
        assert cut is not None
        train = [
            ReviewLog(
                card_id=card, rating=Rating(rating), review_datetime=moment, review_duration=None
            )
            for card, moment, rating in logs
            if moment < cut
        ]
        started = time.perf_counter()
        torch_fit = tuple(Optimizer(train).compute_optimal_parameters())
        results.append(("fsrs[optimizer]", torch_fit, time.perf_counter() - started))
    print(f"{len(logs)} answers, {len(items)} training items")
    for name, parameters, seconds in results:
        check = evaluate(histories, parameters, since=cut, guess=0.0)  # plain fits of P(right)
        assert check is not None
        print(
            f"{name}: {seconds:.2f} s, held-out log loss {check.log_loss:.4f}, "
            f"RMSE(bins) {check.rmse_bins:.4f}, AUC {check.auc:.3f}"
        )


if __name__ == "__main__":
    main()

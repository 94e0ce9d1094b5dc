"""Compare fsrs-rs-python vs fsrs (torch) Optimizer on the same synthetic review log."""

import random, time, math
from datetime import datetime, timedelta, UTC
import fsrs_rs_python as rs
from fsrs import Optimizer, ReviewLog, Rating

rng = random.Random(3)
logs = []  # (card, time, rating)
start = datetime(2026, 1, 1, 9, tzinfo=UTC)
for card in range(3000):
    S = 0.3 * math.exp(rng.gauss(0, 0.4))
    t = start + timedelta(days=rng.randint(0, 30))
    first = True
    last = None
    for k in range(rng.randint(2, 9)):
        if not first:
            t += timedelta(days=rng.randint(1, 8))
            p = 2 ** (-(t - last).days / S)
            rec = rng.random() < p
            r = 3 if rec else (3 if rng.random() < 0.25 else 1)
            S = S * (1 + 3 * (1 - p)) if rec else max(0.3, S / 2)
        else:
            r = 1 if rng.random() < 0.75 else 2
        logs.append((card, t, r))
        last = t
        first = False
logs.sort(key=lambda x: x[1])
cut = logs[int(len(logs) * 0.8)][1]


def items_for(before):
    cards = {}
    for c, t, r in logs:
        cards.setdefault(c, []).append((t, r))
    out = []
    for h in cards.values():
        revs = [rs.FSRSReview(h[0][1], 0)] + [
            rs.FSRSReview(r, (t - h[i][0]).days) for i, (t, r) in enumerate(h[1:])
        ]
        for k in range(1, len(h)):
            if before and h[k][0] >= before:
                break
            out.append(rs.FSRSItem(revs[: k + 1]))
    return cards, out


cards, train = items_for(cut)
import sys

sys.path.insert(0, "/work/wt/learn")
from bot.domain.fitting import Histories, evaluate
from bot.domain.memory import DEFAULT_PARAMETERS

H = Histories({(0, str(c)): h for c, h in cards.items()})
t = time.perf_counter()
w_rs = rs.FSRS(rs.DEFAULT_PARAMETERS).compute_parameters(train)
t_rs = time.perf_counter() - t
rl = [
    ReviewLog(card_id=c, rating=Rating(r), review_datetime=t, review_duration=None)
    for c, t, r in logs
    if t < cut
]
t = time.perf_counter()
w_py = Optimizer(rl).compute_optimal_parameters()
t_py = time.perf_counter() - t
print("reviews", len(logs), "train items", len(train))
for name, w, sec in [
    ("default", DEFAULT_PARAMETERS, 0),
    ("fsrs-rs-python", w_rs, t_rs),
    ("fsrs[optimizer]", w_py, t_py),
]:
    c = evaluate(H, tuple(w), since=cut)
    print(
        f"{name}: {sec:.2f} s, held-out log loss {c.log_loss:.4f} rmse {c.rmse_bins:.4f} auc {c.auc:.3f}"
    )

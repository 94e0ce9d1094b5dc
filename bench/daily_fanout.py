"""Daily revision at scale: N learners due at once, Telegram's 30 messages/s cap.

Two figures:

1. **Choosing**: time to plan today's session for N learners with R reviews each
   (`bot.domain.planner.plan_daily`, the work the daily job does per learner; the
   older due-first `chooser.plan_session` is timed in the same run as a baseline),
   measured in-process on prebuilt FSRS memory states. Target: < 2 s for 10,000 × 200.
2. **Fan-out**: `python -m bot` as a subprocess against the fake Bot API server
   (`tests/fakes/telegram_server.py`), which enforces 30 messages/s on *its* clock
   with 429 replies. The server clock runs `--time-scale` times faster than wall time
   so the run stays short; the bot's `AIORateLimiter` is given the same scaled cap
   (`OVERALL_MAX_RATE`). All N learners have a daily time that passed a minute ago
   and no prompt today, so at start-up every one is due at once (the catch-up path:
   the same minute tick and prompt workers as at the scheduled minute). Reported:
   messages per server-second as a share of the 30/s cap (target ≥ 93 %), and 429s.

Run: .venv/bin/python bench/daily_fanout.py [--learners 10000] [--reviews 200] [--time-scale 1]
     [--choose-only]

A faster server clock (`--time-scale 3`) shortens the run but magnifies event-loop
jitter: a 50 ms pause becomes 150 ms of server time, and each 429 it causes costs a
whole wall second. The default measures at real speed (about 12 minutes for 10,000).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.chooser import plan_session  # noqa: E402
from bot.domain.memory import Grade, MemoryState, review  # noqa: E402
from bot.domain.planner import plan_daily  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.storage.database import to_db_time  # noqa: E402
from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402

TELEGRAM_CAP = 30  # messages per second, overall
SESSION_SIZE = 5


def build_memories(
    learners: int, reviews: int, now: datetime, rng: random.Random
) -> tuple[list[str], list[dict[str, MemoryState]]]:
    """Each learner: `reviews` items answered over the past 60 days, plus 50 unseen items."""
    items = [f"item-{index}" for index in range(reviews + 50)]
    grades = [Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.GOOD, Grade.EASY]
    # FSRS is deterministic without fuzz: build a pool of histories once, deal them out.
    pool: list[MemoryState] = []
    for _ in range(2000):
        memory = None
        moment = now - timedelta(days=rng.uniform(1, 60))
        for _ in range(rng.randint(1, 4)):
            memory = review(memory, "x", rng.choice(grades), moment)
            moment += timedelta(days=rng.uniform(0.5, 10))
            if moment >= now:
                break
        assert memory is not None
        pool.append(memory)
    memories = []
    for _ in range(learners):
        chosen = rng.sample(items[: reviews + 50], reviews)
        memories.append({item: rng.choice(pool) for item in chosen})
    return items, memories


def bench_choosing(learners: int, reviews: int) -> tuple[float, float]:
    """Seconds to plan every learner's day: the planner the daily job calls, and the old
    due-first chooser (`plan_session`) as the baseline, measured in the same run."""
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    next_prompt = now + timedelta(days=1)
    items, memories = build_memories(learners, reviews, now, random.Random(1))
    started = time.perf_counter()
    for learner in memories:
        plan_daily(
            [item for item in items if item in learner],
            [item for item in items if item not in learner],
            learner,
            now,
            next_prompt,
            size=SESSION_SIZE,
            new_allowance=10,
        )
    planner = time.perf_counter() - started
    started = time.perf_counter()
    for learner in memories:
        plan_session(items, learner, now, size=SESSION_SIZE, new_allowance=10)
    return planner, time.perf_counter() - started


async def register_learners(database: Path, learners: int) -> None:
    """Learners whose daily time passed a minute ago (UTC) and who had no prompt today."""
    storage = Storage(database)
    await storage.open()
    try:
        now = datetime.now(UTC)
        daily_time = f"{now - timedelta(minutes=1):%H:%M}"
        async with storage.db.transaction() as db:
            stamp = to_db_time(now)
            await db.executemany(
                "INSERT INTO users (user_id, first_name, daily_time, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(10_000 + n, f"Learner {n}", daily_time, stamp, stamp) for n in range(learners)],
            )
    finally:
        await storage.close()


def bench_fanout(learners: int, time_scale: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        asyncio.run(register_learners(database, learners))
        expected = learners * 2  # the prompt, then the session's first item
        with FakeTelegramServer(global_rate=TELEGRAM_CAP, time_scale=time_scale) as server:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": "123456:BENCH",
                "TELEGRAM_BASE_URL": server.base_url,
                "DATABASE_PATH": str(database),
                "CONTENT_DIR": str(ROOT / "content"),
                "LOG_LEVEL": "WARNING",
                "OVERALL_MAX_RATE": str(TELEGRAM_CAP * time_scale),
            }
            log_path = Path(folder) / "bot.log"
            with log_path.open("w") as log:
                command = [sys.executable, "-m", "bot"]
                if os.environ.get("BENCH_PROFILE"):
                    command[1:1] = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
                process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
                try:
                    server.wait_for(
                        lambda: len(server.send_log) >= expected or None,
                        timeout=expected / (TELEGRAM_CAP * time_scale) * 3 + 120,
                        description=f"{expected} messages",
                    )
                finally:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=60)
            sends = sorted(entry.server_time for entry in server.send_log)
            wall = sorted(entry.wall_time for entry in server.send_log)
            duration = sends[-1] - sends[0]
            rate = (len(sends) - 1) / duration if duration > 0 else float("inf")
            return {
                "messages": len(sends),
                "server_seconds": duration,
                "wall_seconds": wall[-1] - wall[0],
                "rate": rate,
                "share": rate / TELEGRAM_CAP,
                "rate_limited": server.rate_limited_count,
                "peak": server.peak_rate(window=1.0),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=200)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--choose-only", action="store_true", help="skip the fan-out")
    args = parser.parse_args()

    seconds, baseline = bench_choosing(args.learners, args.reviews)
    print(
        f"choose: {args.learners} learners x {args.reviews} reviews planned in {seconds:.2f} s "
        f"({seconds / args.learners * 1e6:.0f} us per learner; target < 2 s); "
        f"due-first chooser {baseline:.2f} s, ratio {seconds / baseline:.2f}"
    )
    if args.choose_only:
        return
    fanout = bench_fanout(args.learners, args.time_scale)
    print(
        f"fan-out: {fanout['messages']:.0f} messages to {args.learners} learners in "
        f"{fanout['server_seconds']:.1f} server-s ({fanout['wall_seconds']:.1f} wall-s at "
        f"x{args.time_scale:g}): {fanout['rate']:.2f} msg/s = {fanout['share']:.1%} of the "
        f"{TELEGRAM_CAP}/s cap (target >= 93%); peak {fanout['peak']:.0f} in any 1 s; "
        f"429 replies: {fanout['rate_limited']:.0f}"
    )


if __name__ == "__main__":
    main()

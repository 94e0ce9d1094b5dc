"""Private-chat answers at a steady rate: from the answer reaching Telegram to its SQLite row.

`python -m bot` runs against the fake Bot API server (tests/fakes/telegram_server.py).
`--learners` learners each get a quiz poll (sent with the send cap lifted, so set-up is
quick), then the bot is restarted with Telegram's real caps and the learners answer at
`--rate` answers/s, each once. This process watches the answers table (WAL lets it read
while the bot writes) and takes, for every answer, the time from pushing the vote into
the fake server to first seeing its row: getUpdates delivery, the durable inbox, the
handler and the group commit, all included. The baseline, measured in the same run, is
this watcher's own floor: how late it sees a row that is already there (its polling step).

Target (issue "Fast at scale", goal 1): p99 < 20 ms at 200 answers/s.

Run: .venv/bin/python bench/private_latency.py [--learners 2000] [--rate 200]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import BotProcess  # noqa: E402
from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402

FIRST = 3_000_000
WATCH_STEP = 0.001


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeTelegramServer(global_rate=None, group_rate_per_minute=None) as server,
    ):
        database = Path(folder) / "quiz.sqlite3"
        bot = BotProcess(server, database, OVERALL_MAX_RATE="100000", LOG_LEVEL="WARNING").start()
        learners = [server.user(FIRST + n, f"L{n}") for n in range(args.learners)]
        for learner in learners:
            server.push_message(learner, "/quiz")
        polls = {
            learner.id: server.wait_for_poll(learner.id, timeout=120)["poll"]
            for learner in learners
        }
        server.wait_for(
            lambda: _count(database, "SELECT COUNT(*) FROM sent_polls") >= args.learners,
            timeout=60,
        )
        bot.stop()
        bot = BotProcess(server, database, LOG_LEVEL="WARNING").start()  # Telegram's caps
        time.sleep(1.0)

        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as watcher:
            last_id = int(watcher.execute("SELECT COALESCE(MAX(id), 0) FROM answers").fetchone()[0])
            pushed: dict[int, float] = {}
            seen: dict[int, float] = {}
            floor: list[float] = []
            interval = 1.0 / args.rate
            started = time.perf_counter()
            index = 0
            while len(seen) < args.learners:
                now = time.perf_counter()
                while index < args.learners and started + index * interval <= now:
                    learner = learners[index]
                    poll = polls[learner.id]
                    pushed[learner.id] = time.perf_counter()
                    server.push_poll_answer(learner, poll["id"], [poll["correct_option_ids"][0]])
                    index += 1
                step_start = time.perf_counter()
                rows = watcher.execute(
                    "SELECT id, user_id FROM answers WHERE id > ? ORDER BY id", (last_id,)
                ).fetchall()
                moment = time.perf_counter()
                floor.append(moment - step_start)
                for row_id, user_id in rows:
                    seen.setdefault(user_id, moment)
                    last_id = max(last_id, row_id)
                if now - started > args.learners * interval + 60:
                    break
                time.sleep(WATCH_STEP)
        bot.stop()

    latencies = [1000 * (seen[user] - pushed[user]) for user in seen]
    lost = args.learners - len(seen)
    floor_ms = [1000 * (value + WATCH_STEP) for value in floor]
    print(
        f"{len(latencies)} private answers at {args.rate:.0f}/s, pushed -> row seen in SQLite:"
        f" p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms,"
        f" p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
        f" (target p99 < 20 ms); not stored: {lost}"
    )
    print(
        f"baseline, the watcher's own floor (read step + sleep): p50 "
        f"{statistics.median(floor_ms):.1f} ms, p99 {percentile(floor_ms, 0.99):.1f} ms;"
        f" p99 answer / p99 floor = x{percentile(latencies, 0.99) / percentile(floor_ms, 0.99):.1f}"
    )
    return 0 if lost == 0 else 1


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return int(db.execute(sql).fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())

"""/stats picture speed: a learner with 5,000 answers, target < 300 ms p95.

Measured in one run, on the same machine state:

1. **baseline**: `charts.blank_png()` — a figure of the same size with four empty axes, saved
   as PNG. This is the floor any matplotlib picture of this size pays (canvas, axes, encoding).
2. **render**: `charts.progress_png(report)` for the sample learner (bench/sample_learner.py,
   written through the bot's own storage and FSRS).
3. **/stats end to end, without Telegram**: the four storage queries, the aggregation and the
   drawing (`progress_report` + `progress_png`), as the handler runs them.
4. **event loop while drawing**: the longest gap between 5 ms ticks of a coroutine while
   one picture is drawn in `asyncio.to_thread` (as the handler does) and, for contrast,
   drawn on the loop itself.

Also reports the process's peak RSS before and after matplotlib is first imported.

Run: .venv/bin/python bench/render_stats.py [--answers 5000] [--runs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sample_learner import build_sample_learner  # noqa: E402
from bot import charts  # noqa: E402
from bot.content.loader import load_bank  # noqa: E402
from bot.domain.progress import ProgressReport  # noqa: E402
from bot.handlers.stats import progress_report  # noqa: E402
from bot.storage import Storage  # noqa: E402

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
TARGET_P95_MS = 300.0
TICK = 0.005


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


async def timed_async(action: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return samples


async def loop_lag(draw: Callable[[], Awaitable[object]]) -> float:
    """Longest gap (ms) between TICK-second ticks of a coroutine while `draw` runs."""
    done = asyncio.Event()
    longest = 0.0

    async def ticker() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            longest = max(longest, now - last - TICK)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(TICK * 2)
    await draw()
    done.set()
    await task
    return longest * 1000


async def main(answers: int, runs: int) -> None:
    bank = load_bank(ROOT / "content")
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage(Path(folder) / "bench.sqlite3")
        await storage.open()
        try:
            started = time.perf_counter()
            await build_sample_learner(storage, bank, user_id=1, answers=answers, now=NOW)
            built = time.perf_counter() - started
            user = await storage.users.get(1)
            assert user is not None
            total, _ = await storage.progress.totals(1)
            print(f"sample learner: {total:,} answers written in {built:.1f} s")

            before = rss_mb()
            import_started = time.perf_counter()
            report: ProgressReport = await progress_report(storage, bank, user, NOW)
            charts.progress_png(report)  # first draw: imports matplotlib, loads the font
            first = time.perf_counter() - import_started
            print(
                f"first picture (imports matplotlib): {first * 1000:.0f} ms; "
                f"peak RSS {before:.0f} MB -> {rss_mb():.0f} MB"
            )
            for _ in range(3):  # warm-up, as a long-running bot is after its first /stats
                charts.blank_png()
                charts.progress_png(report)

            # Interleave the three so machine noise hits them alike.
            blank: list[float] = []
            render: list[float] = []
            whole: list[float] = []

            async def end_to_end() -> None:
                fresh = await progress_report(storage, bank, user, NOW)
                charts.progress_png(fresh)

            for _ in range(runs):
                blank += timed(charts.blank_png, 1)
                render += timed(lambda: charts.progress_png(report), 1)
                whole += await timed_async(end_to_end, 1)

            png = charts.progress_png(report)
            base50, base95 = percentiles(blank)
            draw50, draw95 = percentiles(render)
            all50, all95 = percentiles(whole)
            print(f"picture: {len(png):,} bytes; {runs} runs each")
            print(f"baseline blank figure:  p50 {base50:6.1f} ms  p95 {base95:6.1f} ms")
            print(
                f"render progress_png:    p50 {draw50:6.1f} ms  p95 {draw95:6.1f} ms"
                f"  = {draw50 / base50:.2f}x baseline at p50"
            )
            verdict = "OK" if all95 < TARGET_P95_MS else "OVER"
            print(
                f"queries + aggregation + render: p50 {all50:6.1f} ms  p95 {all95:6.1f} ms"
                f"  (target p95 < {TARGET_P95_MS:.0f} ms: {verdict})"
            )

            off = await loop_lag(lambda: asyncio.to_thread(charts.progress_png, report))

            async def inline() -> None:
                charts.progress_png(report)

            on = await loop_lag(inline)
            print(
                f"event loop, longest stall while one picture is drawn: "
                f"{off:.0f} ms in a thread (as /stats does) vs {on:.0f} ms on the loop"
            )
        finally:
            await storage.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.answers, args.runs))

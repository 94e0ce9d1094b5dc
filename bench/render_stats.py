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

Wall times include waiting for a core, so on a shared machine they follow its load (printed);
CPU times (this thread's) are the work itself. The picture reuses one figure between
learners (see `charts._ProgressFigure`), so after the first picture it costs about what a
fresh blank figure of the same size costs.

Also reports the process's peak RSS before and after matplotlib is first imported.

Run: .venv/bin/python bench/render_stats.py [--answers 5000] [--runs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
from bot.content.loader import load_bank  # noqa: E402
from bot.domain.progress import ProgressReport  # noqa: E402
from bot.flows.progress import progress_report  # noqa: E402
from bot.render import charts  # noqa: E402
from bot.storage import Storage  # noqa: E402

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
TARGET_P95_MS = 300.0
TICK = 0.005
LAG_RUNS = 7


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


class Samples:
    """Wall time and this thread's CPU time per run: on a shared machine the wall time
    includes waiting for a core, the CPU time is the work itself."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    def line(self, name: str) -> str:
        wall50, wall95 = percentiles(self.wall)
        cpu50, cpu95 = percentiles(self.cpu)
        return (
            f"{name:<34} wall p50 {wall50:6.1f} ms  p95 {wall95:6.1f} ms"
            f"  | cpu p50 {cpu50:6.1f} ms  p95 {cpu95:6.1f} ms"
        )


def timed(action: Callable[[], object], samples: Samples) -> None:
    wall, cpu = time.perf_counter(), time.thread_time()
    action()
    samples.add(time.perf_counter() - wall, time.thread_time() - cpu)


async def timed_async(action: Callable[[], Awaitable[object]], samples: Samples) -> None:
    wall, cpu = time.perf_counter(), time.thread_time()
    await action()
    # aiosqlite runs the queries on its own thread: their CPU time is not counted here,
    # their wall time is.
    samples.add(time.perf_counter() - wall, time.thread_time() - cpu)


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
                charts.blank_png(len(report.mastery))
                charts.progress_png(report)

            # Interleave the three so machine noise hits them alike.
            blank, render, whole = Samples(), Samples(), Samples()

            async def end_to_end() -> None:
                fresh = await progress_report(storage, bank, user, NOW)
                charts.progress_png(fresh)

            for _ in range(runs):
                timed(lambda: charts.blank_png(len(report.mastery)), blank)
                timed(lambda: charts.progress_png(report), render)
                await timed_async(end_to_end, whole)

            png = charts.progress_png(report)
            load = os.getloadavg()[0]
            print(f"picture: {len(png):,} bytes; {runs} runs each; load average {load:.1f}")
            print(blank.line("baseline: blank figure, same size"))
            print(render.line("render: progress_png"))
            print(whole.line("/stats: queries + aggregation + render"))
            ratio = percentiles(render.wall)[0] / percentiles(blank.wall)[0]
            cpu_ratio = percentiles(render.cpu)[0] / percentiles(blank.cpu)[0]
            wall95 = percentiles(whole.wall)[1]
            verdict = "OK" if wall95 < TARGET_P95_MS else "OVER"
            print(
                f"render / baseline at p50: {ratio:.2f}x wall, {cpu_ratio:.2f}x cpu; "
                f"/stats wall p95 {wall95:.0f} ms (target < {TARGET_P95_MS:.0f} ms: {verdict})"
            )

            async def inline() -> None:
                charts.progress_png(report)

            off, on = [], []
            for _ in range(LAG_RUNS):
                off.append(await loop_lag(lambda: asyncio.to_thread(charts.progress_png, report)))
                on.append(await loop_lag(inline))
            print(
                f"event loop, longest stall while one picture is drawn (median of {LAG_RUNS}): "
                f"{statistics.median(off):.0f} ms in a thread (as /stats does) vs "
                f"{statistics.median(on):.0f} ms on the loop"
            )
        finally:
            await storage.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.answers, args.runs))

"""The Mini App dashboard at scale: JSON latency beside /leaderboard's reads, first load, weight.

The database is bench/scale.py's (built by its `build`, through the bot's migrations): a
group of `--members` members who answered 50 challenge questions each (250,000 answers for
5,000 members) over five weeks, and private quiz answers for every member.

Measured in one run, on the same file and the same event loop:
- **baseline**: /leaderboard's reads (the weekly and all-time boards with the caller's rank,
  `challenge_totals.board`, as the handler calls them) and /groupstats' reads;
- each dashboard endpoint over HTTP on 127.0.0.1 (aiohttp's client against the real
  aiohttp application, initData checked on every call): the teacher's summary, the matrix
  (all weeks; one week; sorted by name at the middle of the list), a student's trend, the
  learner's own dashboard. Target: p95 < 50 ms.
- with Chromium present (CHROMIUM_PATH, default /usr/bin/chromium): the teacher's and the
  learner's first load in the browser (navigation to rendered data; target < 1 s) and the
  page weight (bytes transferred and decoded; target < 200 KB).

Run: .venv/bin/python bench/dashboard.py [--members 5000] [--repeat 60]
Small check: .venv/bin/python bench/dashboard.py --members 500 --repeat 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, web  # noqa: E402

from bench.scale import FIRST_USER, GROUP, Shape, build  # noqa: E402
from bot.content.loader import load_bank  # noqa: E402
from bot.domain.clock import SystemClock  # noqa: E402
from bot.domain.scoring import week_start  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.storage.challenge_totals import board  # noqa: E402
from bot.web.auth import build_init_data  # noqa: E402
from bot.web.server import DashboardApp  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


class BenchActions:
    """Telegram's answers, without Telegram: every caller administers the group."""

    def __init__(self, members: int) -> None:
        self.members = members

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        return True

    async def member_count(self, chat_id: int) -> int | None:
        return self.members + 1

    async def send_quiz(self, user_id: int, item_id: str) -> bool:
        raise AssertionError("not measured")

    async def start_challenge(
        self, chat_id: int, user_id: int, first_name: str, deck_id: str
    ) -> bool:
        raise AssertionError("not measured")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


CPU: dict[str, float] = {}


async def timed(repeat: int, call: Callable[[], Awaitable[Any]], name: str) -> list[float]:
    """Wall times (ms) of `repeat` calls; their mean CPU time (this process: event loop,
    SQLite's thread, client and server) goes to CPU[name]. On a shared machine the wall
    times carry other processes' load; the CPU time does not."""
    await call()  # warm: the first read pulls pages into SQLite's cache
    times = []
    cpu_started = time.process_time()
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    CPU[name] = (time.process_time() - cpu_started) * 1000 / repeat
    return times


def init_data(user_id: int, start_param: str | None = None) -> str:
    user = {"id": user_id, "first_name": "Bench", "language_code": "en"}
    return build_init_data(TOKEN, user, datetime.now(UTC), start_param=start_param)


async def measure(path: Path, members: int, repeat: int, browser: bool) -> dict[str, Any]:
    storage = Storage(path)
    await storage.open()
    bank = load_bank(ROOT / "content")
    app = DashboardApp(
        storage=storage,
        bank=lambda: bank,
        clock=SystemClock(),
        bot_token=TOKEN,
        actions=BenchActions(members),
    )
    runner = web.AppRunner(app.build(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    caller = FIRST_USER + members // 2
    try:
        week = week_start(datetime.now(UTC))

        async def leaderboard() -> None:
            await board(storage.db, GROUP, week, caller, 10)
            await board(storage.db, GROUP, None, caller, 10)

        async def groupstats() -> None:
            await storage.progress.challenge_tallies(GROUP)
            await storage.progress.challenge_members(GROUP)
            await storage.progress.challenge_players_in_week(GROUP, datetime.now(UTC))

        for name, call in (
            ("leaderboard reads (baseline)", leaderboard),
            ("groupstats reads", groupstats),
        ):
            results[name] = await timed(repeat, call, name)

        teacher = {"Authorization": "tma " + init_data(FIRST_USER, f"g{GROUP}")}
        learner = {"Authorization": "tma " + init_data(caller)}
        async with ClientSession() as http:
            summary = await (
                await http.get(f"{base}/api/group/{GROUP}/summary", headers=teacher)
            ).json()
            latest_week = summary["weeks"][0]

            def get(url: str, headers: dict[str, str]) -> Callable[[], Awaitable[Any]]:
                async def call() -> Any:
                    async with http.get(base + url, headers=headers) as response:
                        assert response.status == 200, (url, response.status)
                        return await response.read()

                return call

            group = f"/api/group/{GROUP}"
            endpoints = {
                "summary": get(f"{group}/summary", teacher),
                "matrix, all weeks, by points": get(f"{group}/matrix", teacher),
                "matrix, one week": get(f"{group}/matrix?week={latest_week}", teacher),
                f"matrix, by name, offset {members // 2}": get(
                    f"{group}/matrix?sort=name&offset={members // 2}", teacher
                ),
                "student trend": get(f"{group}/student/{caller}", teacher),
                "learner /api/me": get("/api/me", learner),
            }
            for name, call in endpoints.items():
                results[name] = await timed(repeat, call, name)
            sizes = {name: len(await call()) for name, call in endpoints.items()}
        results["_sizes"] = sizes
        if browser:
            results["_browser"] = await browser_figures(base, caller)
    finally:
        await runner.cleanup()
        await storage.close()
    return results


async def browser_figures(base: str, learner_id: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    theme = quote(json.dumps({"bg_color": "#ffffff", "text_color": "#000000"}), safe="")
    figures: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        for view, data, ready in (
            ("teacher", init_data(FIRST_USER, f"g{GROUP}"), "#matrix-table"),
            ("learner", init_data(learner_id), "#headline"),
        ):
            loads = []
            for _ in range(5):
                context = await browser.new_context(viewport={"width": 390, "height": 844})
                page = await context.new_page()
                await page.goto(
                    f"{base}/#tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0"
                    f"&tgWebAppThemeParams={theme}"
                )
                await page.wait_for_selector(ready)
                loads.append(await page.evaluate("performance.now()"))
                weight = await page.evaluate(
                    "(() => { const all = performance.getEntriesByType('navigation')"
                    ".concat(performance.getEntriesByType('resource'));"
                    " return [all.reduce((s, e) => s + e.transferSize, 0),"
                    " all.reduce((s, e) => s + e.decodedBodySize, 0)]; })()"
                )
                await context.close()
            figures[view] = {"first_load_ms": loads, "transferred": weight[0], "decoded": weight[1]}
        await browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--private-answers", type=int, default=100, help="per member")
    parser.add_argument("--repeat", type=int, default=60, help="requests per latency figure")
    parser.add_argument("--database", type=Path, default=None, help="keep/reuse the built file")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    path = args.database or workdir / "bench.sqlite3"
    shape = Shape(
        learners=args.members,
        answers=args.members * (50 + args.private_answers),
        members=args.members,
        group_answers=args.members * 50,
    )
    try:
        if not path.exists():
            seconds = build(path, shape)
            print(
                f"built {path.name}: {shape.members} members x 50 challenge questions,"
                f" {shape.answers:,} answers in {seconds:.0f} s"
            )
        results = asyncio.run(
            measure(path, args.members, args.repeat, browser=Path(CHROMIUM).exists())
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sizes = results.pop("_sizes")
    browser = results.pop("_browser", None)
    baseline = statistics.median(results["leaderboard reads (baseline)"])
    cpu_baseline = CPU["leaderboard reads (baseline)"]
    print(
        f"\n{'':38} {'p50 ms':>8} {'p95 ms':>8} {'p95/lb p50':>11} {'CPU ms':>7}"
        f" {'CPU/lb':>7} {'JSON bytes':>11}"
    )
    for name, times in results.items():
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        size = sizes.get(name)
        print(
            f"{name:38} {p50:8.1f} {p95:8.1f} {p95 / baseline:10.1f}x {CPU[name]:7.1f}"
            f" {CPU[name] / cpu_baseline:6.1f}x {size if size is not None else '':>11}"
        )
    dashboard = {k: v for k, v in results.items() if k in sizes}
    worst = max(percentile(times, 0.95) for times in dashboard.values())
    print(f"\nworst dashboard p95: {worst:.1f} ms (target < 50 ms)")
    if browser is None:
        print(f"browser figures skipped: no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        return
    for view, figure in browser.items():
        loads = figure["first_load_ms"]
        print(
            f"{view} first load: median {statistics.median(loads):.0f} ms, max {max(loads):.0f} ms"
            f" (target < 1 s); page weight {figure['transferred'] / 1000:.1f} KB transferred,"
            f" {figure['decoded'] / 1000:.1f} KB decoded (target < 200 KB)"
        )


if __name__ == "__main__":
    main()

"""Decks: import speed, what a live reload costs the event loop, and what translation costs.

1. import-deck: a generated CSV of N questions parsed, validated and written as YAML,
   against the bare stdlib `csv` parse of the same text (the floor).
2. reload: the longest event-loop stall while the bank (shipped decks + the imported one) is
   reloaded by `reload_bank` (loaded in a worker thread, swapped in one step), against
   loading it on the loop itself, as a naive reload would.
3. render: messages rendered in Russian through the gettext catalogue, against the same
   messages with gettext's identity translation (the English message ids).

Run: .venv/bin/python bench/decks.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gettext
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import i18n, render  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content.importers import build_deck, dump_deck, parse  # noqa: E402
from bot.content.loader import load_bank  # noqa: E402
from bot.domain.clock import SystemClock  # noqa: E402
from bot.domain.progress import DeckLine  # noqa: E402
from bot.flows.reload import reload_bank  # noqa: E402
from bot.flows.services import Services  # noqa: E402
from bot.storage import Storage  # noqa: E402


def spreadsheet(rows: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["question", "option1", "option2", "option3", "option4", "correct"])
    for n in range(rows):
        options = [f"Answer {n}-{k} with some words in it" for k in range(4)]
        writer.writerow([f"Question number {n}: which answer is right?", *options, "2"])
    return buffer.getvalue()


def bench_import(text: str, out: Path) -> None:
    start = time.perf_counter()
    rows = sum(1 for _ in csv.reader(text.splitlines()))
    floor = time.perf_counter() - start
    start = time.perf_counter()
    result = build_deck(parse(text, "csv"), deck_id="bench", title="Bench", description="d")
    assert result.deck is not None, result.problems[:3]
    (out / "bench.yaml").write_text(dump_deck(result.deck), encoding="utf-8")
    full = time.perf_counter() - start
    print(
        f"import: {rows - 1} rows in {full:.2f} s ({(rows - 1) / full:,.0f} rows/s); "
        f"bare csv parse {floor * 1000:.1f} ms; import/parse = {full / floor:.0f}x"
    )


async def longest_stall(work: Callable[[], object]) -> tuple[float, float]:
    """(longest gap between 1 ms ticks, seconds the work took) while `work` runs."""
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stalls.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    outcome = work()
    if asyncio.iscoroutine(outcome):
        await outcome
    took = time.perf_counter() - start
    done.set()
    await ticking
    return max(stalls), took


async def bench_reload(content: Path) -> None:
    settings = Settings(_env_file=None, telegram_bot_token="1:x", content_dir=content)  # type: ignore[call-arg]
    services = Services(
        settings=settings,
        storage=Storage(":memory:"),
        bank=load_bank(content),
        clock=SystemClock(),
    )
    items = sum(len(deck.items) for deck in services.bank.decks)
    threaded, took = await longest_stall(lambda: reload_bank(services))
    on_loop, _ = await longest_stall(lambda: load_bank(content))
    print(
        f"reload: {items} items; reload_bank took {took:.2f} s with the loop's longest stall "
        f"{threaded * 1000:.1f} ms; loading on the loop stalls it {on_loop * 1000:.0f} ms "
        f"({on_loop / threaded:.0f}x longer)"
    )


def bench_render(repeat: int) -> None:
    bank = load_bank(ROOT / "content")
    deck = bank.default_deck

    def messages() -> None:
        render.welcome("Ada", deck, "09:00", "Europe/Berlin")
        render.deck_list(bank.decks, {}, deck.id)
        render.stats(10, 7, 5, 40, [DeckLine("T", 10, 7, 5, 20)], streak=3)
        render.daily_summary(4, 5, 2)

    def timed(language: str) -> float:
        with i18n.language(language):
            start = time.perf_counter()
            for _ in range(repeat):
                messages()
            return (time.perf_counter() - start) / repeat

    russian = timed("ru")
    real = i18n.translations
    i18n.translations = lambda language: gettext.NullTranslations()  # type: ignore[assignment]
    try:
        identity = timed("ru")
    finally:
        i18n.translations = real  # type: ignore[assignment]
    print(
        f"render: 4 messages in Russian {russian * 1e6:.0f} us, with identity gettext "
        f"{identity * 1e6:.0f} us ({russian / identity:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--renders", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("*.md"))
        bench_import(spreadsheet(args.rows), content)
        asyncio.run(bench_reload(content))
        bench_render(args.renders)


if __name__ == "__main__":
    main()

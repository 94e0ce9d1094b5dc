"""Render the README's /stats picture from a sample database: docs/stats-example.png.

The sample learner (bench/sample_learner.py) is written into a fresh SQLite file through
the bot's own storage, then the picture is made by the same code /stats runs
(`progress_report` + `charts.progress_png`). Also prints the caption sent with it.

The learner studies as daily revision asks (questions when they are due, then new ones) for
half a year, so some memories truly last: "mastered" means FSRS stability of at least
21 days, which no learner reaches in a few weeks of cramming.

Run: .venv/bin/python bench/stats_example.py [--answers 1500] [--days 180]
     [--out docs/stats-example.png]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sample_learner import build_sample_learner  # noqa: E402
from bot import render  # noqa: E402
from bot.content.loader import load_bank  # noqa: E402
from bot.domain.progress import ProgressReport  # noqa: E402
from bot.flows.progress import progress_report  # noqa: E402
from bot.render import charts  # noqa: E402
from bot.storage import Storage  # noqa: E402

# A fixed moment, so the committed picture only changes when the code does.
NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


async def sample_report(answers: int, days: int) -> ProgressReport:
    bank = load_bank(ROOT / "content")
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage(Path(folder) / "sample.sqlite3")
        await storage.open()
        try:
            await build_sample_learner(
                storage, bank, user_id=1, answers=answers, now=NOW, days=days, when_due=True
            )
            user = await storage.users.get(1)
            assert user is not None
            return await progress_report(storage, bank, user, NOW)
        finally:
            await storage.close()


def main(answers: int, days: int, out: Path) -> None:
    report = asyncio.run(sample_report(answers, days))
    out.write_bytes(charts.progress_png(report))
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    print(render.stats_caption(report.headline))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1500)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "stats-example.png")
    args = parser.parse_args()
    main(args.answers, args.days, args.out)

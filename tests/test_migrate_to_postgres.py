"""`python -m bot migrate-to-postgres`: a SQLite database used through PTB, moved, then used
through PTB on PostgreSQL: /stats, /leaderboard and the due questions read the same."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from bot.handlers.challenge import advance_round
from bot.handlers.context import TutorContext
from tests.conftest import ROOT, Harness, Postgres, running_harness

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}


async def move(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "migrate-to-postgres", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def study(harness: Harness) -> None:
    """Private quizzes for two learners and a group round: every table gets rows."""
    for user_id, name in ((11, "Ada"), (12, "Bo")):
        user = harness.user(user_id, name)
        await harness.command(user, "/start")
        await harness.command(user, "/daily 07:30")
        for n in range(5):
            await harness.command(user, "/quiz")
            poll = harness.last_poll()["poll"]
            right = poll["correct_option_ids"][0]
            await harness.answer_poll(user, poll["id"], right if (n + user_id) % 3 else right ^ 1)
            harness.clock.advance(timedelta(minutes=3))
    ada, bo = harness.user(11, "Ada"), harness.user(12, "Bo")
    await harness.command(ada, "/challenge 2 5", chat=GROUP)
    for _ in range(2):
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
        await harness.answer_poll(bo, poll["id"], (poll["correct_option_ids"][0] + 1) % 2)
        harness.clock.advance(timedelta(seconds=7))
        round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
        assert round_ is not None
        await advance_round(TutorContext(harness.app), round_.id)


async def observe(harness: Harness) -> dict[str, Any]:
    """What learners see and what is due, read through PTB and the repositories."""
    seen: dict[str, Any] = {}
    for user_id in (11, 12):
        before = len(harness.api.texts(user_id))
        await harness.command(harness.user(user_id), "/stats text")
        seen[f"stats {user_id}"] = harness.api.texts(user_id)[before:]
        memories = await harness.services.storage.reviews.all_for(user_id)
        seen[f"due {user_id}"] = sorted(
            item for item, memory in memories.items() if memory.due <= harness.clock.now()
        )
        seen[f"memory {user_id}"] = memories
    before = len(harness.api.texts(GROUP["id"]))
    await harness.command(harness.user(12, "Bo"), "/leaderboard", chat=GROUP)
    await harness.command(harness.user(12, "Bo"), "/leaderboard all", chat=GROUP)
    seen["leaderboard"] = harness.api.texts(GROUP["id"])[before:]
    far = harness.clock.now() + timedelta(days=2)
    seen["daily"] = await harness.services.storage.daily.due(None, far, 100)
    return seen


async def test_moving_keeps_what_learners_see(
    tmp_path: Path,
    clock: ManualClock,
    bank: ContentBank,
    caplog: pytest.LogCaptureFixture,
    postgres: Postgres,
) -> None:
    source = tmp_path / "quiz.sqlite3"
    async with running_harness(tmp_path, clock, bank, caplog) as harness:
        await study(harness)
        clock.advance(timedelta(days=3))  # some questions are due again
        before = await observe(harness)
    assert before["due 11"] and "Ada" in before["leaderboard"][0]

    url = await postgres.fresh()
    result = await move("--from", str(source), "--to", url)
    assert result.returncode == 0, result.stderr
    assert "row counts equal" in result.stdout
    assert "answers" in result.stderr and "100%" in result.stderr  # the progress bar

    async with running_harness(tmp_path / "after", clock, bank, caplog, database_url=url) as pg:
        after = await observe(pg)
        # New rows get ids past the copied ones: a new round and session start fine.
        await pg.command(pg.user(11, "Ada"), "/quiz")
        await pg.command(pg.user(11, "Ada"), "/challenge 1 5", chat=GROUP)
    assert after == before

    refused = await move("--from", str(source), "--to", url)
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "not empty" in refused.stderr and "--resume" in refused.stderr


async def test_resume_copies_nothing_twice(
    tmp_path: Path,
    clock: ManualClock,
    bank: ContentBank,
    caplog: pytest.LogCaptureFixture,
    postgres: Postgres,
) -> None:
    source = tmp_path / "quiz.sqlite3"
    async with running_harness(tmp_path, clock, bank, caplog) as harness:
        await study(harness)
    url = await postgres.fresh()
    assert (await move("--from", str(source), "--to", url)).returncode == 0
    again = await move("--from", str(source), "--to", url, "--resume")
    assert again.returncode == 0, again.stderr  # counts still equal: nothing doubled


async def test_a_missing_file_or_a_bad_target_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = await move("--from", str(tmp_path / "none.sqlite3"), "--to", "postgresql://u@h/d")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"error: --from {tmp_path}/none.sqlite3: no such file"
    ]
    not_pg = await move("--from", str(tmp_path / "none.sqlite3"), "--to", "sqlite:///x")
    assert not_pg.returncode == 2 and "postgresql://" in not_pg.stderr

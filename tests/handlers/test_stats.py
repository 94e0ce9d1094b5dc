"""/stats and /stats text through PTB: a PNG photo whose caption matches the database."""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import timedelta
from typing import Any

import pytest

from bot import charts
from bot.domain.progress import ProgressReport
from tests.conftest import Harness
from tests.fakes.telegram_server import PNG_SIGNATURE, png_dimensions


async def quiz_round(
    harness: Harness, user: dict[str, Any], answers: int, every_third_wrong: bool = True
) -> None:
    """`answers` quiz questions answered through the fake Bot API, some wrong."""
    for number in range(answers):
        await harness.command(user, "/quiz")
        poll = harness.last_poll()["poll"]
        right = poll["correct_option_ids"][0]
        wrong = (right + 1) % len(poll["options"])
        harness.clock.advance(timedelta(seconds=8))
        await harness.answer_poll(
            user, poll["id"], wrong if every_third_wrong and number % 3 == 2 else right
        )


def database_counts(harness: Harness, user_id: int) -> tuple[int, int]:
    path = harness.services.settings.database_path
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT COUNT(*), SUM(correct) FROM answers WHERE user_id = ?", (user_id,)
        ).fetchone()
    return int(row[0]), int(row[1] or 0)


def sent_photo(harness: Harness) -> tuple[bytes, dict[str, Any]]:
    call = harness.api.of("sendPhoto")[-1]
    return call.params["photo"]["content"], call.result


async def test_stats_is_a_png_whose_caption_matches_the_database(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await quiz_round(harness, ada, 9)
    harness.clock.advance(timedelta(days=1))
    await quiz_round(harness, ada, 3, every_third_wrong=False)
    await harness.command(ada, "/stats")

    png, message = sent_photo(harness)
    assert png.startswith(PNG_SIGNATURE)
    width, height = png_dimensions(png)
    assert width == 1080 and 1200 <= height <= 2400
    assert 20_000 < len(png) < 1_000_000
    assert message["photo"][0]["width"] == width

    answers, right = database_counts(harness, 11)
    assert (answers, right) == (12, 9)
    caption = message["caption"]
    assert f"Answers: {answers} · accuracy {round(100 * right / answers)}%" in caption
    assert "Streak: 2 days" in caption
    due = re.search(r"due today: (\d+)", caption)
    assert due is not None
    assert "/stats text" in caption


async def test_stats_text_gives_the_same_facts_without_a_picture(harness: Harness) -> None:
    ada = harness.user(11)
    await quiz_round(harness, ada, 6)
    harness.api.clear()
    await harness.command(ada, "/stats text")
    assert not harness.api.of("sendPhoto")
    text = harness.api.texts(11)[-1]
    assert "Answers: 6, accuracy 67%" in text
    assert "Due today:" in text and "Mastered" in text


async def test_empty_learner_gets_nothing_yet_instead_of_a_chart(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    harness.api.clear()
    await harness.command(ada, "/stats")
    assert not harness.api.of("sendPhoto")
    assert "Nothing to show yet" in harness.api.texts(11)[-1]


async def test_stats_with_unknown_argument_gets_usage(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/stats pie")
    assert harness.api.texts(11)[-1].startswith("Usage: /stats")


async def test_the_picture_is_drawn_off_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn_on: list[int] = []
    draw = charts.progress_png

    def recording(report: ProgressReport) -> bytes:
        drawn_on.append(threading.get_ident())
        return draw(report)

    monkeypatch.setattr(charts, "progress_png", recording)
    ada = harness.user(11)
    await quiz_round(harness, ada, 2)
    await harness.command(ada, "/stats")
    assert drawn_on and drawn_on[0] != threading.get_ident()
    assert harness.api.of("sendPhoto")

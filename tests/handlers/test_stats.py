"""/stats and /stats text through PTB: a PNG photo whose caption matches the database."""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.progress import ProgressReport
from bot.render import charts
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
    """Quiz answers (an option chosen) and right ones."""
    path = harness.services.settings.database_path
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT COUNT(*), SUM(correct) FROM answers WHERE user_id = ?"
            " AND chosen_option IS NOT NULL",
            (user_id,),
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
    assert f"Quiz answers: {answers} · {round(100 * right / answers)}% right" in caption
    assert "Streak: 2 days" in caption
    due = re.search(r"Due: (\d+) question", caption)
    assert due is not None
    assert "/stats text" in caption


async def test_stats_text_gives_the_same_facts_without_a_picture(harness: Harness) -> None:
    ada = harness.user(11)
    await quiz_round(harness, ada, 6)
    harness.api.clear()
    await harness.command(ada, "/stats text")
    assert not harness.api.of("sendPhoto")
    text = harness.api.texts(11)[-1]
    assert "Quiz answers: 6 · 67% right" in text
    assert "Due: " in text and "Mastered" in text


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


async def grade_cards(harness: Harness, user: dict[str, Any], grades: list[str]) -> None:
    """Flashcards turned over and graded through their buttons, one after the other."""
    await harness.command(user, "/cards")
    for grade in grades:
        front = harness.last_message_with_buttons()
        await harness.press(user, front, harness.button(front, "Show answer"))
        back = harness.last_message_with_buttons()
        await harness.press(user, back, harness.button(back, grade))


async def test_an_item_just_missed_is_not_mastered(harness: Harness) -> None:
    """The only answer in a deck was wrong: predicted recall is ~100 % right after it, but
    nothing is mastered."""
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    wrong = (poll["correct_option_ids"][0] + 1) % len(poll["options"])
    await harness.answer_poll(ada, poll["id"], wrong)
    harness.clock.advance(timedelta(minutes=1))
    await harness.command(ada, "/stats text")
    text = harness.api.texts(11)[-1]
    items = sum(len(deck.items) for deck in harness.services.bank.decks)
    assert f"Mastered: 0 of {items} items" in text
    assert "stability of at least 21 days" in text
    mastery = text.split("stability of at least", 1)[1]
    assert "  MLOps vs DevOps: 0/17" in mastery and ": 1/" not in mastery
    await harness.command(ada, "/stats")
    _, message = sent_photo(harness)
    assert f"Mastered: 0 of {items} items" in message["caption"]


async def test_accuracy_counts_quiz_answers_and_self_grades_are_apart(harness: Harness) -> None:
    ada = harness.user(11)
    await quiz_round(harness, ada, 3)  # 2 right of 3
    await grade_cards(harness, ada, ["Good", "Again", "Good", "Easy"])
    await harness.command(ada, "/stats text")
    text = harness.api.texts(11)[-1]
    assert "Quiz answers: 3 · 67% right" in text
    assert "Graded by you (flashcards, prompts): 4 reviews, not counted in accuracy" in text
    await harness.command(ada, "/stats")
    _, message = sent_photo(harness)
    assert "Quiz answers: 3 · 67% right" in message["caption"]
    assert "4 reviews" in message["caption"]

"""Daily revision as quiz polls through PTB: decks, extras, leeches, skipped days, guesses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.content.models import McqItem
from bot.domain.memory import Grade, forgetting_curve, review
from bot.storage.records import NewAnswer
from tests.conftest import Harness
from tests.handlers.test_reminders import answer_item, tick

MVD = "mlops-vs-devops"
CICD = "ci-cd-fundamentals"


def questions(harness: Harness, deck_id: str) -> list[McqItem]:
    deck = harness.services.bank.deck(deck_id)
    assert deck is not None
    return deck.mcqs


async def daily_items(harness: Harness, user_id: int) -> tuple[str, ...]:
    session = await harness.services.storage.sessions.open_session(user_id, "daily")
    assert session is not None
    return session.item_ids


async def sent_item(harness: Harness, poll: dict[str, Any]) -> str:
    sent = await harness.services.storage.polls.get(poll["poll"]["id"])
    assert sent is not None
    return sent.item_id


def wrong_option(poll: dict[str, Any]) -> int:
    return (poll["poll"]["correct_option_ids"][0] + 1) % len(poll["poll"]["options"])


async def test_a_new_learners_daily_revision_is_quiz_polls_only(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    harness.api.clear()
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    await tick(harness)
    # The seed deck lists its flashcards first; the session still starts with a poll.
    assert len(harness.api.of("sendPoll")) == 1
    assert "Show answer" not in str(harness.api.calls[-1].params)
    items = await daily_items(harness, 11)
    assert len(items) == 5
    assert all(isinstance(harness.services.bank.item(item), McqItem) for item in items)
    assert "MLOps vs DevOps" in harness.api.texts(11)[0]


async def test_due_questions_come_from_every_studied_deck_new_ones_from_the_active_one(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    missed = questions(harness, MVD)[0]
    await answer_item(harness, 11, missed.id, right=False)
    await harness.command(ada, f"/quiz {CICD}")  # deck B becomes the active deck
    harness.api.clear()
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    await tick(harness)
    intro = harness.api.texts(11)[0]
    assert "MLOps vs DevOps" in intro and "CI/CD" in intro
    items = await daily_items(harness, 11)
    assert items[0] == missed.id  # deck A's due question leads
    cicd = {question.id for question in questions(harness, CICD)}
    assert set(items[1:]) <= cicd  # and nothing new from deck A


async def test_summary_offers_due_flashcards_with_one_button(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/daily size 1")
    card = harness.services.bank.deck(MVD).cards[0]  # type: ignore[union-attr]
    await answer_item(harness, 11, card.id, right=False)
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    await tick(harness)
    poll = harness.last_poll()
    await harness.answer_poll(ada, poll["poll"]["id"], poll["poll"]["correct_option_ids"][0])
    summary = harness.last_message_with_buttons()
    assert "Revision done" in summary["text"]
    assert list(harness.buttons(summary)) == ["Review: 🃏 1"]
    await harness.press(ada, summary, harness.button(summary, "Review: 🃏 1"))
    front = harness.last_message_with_buttons()
    assert card.front in front["text"]
    await harness.press(ada, front, harness.button(front, "Show answer"))
    back = harness.last_message_with_buttons()
    await harness.press(ada, back, harness.button(back, "Good"))
    assert "Review done" in harness.api.texts(11)[-1]
    memory = await harness.services.storage.reviews.get(11, card.id)
    assert memory is not None and memory.reps == 2


async def test_a_leechs_miss_is_followed_by_the_worked_solution_and_listed_in_stats(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    leech = next(q for q in questions(harness, MVD) if q.solution is not None)
    harness.clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    await answer_item(harness, 11, leech.id, right=True)
    for _ in range(3):  # three lapses: not a leech yet
        harness.clock.advance(timedelta(days=1))
        await answer_item(harness, 11, leech.id, right=False)
    await harness.command(ada, "/stats text")
    assert "Keep missing" not in harness.api.texts(11)[-1]
    harness.clock.set(datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    await tick(harness)
    poll = harness.last_poll()
    assert await sent_item(harness, poll) == leech.id
    harness.api.clear()
    await harness.answer_poll(ada, poll["poll"]["id"], wrong_option(poll))  # the 4th lapse
    texts = harness.api.texts(11)
    assert "Missed 4 times" in texts[0]
    assert leech.solution is not None and leech.solution.final_answer in "\n".join(texts)
    assert len(harness.api.of("sendPoll")) == 1  # then the session goes on
    await harness.command(ada, "/stats text")
    stats = harness.api.texts(11)[-1]
    assert "Keep missing" in stats and leech.id in stats


async def test_leech_threshold_follows_the_setting(harness: Harness) -> None:
    harness.services.settings.leech_lapses = 2
    ada = harness.user(11)
    await harness.command(ada, "/start")
    question = questions(harness, MVD)[1]
    await answer_item(harness, 11, question.id, right=True)
    harness.clock.advance(timedelta(days=1))
    await answer_item(harness, 11, question.id, right=False)
    harness.clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))
    await tick(harness)
    poll = harness.last_poll()
    assert await sent_item(harness, poll) == question.id
    await harness.answer_poll(ada, poll["poll"]["id"], wrong_option(poll))
    assert any("Missed 2 times" in text for text in harness.api.texts(11))


async def test_a_skipped_session_does_not_hide_its_most_urgent_item(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    missed = questions(harness, MVD)[2]
    await answer_item(harness, 11, missed.id, right=False)
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    await tick(harness)
    assert await sent_item(harness, harness.last_poll()) == missed.id  # shown, not answered
    harness.clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))
    await tick(harness)
    assert await sent_item(harness, harness.last_poll()) == missed.id  # still first next day
    assert len(set(await daily_items(harness, 11))) == 5  # never twice within a session


async def test_a_right_first_answer_may_be_a_guess_and_counts_as_hard(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()
    await harness.answer_poll(ada, poll["poll"]["id"], poll["poll"]["correct_option_ids"][0])
    memory = await harness.services.storage.reviews.get(11, await sent_item(harness, poll))
    curve = forgetting_curve()
    assert memory is not None
    assert memory.stability == pytest.approx(curve.initial_stability(Grade.HARD))
    assert "Right" in harness.api.texts(11)[-1]


async def store_memory(harness: Harness, user_id: int, item_id: str, due: datetime) -> None:
    """A question answered well ten days ago whose next review falls at `due`."""
    answered_at = due - timedelta(days=10)
    memory = review(None, item_id, Grade.EASY, answered_at)
    answer = NewAnswer(
        user_id=user_id,
        item_id=item_id,
        chat_id=user_id,
        grade=Grade.EASY.value,
        correct=True,
        answered_at=answered_at,
        context="quiz",
    )
    assert await harness.services.storage.answers.record(answer, replace(memory, due=due))


async def test_due_before_the_next_local_prompt_counts_today_across_a_dst_change(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    harness.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # the day before
    await harness.command(ada, "/start")
    await harness.command(ada, "/timezone Europe/Berlin")
    first, second, third = (question.id for question in questions(harness, MVD)[:3])
    # Saturday 28 March 2026, 09:00 in Berlin (CET, 08:00 UTC). The next prompt is Sunday
    # 09:00 CEST, 07:00 UTC: only 23 hours away.
    await store_memory(harness, 11, first, datetime(2026, 3, 29, 6, 30, tzinfo=UTC))
    await store_memory(harness, 11, second, datetime(2026, 3, 29, 7, 30, tzinfo=UTC))
    await store_memory(harness, 11, third, datetime(2026, 3, 28, 8, 3, tzinfo=UTC))
    harness.api.clear()
    harness.clock.set(datetime(2026, 3, 28, 8, 0, tzinfo=UTC))
    await tick(harness)
    assert "2 questions due" in harness.api.texts(11)[0]  # the third and the first
    items = await daily_items(harness, 11)
    assert {first, third} <= set(items)

"""One "due" everywhere (due by the next daily prompt): the daily intro, /stats, and the end of
a daily session, which says what is left and offers "5 more" to continue it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.conftest import Harness
from tests.handlers.test_reminders import tick
from tests.handlers.test_revision import MVD, daily_items, questions, store_memory

PROMPT = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


async def seven_questions_and_two_cards_due(harness: Harness) -> dict[str, object]:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/daily size 2")
    deck = harness.services.bank.deck(MVD)
    assert deck is not None
    for question in questions(harness, MVD)[:7]:
        await store_memory(harness, 11, question.id, datetime(2026, 11, 2, 18, tzinfo=UTC))
    for card in deck.cards[:2]:
        await store_memory(harness, 11, card.id, datetime(2026, 11, 3, 7, tzinfo=UTC))
    # Due after the prompt but before the next one: due at this one, by the planner's rule.
    later = questions(harness, MVD)[7]
    await store_memory(harness, 11, later.id, datetime(2026, 11, 3, 20, tzinfo=UTC))
    harness.clock.set(PROMPT)
    return ada


async def answer_right(harness: Harness, ada: dict[str, object], count: int) -> None:
    for _ in range(count):
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])


async def test_the_intro_and_stats_count_the_same_due_questions(harness: Harness) -> None:
    ada = await seven_questions_and_two_cards_due(harness)
    await harness.command(ada, "/stats text")
    assert "Due: 8 questions · 2 flashcards and prompts" in harness.api.texts(11)[-1]
    await harness.command(ada, "/stats")
    caption = harness.api.of("sendPhoto")[-1].result["caption"]
    assert "Due: 8 questions · 2 flashcards and prompts" in caption
    harness.api.clear()
    await tick(harness)
    assert "8 questions due, 0 missed recently. Here come 2" in harness.api.texts(11)[0]


async def left_in_summary(harness: Harness, text: str) -> int:
    """The summary's "N more questions are due", checked against what /stats says."""
    found = re.search(r"(\d+) more questions? (?:is|are) due before your next revision", text)
    left = int(found.group(1)) if found else 0
    if not found:
        assert "Nothing else is due before your next revision." in text
    await harness.command(harness.user(11), "/stats text")
    assert f"Due: {left} question" in harness.api.texts(11)[-1]
    return left


async def test_the_session_end_says_what_is_left_and_five_more_continues_it(
    harness: Harness,
) -> None:
    ada = await seven_questions_and_two_cards_due(harness)
    await tick(harness)
    await answer_right(harness, ada, 2)
    summary = harness.last_message_with_buttons()
    assert "Revision done: 2/2" in summary["text"]
    left = await left_in_summary(harness, summary["text"])
    assert left >= 6  # 8 were due, 2 answered (a new one may be due again in minutes)
    buttons = harness.buttons(summary)
    assert list(buttons) == ["5 more", "Review: 🃏 2"]
    session = await harness.services.storage.sessions.get(int(buttons["5 more"].split(":")[1]))
    assert session is not None and session.finished_at is not None

    await harness.press(ada, summary, buttons["5 more"])
    # The same session goes on: its 2 questions, then 5 more of those still due.
    items = await daily_items(harness, 11)
    assert len(items) == 7 and items[:2] == session.item_ids
    shown = summary["message_id"]
    edited = [
        c for c in harness.api.of("editMessageReplyMarkup") if c.result["message_id"] == shown
    ]
    assert [list(harness.buttons(c.result)) for c in edited] == [["Review: 🃏 2"]]
    await answer_right(harness, ada, 5)
    last = harness.last_message_with_buttons()
    assert "Revision done: 7/7" in last["text"]

    # The first summary's button is spent: pressing it again (a stale copy of the message
    # still showing it) adds nothing.
    polls, answers = len(harness.api.of("sendPoll")), len(harness.api.server.callback_answers)
    await harness.press(ada, summary, buttons["5 more"])
    assert len(harness.api.of("sendPoll")) == polls
    assert len(harness.api.server.callback_answers) == answers + 1
    after = await harness.services.storage.sessions.get(session.id)
    assert after is not None and after.item_ids == items and after.finished_at is not None

    # "N more" while questions are due that this session has not asked yet.
    answered = 7
    while "more" in (offer := list(harness.buttons(last)))[0]:
        count = int(offer[0].split()[0])
        assert 1 <= count <= 5 and count <= await left_in_summary(harness, last["text"])
        await harness.press(ada, last, harness.button(last, offer[0]))
        await answer_right(harness, ada, count)
        answered += count
        last = harness.last_message_with_buttons()
        assert f"Revision done: {answered}/{answered}" in last["text"]
        assert answered < 20
    assert offer == ["Review: 🃏 2"]
    # Left: the new question first answered in this session, at a learning step due in
    # minutes; it is not asked again before then.
    assert await left_in_summary(harness, last["text"]) == 1
    assert answered == 9  # the 8 due, and the new one once


def left_in_review(text: str) -> int:
    found = re.search(r"(\d+) more flashcards? (?:or|and) prompts? (?:is|are) due before", text)
    if not found:
        assert "Nothing else is due before your next revision." in text
    return int(found.group(1)) if found else 0


async def grade(harness: Harness, ada: dict[str, object], label: str) -> None:
    """Turn the card just sent over and grade it `label`."""
    front = harness.last_message_with_buttons()
    await harness.press(ada, front, harness.button(front, "Show answer"))
    back = harness.last_message_with_buttons()
    await harness.press(ada, back, harness.button(back, label))


async def test_a_reviews_end_says_what_is_left_and_five_more_continues_it(
    harness: Harness,
) -> None:
    ada = await seven_questions_and_two_cards_due(harness)
    await tick(harness)
    await answer_right(harness, ada, 2)
    summary = harness.last_message_with_buttons()
    await harness.press(ada, summary, harness.button(summary, "Review: 🃏 2"))
    # The first card is forgotten (back in minutes, at a relearning step); the learner takes
    # a quarter of an hour over the second.
    await grade(harness, ada, "Again")
    harness.clock.advance(timedelta(minutes=15))
    await grade(harness, ada, "Good")
    end = harness.api.of("sendMessage")[-1].result
    assert "Review done: 2 items reviewed" in end["text"]
    # What is left is what /stats counts as due, and the forgotten card is due already.
    assert left_in_review(end["text"]) == 1
    await harness.command(ada, "/stats text")
    assert "· 1 flashcard or prompt" in harness.api.texts(11)[-1]
    assert list(harness.buttons(end)) == ["1 more"]
    review = await harness.services.storage.sessions.get(
        int(harness.button(end, "1 more").split(":")[1])
    )
    assert review is not None and review.kind == "review" and review.finished_at is not None

    await harness.press(ada, end, harness.button(end, "1 more"))
    # The same review goes on with the card that came due.
    front = harness.last_message_with_buttons()
    assert "Show answer" in harness.buttons(front)
    after = await harness.services.storage.sessions.get(review.id)
    assert after is not None and after.finished_at is None
    assert after.item_ids == (*review.item_ids, review.item_ids[0])
    await grade(harness, ada, "Good")
    last = harness.api.of("sendMessage")[-1].result
    assert "3 items reviewed" in last["text"]
    assert left_in_review(last["text"]) == 0 and "reply_markup" not in last
    # The spent button adds nothing.
    sent = len(harness.api.of("sendMessage"))
    await harness.press(ada, end, harness.button(end, "1 more"))
    assert len(harness.api.of("sendMessage")) == sent

"""/quiz through PTB: a non-anonymous, shuffled quiz poll; answers recorded once; on both
backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.content.models import McqItem
from tests.conftest import Harness


@pytest.fixture
def harness(harness_on_both_backends: Harness) -> Harness:
    return harness_on_both_backends


async def test_start_registers_and_explains(harness: Harness) -> None:
    ada = harness.user(11, "Ada <3")
    await harness.command(ada, "/start")
    text = harness.api.texts(11)[-1]
    assert "Ada <3" in text  # escaped on the way out, plain after Telegram parsed it
    assert "/quiz" in text
    assert await harness.services.storage.users.get(11) is not None


async def test_quiz_poll_is_non_anonymous_and_correct_after_shuffle(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    for _ in range(6):
        await harness.command(ada, "/quiz")
        poll = harness.last_poll()["poll"]
        assert poll["is_anonymous"] is False
        assert poll["type"] == "quiz"
        sent = await harness.services.storage.polls.get(poll["id"])
        assert sent is not None
        item = harness.services.bank.item(sent.item_id)
        assert isinstance(item, McqItem)
        shown = [option["text"] for option in poll["options"]]
        assert sorted(shown) == sorted(item.options)
        assert shown[poll["correct_option_ids"][0]] == item.correct
        assert poll["explanation"] == item.explanation
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])


async def test_quiz_never_repeats_the_item_just_shown(harness: Harness) -> None:
    ada = harness.user(11)
    previous = None
    for _ in range(12):
        await harness.command(ada, "/quiz")
        poll = harness.last_poll()["poll"]
        assert poll["question"] != previous
        previous = poll["question"]
        await harness.answer_poll(ada, poll["id"], 0)


async def test_poll_answer_is_recorded_once_with_feedback(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    wrong = next(i for i in range(len(poll["options"])) if i != poll["correct_option_ids"][0])
    harness.clock.advance(timedelta(seconds=12))
    update = await harness.answer_poll(ada, poll["id"], wrong)
    await harness.redeliver(update)
    answers = await harness.services.storage.answers.for_user(11)
    assert len(answers) == 1
    assert answers[0].correct is False
    assert answers[0].seconds == 12.0
    feedback = harness.api.texts(11)[-1]
    assert feedback.startswith("❌ Not quite")
    assert feedback.count("Not quite") == 1
    message = harness.last_message_with_buttons()
    assert set(harness.buttons(message)) == {"Next ▶", "Explain"}


async def test_answer_to_unknown_poll_is_ignored(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.send(
        {
            "poll_answer": {
                "poll_id": "no-such-poll",
                "user": ada,
                "option_ids": [0],
                "option_persistent_ids": ["x"],
            }
        }
    )
    assert await harness.services.storage.answers.for_user(11) == []
    assert harness.api.texts() == []


async def test_next_button_sends_another_question(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    first = harness.last_poll()["poll"]
    await harness.answer_poll(ada, first["id"], first["correct_option_ids"][0])
    message = harness.last_message_with_buttons()
    await harness.press(ada, message, harness.button(message, "Next ▶"))
    second = harness.last_poll()["poll"]
    assert second["id"] != first["id"]
    assert second["question"] != first["question"]


async def test_quiz_with_unknown_deck_lists_decks(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz astrology")
    text = harness.api.texts(11)[-1]
    assert "No deck called" in text and "mlops-vs-devops" in text
    assert harness.api.of("sendPoll") == []


async def test_quiz_with_deck_argument_switches_deck(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz ci-cd")
    sent = await harness.services.storage.polls.get(harness.last_poll()["poll"]["id"])
    assert sent is not None
    assert harness.services.bank.deck_of(sent.item_id).id == "ci-cd-fundamentals"

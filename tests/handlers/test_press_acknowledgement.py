"""A press is acknowledged (answerCallbackQuery) once, and a lost or refused acknowledgement
never ends a press in the error handler (issue 16, item 18).

When Telegram takes an answerCallbackQuery but its answer times out, or when a press is
handled again because a later step failed, a second answer is refused with "query is too
old and response timeout expired or query ID is invalid". That refusal, or the timeout
itself, counts as done: the handler goes on and the learner sees no apology.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from telegram import Update

from bot.pipeline import processor as processor_module
from tests.conftest import Harness

_update_ids = itertools.count(10_000)


async def through_pipeline(harness: Harness, payload: dict[str, Any]) -> None:
    """One update handled as the bot handles it: by the chat-ordered processor, which runs a
    handler again (with backoff) while it fails for a transient reason."""
    update = Update.de_json({"update_id": next(_update_ids), **payload}, harness.app.bot)
    processor = harness.app.bot_data.processor
    await processor.do_process_update(update, harness.app.process_update(update))


async def press(harness: Harness, user: dict[str, Any], message: dict[str, Any], label: str) -> str:
    """Press the button `label` on `message` through the pipeline; the query id."""
    server = harness.api.server
    pushed = server.push_callback(
        server.user(user["id"], user["first_name"]), message, harness.button(message, label)
    )
    await through_pipeline(harness, {"callback_query": pushed["callback_query"]})
    return str(pushed["callback_query"]["id"])


def apologies(harness: Harness) -> list[str]:
    return [text for text in harness.api.texts() if text.startswith("Sorry")]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processor_module, "FIRST_RETRY_SECONDS", 0.01)


async def test_an_acknowledgement_that_timed_out_is_not_given_again(harness: Harness) -> None:
    """Telegram took the answer to Show answer, and its reply was lost: the press is done."""
    ada = harness.user(31)
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    harness.api.server.fail_next("answerCallbackQuery", "timeout-hold")
    query_id = await press(harness, ada, front, "Show answer")
    back = harness.last_message_with_buttons()
    assert harness.button(back, "Good")
    answered = [a["callback_query_id"] for a in harness.api.server.callback_answers]
    assert answered == [query_id]
    assert apologies(harness) == []


async def test_a_press_retried_after_its_acknowledgement_is_not_acknowledged_twice(
    harness: Harness,
) -> None:
    """Next ▶ was acknowledged, then sending the question failed (502): the retry of the
    press sends the question without answering the query again, and without an apology."""
    ada = harness.user(32)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    feedback = harness.last_message_with_buttons()
    harness.api.server.fail_next("sendPoll", "502")
    polls_before = len(harness.api.of("sendPoll"))
    query_id = await press(harness, ada, feedback, "Next ▶")
    sent = harness.api.of("sendPoll")[polls_before:]
    assert len([call for call in sent if call.result is not None]) == 1  # the retry sent it
    answered = [a["callback_query_id"] for a in harness.api.server.callback_answers]
    assert answered.count(query_id) == 1
    assert apologies(harness) == []


async def test_a_refused_acknowledgement_counts_as_given(harness: Harness) -> None:
    """A press replayed with no memory of its first run (its query already answered, as
    after a restart) meets Telegram's refusal and still does its work."""
    ada = harness.user(33)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    feedback = harness.last_message_with_buttons()
    server = harness.api.server
    pushed = server.push_callback(
        server.user(33, "Ada"), feedback, harness.button(feedback, "Next ▶")
    )
    payload = {"callback_query": pushed["callback_query"]}
    await through_pipeline(harness, payload)
    harness.app.drop_chat_data(33)  # the first run's progress is gone
    polls_before = len(harness.api.of("sendPoll"))
    errors_before = len(server.errors)
    await through_pipeline(harness, payload)
    assert len(harness.api.of("sendPoll")) == polls_before + 1
    [refusal] = server.errors[errors_before:]
    assert refusal.method == "answerCallbackQuery"
    assert "query is too old" in refusal.response["description"]
    server.errors.remove(refusal)  # expected: Telegram's refusal is what this test is about
    assert apologies(harness) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_chaos_on_acknowledgements_loses_no_grade_and_apologises_for_nothing(
    harness: Harness, seed: int
) -> None:
    """20 % of answerCallbackQuery calls fail with 500/502 (not applied) and 20 % time out
    (applied, reply lost). A learner reviews five flashcards and presses Next ▶ and
    Explain after quiz answers: every grade is stored once, every press is acknowledged
    exactly once, nothing reaches the error handler, nobody gets an apology."""
    ada = harness.user(40 + seed)
    server = harness.api.server
    pressed: list[str] = []
    with server.faults(
        error_rate=0.2, timeout_rate=0.2, seed=seed, methods=["answerCallbackQuery"]
    ):
        await harness.command(ada, "/cards")  # a session of the deck's five cards
        for _ in range(5):
            front = harness.last_message_with_buttons()
            pressed.append(await press(harness, ada, front, "Show answer"))
            back = harness.last_message_with_buttons()
            pressed.append(await press(harness, ada, back, "Good"))
        await harness.command(ada, "/quiz")
        for _ in range(6):
            poll = harness.last_poll()["poll"]
            await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
            feedback = harness.last_message_with_buttons()
            pressed.append(await press(harness, ada, feedback, "Explain"))
            pressed.append(await press(harness, ada, feedback, "Next ▶"))
        faults = [f for f in server.injected_faults if f.method == "answerCallbackQuery"]
    assert len(faults) >= 5, "the chaos did not hit the acknowledgements"
    answers = await harness.services.storage.answers.for_user(ada["id"])
    assert len([answer for answer in answers if answer.context == "cards"]) == 5
    answered = [a["callback_query_id"] for a in server.callback_answers]
    assert sorted(answered) == sorted(pressed)  # each press acknowledged, and only once
    assert apologies(harness) == []

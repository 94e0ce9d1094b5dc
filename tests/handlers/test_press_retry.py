"""A button press whose handler failed for a transient reason is handled again (the update
pipeline retries the same update): it carries on where it stopped, and records once."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.storage.answers import AnswerRepository
from bot.storage.database import DatabaseBusyError
from tests.conftest import Harness


@pytest.fixture
def first_write_fails(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The first answer write meets a database locked for longer than the bot waits."""
    original = AnswerRepository.write
    calls = {"failed": 0}

    async def flaky(self: AnswerRepository, item: Any) -> Any:
        if calls["failed"] == 0:
            calls["failed"] += 1
            raise DatabaseBusyError("database stayed locked for 120 s")
        return await original(self, item)

    monkeypatch.setattr(AnswerRepository, "write", flaky)
    return calls


async def card_back(harness: Harness, learner: dict[str, Any]) -> dict[str, Any]:
    """/cards, then Show answer: the card's back, with its grade buttons."""
    await harness.command(learner, "/cards")
    front = harness.last_message_with_buttons()
    await harness.press(learner, front, harness.button(front, "Show answer"))
    return harness.last_message_with_buttons()


async def test_a_card_grade_that_failed_is_recorded_by_its_retry_and_once(
    harness: Harness, first_write_fails: dict[str, int]
) -> None:
    ada = harness.user(11)
    back = await card_back(harness, ada)
    server = harness.api.server
    press = server.push_callback(server.user(11, "Ada"), back, harness.button(back, "Good"))
    await harness.send({"callback_query": press["callback_query"]})
    assert first_write_fails["failed"] == 1
    assert await harness.services.storage.answers.for_user(11) == []  # not stored yet
    await harness.send({"callback_query": press["callback_query"]})  # the pipeline's retry
    answers = await harness.services.storage.answers.for_user(11)
    assert [answer.correct for answer in answers] == [True]
    assert harness.last_message_with_buttons()["message_id"] != back["message_id"]  # next card

    # A second tap on the same (now graded) message is another press: refused, not recorded.
    again = server.push_callback(server.user(11, "Ada"), back, harness.button(back, "Good"))
    await harness.send({"callback_query": again["callback_query"]})
    assert len(await harness.services.storage.answers.for_user(11)) == 1


async def test_a_prompt_result_that_failed_is_recorded_by_its_retry(
    harness: Harness, first_write_fails: dict[str, int]
) -> None:
    ada = harness.user(12)
    await harness.command(ada, "/prompt")
    message = harness.last_message_with_buttons()
    done = next(data for text, data in harness.buttons(message).items() if text == "Done")
    server = harness.api.server
    press = server.push_callback(server.user(12, "Ada"), message, done)
    await harness.send({"callback_query": press["callback_query"]})
    assert await harness.services.storage.answers.for_user(12) == []
    await harness.send({"callback_query": press["callback_query"]})
    assert len(await harness.services.storage.answers.for_user(12)) == 1


async def test_a_card_grade_replayed_after_a_crash_is_recorded(
    harness: Harness, first_write_fails: dict[str, int]
) -> None:
    """The first run edited the message, then died before the answer was stored; the press
    comes back from the inbox at start-up, with nothing of the first run in memory."""
    ada = harness.user(13)
    back = await card_back(harness, ada)
    server = harness.api.server
    press = server.push_callback(server.user(13, "Ada"), back, harness.button(back, "Hard"))
    data = {"update_id": 555, "callback_query": press["callback_query"]}
    await harness.app.process_update(Update.de_json(data, harness.app.bot))
    assert await harness.services.storage.answers.for_user(13) == []
    harness.app.drop_chat_data(13)  # what the crash took with it
    harness.services.replayed_updates.add(555)  # as post_init marks the inbox's pending rows
    refused_before = len(server.errors)
    await harness.app.process_update(Update.de_json(data, harness.app.bot))
    assert len(await harness.services.storage.answers.for_user(13)) == 1
    # Telegram refused the replay's edit (its first run made it): expected, not a failure.
    [refusal] = server.errors[refused_before:]
    assert "not modified" in refusal.response["description"]
    server.errors.remove(refusal)


async def test_a_double_tap_replayed_after_a_crash_grades_the_card_once(
    harness: Harness, first_write_fails: dict[str, int]
) -> None:
    """Ada tapped Good twice; the first run edited the card and died before storing it.
    Both presses come back from the inbox, both find the message already edited (so neither
    can tell it was the second tap), and the card message is still graded once."""
    ada = harness.user(14)
    back = await card_back(harness, ada)
    server = harness.api.server
    taps = [
        {
            "update_id": update_id,
            "callback_query": server.push_callback(
                server.user(14, "Ada"), back, harness.button(back, "Good")
            )["callback_query"],
        }
        for update_id in (601, 602)
    ]
    await harness.app.process_update(Update.de_json(taps[0], harness.app.bot))
    assert first_write_fails["failed"] == 1
    assert await harness.services.storage.answers.for_user(14) == []
    harness.app.drop_chat_data(14)  # what the crash took with it
    harness.services.replayed_updates.update({601, 602})
    refused_before = len(server.errors)
    for tap in taps:
        await harness.app.process_update(Update.de_json(tap, harness.app.bot))

    answers = await harness.services.storage.answers.for_user(14)
    assert [answer.correct for answer in answers] == [True]
    memory = (await harness.services.storage.reviews.all_for(14))[answers[0].item_id]
    assert memory.reps == 1
    # Telegram refused both replays' edits (the first run made it): expected.
    refusals = server.errors[refused_before:]
    assert len(refusals) == 2
    for refusal in refusals:
        assert "not modified" in refusal.response["description"]
        server.errors.remove(refusal)

"""A sendPoll that times out after Telegram delivered the poll: its answers still count."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import TimedOut

from tests.conftest import Harness
from tests.fakes.offline import OfflineRequest


@pytest.fixture
def send_poll_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The poll reaches the chat, but the bot never hears back (read timeout)."""
    original = OfflineRequest.do_request

    async def delivered_then_timed_out(
        self: OfflineRequest, url: str, *args: Any, **kw: Any
    ) -> Any:
        result = await original(self, url, *args, **kw)
        if url.endswith("/sendPoll"):
            raise TimedOut("read timeout")
        return result

    monkeypatch.setattr(OfflineRequest, "do_request", delivered_then_timed_out)


async def quiz_whose_send_timed_out(harness: Harness) -> dict[str, Any]:
    ada = harness.user(21)
    await harness.command(ada, "/start")
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    assert await harness.services.storage.polls.get(poll["id"]) is None  # never heard back
    return dict(poll)


async def stored_answers(harness: Harness) -> list[tuple[str, bool]]:
    answers = await harness.services.storage.answers.for_user(21)
    return [(answer.item_id, answer.correct) for answer in answers]


@pytest.mark.usefixtures("send_poll_times_out")
async def test_answer_before_the_poll_update_is_kept_then_credited(harness: Harness) -> None:
    poll = await quiz_whose_send_timed_out(harness)
    right = poll["correct_option_ids"][0]
    await harness.answer_poll(harness.user(21), poll["id"], right)
    assert await stored_answers(harness) == []  # kept aside, not dropped
    await harness.send({"poll": harness.api.server.get_poll(poll["id"])})
    answers = await stored_answers(harness)
    assert len(answers) == 1 and answers[0][1] is True
    assert "Right!" in harness.api.texts(21)[-1]
    sent = await harness.services.storage.polls.get(poll["id"])
    assert sent is not None and sent.chat_id == 21 and sent.context == "quiz"


@pytest.mark.usefixtures("send_poll_times_out")
async def test_poll_update_first_then_the_answer(harness: Harness) -> None:
    poll = await quiz_whose_send_timed_out(harness)
    await harness.send({"poll": harness.api.server.get_poll(poll["id"])})
    wrong = (poll["correct_option_ids"][0] + 1) % len(poll["options"])
    await harness.answer_poll(harness.user(21), poll["id"], wrong)
    answers = await stored_answers(harness)
    assert len(answers) == 1 and answers[0][1] is False
    assert "Not quite" in harness.api.texts(21)[-1]


async def test_an_answer_to_a_poll_nobody_sent_is_logged_not_dropped_silently(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.send(
        {
            "poll_answer": {
                "poll_id": "999",
                "user": harness.user(22),
                "option_ids": [0],
                "option_persistent_ids": ["x"],
            }
        }
    )
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "999" in r.getMessage()]
    assert warnings

"""A sendPoll that times out after Telegram delivered the poll: its answers still count."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import TimedOut

from tests.conftest import Harness
from tests.fakes.offline import OfflineRequest, fail_next_call


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


@pytest.mark.usefixtures("send_poll_times_out")
async def test_two_chats_sent_the_same_poll_the_vote_decides_whose_it_was(
    harness: Harness,
) -> None:
    """The same question in the same shuffle went to two learners and neither send was
    heard back: the poll update alone cannot tell whose poll it is, the vote can."""
    polls = {}
    for user_id in (21, 22):
        learner = harness.user(user_id)
        await harness.command(learner, "/start")
        harness.services.rng.seed(3)  # the same shuffle for both
        await harness.command(learner, "/quiz")
        polls[user_id] = harness.last_poll()["poll"]
    assert polls[21]["question"] == polls[22]["question"]
    assert [o["text"] for o in polls[21]["options"]] == [o["text"] for o in polls[22]["options"]]

    # Bea (22) votes; Telegram's poll update may be handled before her answer.
    poll = polls[22]
    right = poll["correct_option_ids"][0]
    harness.api.server.push_poll_answer(harness.api.server.user(22, "Ada"), poll["id"], [right])
    await harness.send({"poll": harness.api.server.get_poll(poll["id"])})
    assert await harness.services.storage.polls.get(poll["id"]) is None  # not guessed
    await harness.send(
        {
            "poll_answer": {
                "poll_id": poll["id"],
                "user": harness.user(22),
                "option_ids": [right],
                "option_persistent_ids": [poll["options"][right]["persistent_id"]],
            }
        }
    )
    await harness.send({"poll": harness.api.server.get_poll(poll["id"])})  # the retry

    sent = await harness.services.storage.polls.get(poll["id"])
    assert sent is not None and sent.chat_id == 22
    answers = await harness.services.storage.answers.for_user(22)
    assert [(answer.chat_id, answer.correct) for answer in answers] == [(22, True)]
    assert "Right!" in harness.api.texts(22)[-1]
    assert not any("Right!" in text for text in harness.api.texts(21))
    # Ada's send is still waiting for its own poll.
    assert await harness.services.storage.poll_intents.unconfirmed_chats(
        sent.item_id, sent.option_order
    ) == [21]


@pytest.mark.usefixtures("send_poll_times_out")
async def test_a_vote_from_none_of_the_private_chats_is_not_credited_to_one_of_them(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Two private sends of the same question are unconfirmed and the only voter is
    neither learner: guessing the oldest send would put a stranger's answer in Ada's chat."""
    polls = {}
    for user_id in (21, 22):
        learner = harness.user(user_id)
        await harness.command(learner, "/start")
        harness.services.rng.seed(3)
        await harness.command(learner, "/quiz")
        polls[user_id] = harness.last_poll()["poll"]
    poll = polls[22]
    await harness.answer_poll(harness.user(23), poll["id"], poll["correct_option_ids"][0])
    await harness.send({"poll": harness.api.server.get_poll(poll["id"])})

    assert await harness.services.storage.polls.get(poll["id"]) is None
    assert await harness.services.storage.answers.for_user(23) == []
    assert any("matches no send" in r.getMessage() for r in caplog.records)
    (item,) = harness.services.bank.questions_asking(poll["question"])
    order = [item.options.index(option["text"]) for option in poll["options"]]
    intents = harness.services.storage.poll_intents
    assert await intents.unconfirmed_chats(item.id, order) == [21, 22]  # both still waiting


async def test_a_retry_after_the_feedback_failed_still_acknowledges_the_answer(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = harness.user(21)
    await harness.command(ada, "/start")
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    failed = fail_next_call(monkeypatch, "sendMessage")
    update = await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    assert failed and not any("Right!" in text for text in harness.api.texts(21))
    await harness.redeliver(update)  # the pipeline's retry of the same update
    assert [text for text in harness.api.texts(21) if "Right!" in text] == ["✅ Right!"]
    await harness.redeliver(update)  # Telegram sending it again: already acknowledged
    assert len([text for text in harness.api.texts(21) if "Right!" in text]) == 1
    assert len(await harness.services.storage.answers.for_user(21)) == 1


@pytest.mark.usefixtures("send_poll_times_out")
async def test_a_kept_answer_whose_feedback_failed_is_acknowledged_on_retry(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = await quiz_whose_send_timed_out(harness)
    await harness.answer_poll(harness.user(21), poll["id"], poll["correct_option_ids"][0])
    fail_next_call(monkeypatch, "sendMessage")
    state = {"poll": harness.api.server.get_poll(poll["id"])}
    await harness.send(state)  # matched and credited; the feedback got a 502
    assert len(await stored_answers(harness)) == 1
    assert not any("Right!" in text for text in harness.api.texts(21))
    await harness.send(state)  # the pipeline's retry
    assert [text for text in harness.api.texts(21) if "Right!" in text] == ["✅ Right!"]
    assert await harness.services.storage.poll_intents.parked_for(poll["id"]) == []


async def test_a_test_whose_next_question_failed_asks_it_on_retry(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/test: the send of question 2 fails; the retried answer update sends question 2
    (not 3), and a failed result message is sent by the retry of the last answer."""
    ada = harness.user(21)
    await harness.command(ada, "/test")
    session = await harness.services.storage.sessions.open_session(21, "test")
    assert session is not None
    first = harness.last_poll()["poll"]
    failed = fail_next_call(monkeypatch, "sendPoll")
    update = await harness.answer_poll(ada, first["id"], first["correct_option_ids"][0])
    assert failed and harness.last_poll()["poll"]["id"] == first["id"]  # nothing new sent
    await harness.redeliver(update)  # the pipeline's retry
    second = harness.last_poll()["poll"]
    assert second["id"] != first["id"]
    assert (
        second["question"] == "2/10 · " + harness.services.bank.item(session.item_ids[1]).question
    )
    await harness.redeliver(update)  # Telegram sending it again: nothing more is sent
    assert harness.last_poll()["poll"]["id"] == second["id"]

    poll = second
    for _ in range(8):
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
        poll = harness.last_poll()["poll"]
    failed = fail_next_call(monkeypatch, "sendMessage")
    last = await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    assert failed and not any("Test result" in text for text in harness.api.texts(21))
    await harness.redeliver(last)
    assert [text for text in harness.api.texts(21) if "Test result" in text]
    assert "Score: 10/10" in harness.api.texts(21)[-1]


async def test_an_answer_to_a_question_sent_twice_does_not_move_the_test_on_twice(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/test: question 2's send times out after it reached Ada, so the retry sends it again.
    She answers the second copy (question 3 follows), then the first copy, credited through
    Telegram's poll update: that answer is stored but the test waits for question 3, it
    does not send question 4 on top of it."""
    ada = harness.user(21)
    await harness.command(ada, "/test")
    session = await harness.services.storage.sessions.open_session(21, "test")
    assert session is not None
    first = harness.last_poll()["poll"]
    original = OfflineRequest.do_request
    timed_out: list[str] = []

    async def delivered_then_timed_out_once(
        self: OfflineRequest, url: str, *args: Any, **kw: Any
    ) -> Any:
        result = await original(self, url, *args, **kw)
        if url.endswith("/sendPoll") and not timed_out:
            timed_out.append(url)
            raise TimedOut("read timeout")
        return result

    monkeypatch.setattr(OfflineRequest, "do_request", delivered_then_timed_out_once)
    update = await harness.answer_poll(ada, first["id"], first["correct_option_ids"][0])
    copy_one = harness.last_poll()["poll"]
    await harness.redeliver(update)  # the pipeline's retry sends question 2 again
    copy_two = harness.last_poll()["poll"]
    assert timed_out and copy_one["question"] == copy_two["question"]
    assert copy_one["id"] != copy_two["id"]

    await harness.answer_poll(ada, copy_two["id"], copy_two["correct_option_ids"][0])
    third = harness.last_poll()["poll"]
    assert third["question"] == "3/10 · " + harness.services.bank.item(session.item_ids[2]).question
    await harness.answer_poll(ada, copy_one["id"], copy_one["correct_option_ids"][0])
    await harness.send({"poll": harness.api.server.get_poll(copy_one["id"])})

    assert harness.last_poll()["poll"]["id"] == third["id"]  # still waiting for question 3
    current = await harness.services.storage.sessions.get(session.id)
    assert current is not None and current.position == 3
    answers = await harness.services.storage.answers.for_user(21)
    assert [answer.item_id for answer in answers].count(session.item_ids[1]) == 2

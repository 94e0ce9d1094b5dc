"""Hostile input through PTB: every case gets a short, clear answer and never an exception.

The `harness` fixture fails a test when anything reached the error handler or when the
fake Bot API refused a call (a reply over 4,096 characters, a callback answered twice).
"""

from __future__ import annotations

import logging

import pytest

from bot import render
from bot.content.models import CardItem
from tests.conftest import Harness

GROUP = {"id": -5005, "type": "group", "title": "Study group"}
LONG = "a/" * 2048  # 4,096 characters: the longest message Telegram delivers


def last_text(harness: Harness, chat_id: int) -> str:
    return harness.api.texts(chat_id)[-1]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/timezone " + LONG, "Usage: /timezone"),
        ("/timezone a/a/a/a/a/a/a/a", "Usage: /timezone"),
        ("/timezone America/Argentina", "Usage: /timezone"),
        ("/timezone Europe/../Europe/Berlin", "Usage: /timezone"),
        ("/timezone UTC+²", "Usage: /timezone"),
        ("/timezone UTC+٢", "Usage: /timezone"),
        ("/daily " + LONG, "Usage: /daily"),
        ("/daily ٠٩:٣٠", "Usage: /daily"),
        ("/daily size ²", "Usage: /daily"),
        ("/daily size ٣", "Usage: /daily"),
        ("/retention nan", "Usage: /retention"),
        ("/retention ٠.٩", "Usage: /retention"),
        ("/retention 0.9 0.9", "Usage: /retention"),
        ("/explain " + "x" * 4000, "No item with id"),
        ("/quiz " + LONG, "No deck called"),
        ("/cards " + "<b>&" * 1000, "No deck called"),
    ],
)
async def test_hostile_arguments_get_a_short_answer(
    harness: Harness, command: str, expected: str
) -> None:
    ada = harness.user(11, "Ada")
    await harness.command(ada, command)
    text = last_text(harness, 11)
    assert expected in text
    assert len(text) < 600


async def test_a_long_argument_is_echoed_cut_with_an_ellipsis(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/explain " + "<b>&amp;" * 500)
    text = last_text(harness, 11)
    assert "<b>&amp;<b>&amp;" in text  # escaped on the way out, plain after Telegram parsed it
    assert text.endswith("….")
    assert len(text) == len("No item with id .") + render.ECHO_LIMIT


@pytest.mark.parametrize("args", ["²", "5 ²", "² 20", "٣ 20", "5 ٣٠", "１ 20"])
async def test_challenge_numbers_in_other_digits_get_the_usage_line(
    harness: Harness, args: str
) -> None:
    ada = harness.user(11)
    await harness.command(ada, f"/challenge {args}", chat=GROUP)
    assert last_text(harness, GROUP["id"]).startswith("Usage: /challenge")
    assert harness.api.of("sendPoll") == []


async def test_forged_button_data_gets_a_quiet_expired_answer(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    server = harness.api.server
    message = server.sent_messages(11)[-1]
    forged = ["cs:nope", "cg:great:x", "pt:9999:x", "pd:²:x", "ex:", "dk:", "zz", "cg:good"]
    for data in forged:
        message = server.set_buttons(
            11, message["message_id"], [[{"text": "?", "callback_data": data}]]
        )
        await harness.press(ada, message, data)
    answers = server.callback_answers[-len(forged) :]
    assert [a.get("text") for a in answers] == [render.button_expired()] * len(forged)
    assert not any(a.get("show_alert") for a in answers)


async def test_a_mask_beyond_the_prompts_concepts_is_expired(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/prompt")
    message = harness.last_message_with_buttons()
    done = harness.button(message, "Done")
    _, _, prompt_id = done.split(":", 2)
    prompt = harness.services.bank.item(prompt_id)
    assert prompt is not None
    for mask in (1 << len(prompt.key_concepts), 10**12):
        data = f"pd:{mask}:{prompt_id}"
        server = harness.api.server
        pressed = server.set_buttons(
            11, message["message_id"], [[{"text": "x", "callback_data": data}]]
        )
        await harness.press(ada, pressed, data)
        assert server.callback_answers[-1]["text"] == render.button_expired()
    assert await harness.services.storage.answers.for_user(11) == []


async def test_data_not_on_the_message_is_expired(harness: Harness) -> None:
    """A press whose data is not one of the message's buttons never reaches a handler."""
    ada = harness.user(11)
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    card_id = harness.button(front, "Show answer").split(":", 1)[1]
    await harness.press(ada, front, f"cg:easy:{card_id}")  # a grade before seeing the back
    assert harness.api.server.callback_answers[-1]["text"] == render.button_expired()
    assert await harness.services.storage.answers.for_user(11) == []


async def test_a_double_tap_on_a_grade_counts_once(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    await harness.press(ada, front, harness.button(front, "Show answer"))
    back = harness.last_message_with_buttons()
    assert isinstance(
        harness.services.bank.item(harness.button(back, "Good").split(":")[2]), CardItem
    )
    # Both taps were made on the same version of the message, before the first edit landed.
    good = harness.button(back, "Good")
    await harness.press(ada, back, good)
    server = harness.api.server
    refused_before = len(server.errors)
    stale = {"id": server.open_callback_query(), "from": ada, "chat_instance": "1", "data": good}
    await harness.send({"callback_query": {**stale, "message": back}})
    assert server.callback_answers[-1]["text"] == render.already_recorded()
    assert len(await harness.services.storage.answers.for_user(11)) == 1
    # Telegram refused the second, identical edit: expected here, so not a failure.
    [refusal] = server.errors[refused_before:]
    assert "not modified" in refusal.response["description"]
    server.errors.remove(refusal)


async def test_buttons_on_an_inaccessible_or_inline_message_are_expired(harness: Harness) -> None:
    ada = harness.user(11)
    server = harness.api.server
    base = {"from": ada, "chat_instance": "1", "data": "qn"}
    inaccessible = {"chat": {"id": 11, "type": "private"}, "message_id": 3, "date": 0}
    await harness.send(
        {"callback_query": {**base, "id": server.open_callback_query(), "message": inaccessible}}
    )
    await harness.send(
        {"callback_query": {**base, "id": server.open_callback_query(), "inline_message_id": "x"}}
    )
    assert [a["text"] for a in server.callback_answers] == [render.button_expired()] * 2


async def test_out_of_range_poll_options_are_ignored_and_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    caplog.set_level(logging.WARNING, logger="bot.handlers.quiz")
    for options in ([len(poll["options"])], [99], [-1], [0, 42]):
        answer = {
            "poll_id": poll["id"],
            "user": ada,
            "option_ids": options,
            "option_persistent_ids": ["x"] * len(options),
        }
        await harness.send({"poll_answer": answer})
    assert await harness.services.storage.answers.for_user(11) == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4
    assert all(poll["id"] in r.getMessage() for r in warnings)
    await harness.answer_poll(ada, poll["id"], 0)  # a real vote still counts
    assert len(await harness.services.storage.answers.for_user(11)) == 1


async def test_a_poll_state_update_is_harmless(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], 1)
    await harness.send({"poll": harness.api.server.get_poll(poll["id"])})
    assert len(await harness.services.storage.answers.for_user(11)) == 1

"""Refusals explain themselves (issue 16, item 15): the range a value must be in, the
languages there are, the most questions a round has, the zone probably meant, and a second
tap on a grade already stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Harness

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}


def last_text(harness: Harness, chat_id: int) -> str:
    return harness.api.texts(chat_id)[-1]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("/retention 0.99", "'0.99' is out of range: desired retention goes from 0.80 to 0.97"),
        ("/retention 0.5", "'0.5' is out of range: desired retention goes from 0.80 to 0.97"),
        ("/retention lots", "'lots' is not a number; write a decimal such as 0.90"),
        ("/timezone Berlin", "'Berlin' is not a time zone; did you mean Europe/Berlin?"),
        ("/timezone New York", "'New York' is not a time zone; did you mean America/New_York?"),
        ("/timezone Mars", "'Mars' is not a time zone; try Europe/Berlin or UTC+2"),
        (
            "/language fr",
            "'fr' is not a language I speak. Choose one of: en (English), ru (Русский), "
            "es (Español), or auto to follow your Telegram settings",
        ),
    ],
)
async def test_a_refused_value_says_what_is_allowed(
    harness: Harness, command: str, reason: str
) -> None:
    ada = harness.user(11)
    await harness.command(ada, command)
    text = last_text(harness, 11)
    assert text.startswith(f"⚠️ {reason}\n"), text
    assert "\nUsage: /" + command.split()[0][1:] in text  # and the usage line after it
    user = await harness.services.storage.users.get(11)
    assert user is not None and user.timezone is None and user.desired_retention == 0.9


async def test_a_group_admin_choosing_an_unknown_language_hears_the_choices(
    harness: Harness,
) -> None:
    ann = harness.user(1, "Ann")
    harness.api.set_admin(GROUP["id"], 1)
    await harness.command(ann, "/language fr", chat=GROUP)
    assert "Choose one of: en (English), ru (Русский), es (Español)" in last_text(
        harness, GROUP["id"]
    )


async def test_a_challenge_too_long_says_the_most_is_twenty(harness: Harness) -> None:
    await harness.command(harness.user(1, "Ann"), "/challenge 30", chat=GROUP)
    assert last_text(harness, GROUP["id"]).startswith("⚠️ A round has at most 20 questions.")
    assert harness.api.of("sendPoll") == []


async def card_back(harness: Harness, learner: dict[str, Any]) -> dict[str, Any]:
    await harness.command(learner, "/cards")
    front = harness.last_message_with_buttons()
    await harness.press(learner, front, harness.button(front, "Show answer"))
    return harness.last_message_with_buttons()


def callback_texts(harness: Harness) -> list[str | None]:
    return [answer.get("text") for answer in harness.api.server.callback_answers]


async def test_a_second_tap_on_a_grade_says_already_recorded(harness: Harness) -> None:
    """Two taps on Good, both sent before the first graded the card (both carry the
    buttons): the second finds the message graded."""
    ada = harness.user(12)
    back = await card_back(harness, ada)
    server = harness.api.server
    good = harness.button(back, "Good")
    taps = [server.push_callback(server.user(12, "Ada"), back, good) for _ in range(2)]
    for tap in taps:
        await harness.send({"callback_query": tap["callback_query"]})
    assert callback_texts(harness)[-1] == "Already recorded."
    assert len(await harness.services.storage.answers.for_user(12)) == 1
    # Telegram refused the second, identical edit: how the second tap was found out.
    [refusal] = server.errors
    assert "not modified" in refusal.response["description"]
    server.errors.remove(refusal)


async def test_a_late_tap_on_a_graded_card_says_already_recorded(harness: Harness) -> None:
    """A tap reported after the grade removed the buttons (the message has none now)."""
    ada = harness.user(13)
    back = await card_back(harness, ada)
    good = harness.button(back, "Good")
    await harness.press(ada, back, good)
    await harness.press(ada, back, good)  # the fake reports the message as it is now
    assert callback_texts(harness)[-1] == "Already recorded."
    assert len(await harness.services.storage.answers.for_user(13)) == 1


async def test_a_second_tap_on_a_finished_prompt_says_already_recorded(harness: Harness) -> None:
    ada = harness.user(14)
    await harness.command(ada, "/prompt")
    message = harness.last_message_with_buttons()
    done = harness.button(message, "Done")
    await harness.press(ada, message, done)
    await harness.press(ada, message, done)
    assert callback_texts(harness)[-1] == "Already recorded."
    assert len(await harness.services.storage.answers.for_user(14)) == 1


async def test_a_stale_button_that_grades_nothing_still_says_expired(harness: Harness) -> None:
    ada = harness.user(15)
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    show = harness.button(front, "Show answer")
    await harness.press(ada, front, show)
    await harness.press(ada, front, show)  # the card is turned over: that button is gone
    assert callback_texts(harness)[-1] == "This button has expired."

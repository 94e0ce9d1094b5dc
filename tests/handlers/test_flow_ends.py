"""Issue 16, flows that end: stopped rounds, times told to groups, /test, /cards, /explain,
/start after group play, and naming a deck (through PTB)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.content.models import McqItem
from bot.handlers.challenge import advance_round
from bot.handlers.context import TutorContext
from bot.storage.records import User
from tests.conftest import Harness
from tests.handlers.test_challenge import GROUP, answer_after, group_texts


async def learner_of(harness: Harness, user_id: int) -> User:
    user = await harness.services.storage.users.get(user_id)
    assert user is not None
    return user


async def test_a_stopped_round_says_who_stopped_it_and_after_how_many(harness: Harness) -> None:
    ann, bob = harness.user(1, "Ann"), harness.user(2, "Bob")
    await harness.command(ann, "/challenge 5 20", chat=GROUP)
    await answer_after(harness, bob, 3, False, harness.last_poll()["poll"])
    harness.api.set_admin(GROUP["id"], 2)
    await harness.command(bob, "/stopchallenge", chat=GROUP)
    results = group_texts(harness)[-1]
    assert "Round stopped by Bob after 1 of 5 questions" in results
    assert "Round over" not in results
    # Bob answered, but got nothing right: ranked, with no medal.
    assert "1. Bob — 0 right, 0 pts" in results
    assert "🥇" not in results


async def test_a_round_run_to_its_end_keeps_its_medals_for_points_only(harness: Harness) -> None:
    ann, bob = harness.user(1, "Ann"), harness.user(2, "Bob")
    await harness.command(ann, "/challenge 1 5", chat=GROUP)
    poll = harness.last_poll()["poll"]
    await answer_after(harness, ann, 1, True, poll)
    await answer_after(harness, bob, 1, False, poll)
    harness.clock.advance(timedelta(seconds=7))
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is not None
    await advance_round(TutorContext(harness.app), round_.id)
    results = group_texts(harness)[-1]
    assert "Round over — " in results and "1 question" in results
    assert "🥇 Ann" in results
    assert "2. Bob — 0 right" in results and "🥈" not in results


async def test_a_group_hears_how_long_a_running_round_lasts_not_a_clock_time(
    harness: Harness,
) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 10 30", chat=GROUP)
    await harness.command(ann, "/challenge", chat=GROUP)
    text = group_texts(harness)[-1]
    assert "UTC" not in text and ":" not in text.split("ends")[1]
    # 10 questions of 30 s, plus the grace after the last one: just over 5 minutes.
    assert "ends in about 6 minutes" in text


async def test_a_short_round_left_is_told_in_seconds(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 1 30", chat=GROUP)
    harness.clock.advance(timedelta(seconds=10))
    await harness.command(ann, "/challenge", chat=GROUP)
    assert group_texts(harness)[-1].endswith("it ends in 22 seconds.")


async def test_explain_gives_nothing_away_while_a_test_question_is_open(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/test")
    poll = harness.last_poll()["poll"]
    sent = await harness.services.storage.polls.get(poll["id"])
    assert sent is not None
    item = harness.services.bank.item(sent.item_id)
    assert isinstance(item, McqItem)
    for text in ("/explain", f"/explain {item.id}"):
        await harness.command(ada, text)
        reply = harness.api.texts(11)[-1]
        assert "No spoilers" in reply, text
        assert item.correct not in reply and "Final answer" not in reply
    # Answered: now it may be explained (the next question is open, and it is not this one).
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    before = len(harness.api.texts(11))
    await harness.command(ada, f"/explain {item.id}")
    explanation = "\n".join(harness.api.texts(11)[before:])
    assert "No spoilers" not in explanation and item.question.splitlines()[0] in explanation
    await harness.command(ada, "/explain")
    assert "No spoilers" in harness.api.texts(11)[-1]


async def test_the_explain_reply_carries_a_next_button(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    feedback = harness.last_message_with_buttons()
    await harness.press(ada, feedback, harness.buttons(feedback)["Explain"])
    explanation = harness.last_message_with_buttons()
    assert explanation["message_id"] != feedback["message_id"]
    assert "Final answer" in explanation["text"] or "Answer" in explanation["text"]
    assert list(harness.buttons(explanation)) == ["Next ▶"]
    polls = len(harness.api.of("sendPoll"))
    await harness.press(ada, explanation, harness.buttons(explanation)["Next ▶"])
    assert len(harness.api.of("sendPoll")) == polls + 1


async def test_a_group_player_who_starts_in_private_gets_daily_revision(harness: Harness) -> None:
    ann, bob = harness.user(1, "Ann"), harness.user(2, "Bob")
    await harness.command(ann, "/challenge 1 5", chat=GROUP)
    await answer_after(harness, bob, 1, True, harness.last_poll()["poll"])
    assert await harness.services.storage.users.get(2) is not None  # registered by the round
    await harness.command(bob, "/start")
    assert "Daily revision is on at 09:00 UTC" in harness.api.texts(2)[-1]
    bob_now = await harness.services.storage.users.get(2)
    assert bob_now is not None and bob_now.daily_time == "09:00"
    # Someone who turned it off after using the private chat keeps it off.
    await harness.command(bob, "/quiz")
    await harness.command(bob, "/daily off")
    await harness.command(bob, "/start")
    bob_now = await harness.services.storage.users.get(2)
    assert bob_now is not None and bob_now.daily_time is None


@pytest.mark.parametrize("command", ["/quiz", "/cards", "/test", "/prompt"])
async def test_naming_a_deck_makes_it_active_and_says_so(harness: Harness, command: str) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    assert (await learner_of(harness, 11)).active_deck is None
    await harness.command(ada, f"{command} ci-cd")
    switched = [text for text in harness.api.texts(11) if "Your deck is now" in text]
    assert switched == [
        "📚 Your deck is now CI/CD fundamentals: /quiz, /cards, /test and /prompt use it. "
        "Change it with /decks."
    ]
    assert (await learner_of(harness, 11)).active_deck == "ci-cd-fundamentals"
    # Naming the deck already active changes nothing, and says nothing.
    await harness.command(ada, f"{command} ci-cd")
    assert sum("Your deck is now" in text for text in harness.api.texts(11)) == 1

"""Issue 16, flows that end: stopped rounds, times told to groups, /test, /cards, /explain,
/start after group play, and naming a deck (through PTB)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import render
from bot.content.models import McqItem
from bot.domain.memory import Grade
from bot.flows.answers import record_answer
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
    await harness.press(ada, feedback, harness.button(feedback, "Explain"))
    explanation = harness.last_message_with_buttons()
    assert explanation["message_id"] != feedback["message_id"]
    assert "Final answer" in explanation["text"] or "Answer" in explanation["text"]
    assert list(harness.buttons(explanation)) == ["Next ▶"]
    polls = len(harness.api.of("sendPoll"))
    await harness.press(ada, explanation, harness.button(explanation, "Next ▶"))
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


async def test_cards_is_a_session_of_five_that_ends_and_says_when_the_next_is_due(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/cards")
    shown: list[str] = []
    for number in range(1, 6):
        front = harness.last_message_with_buttons()
        assert f"· {number}/5" in front["text"].splitlines()[0]
        await harness.press(ada, front, harness.button(front, "Show answer"))
        back = harness.last_message_with_buttons()
        assert f"· {number}/5" in back["text"].splitlines()[0]
        labels = list(harness.buttons(back))
        assert [label.split(" · ")[0] for label in labels] == ["Again", "Hard", "Good", "Easy"]
        assert all(len(label) <= 30 for label in labels)
        card_id = harness.button(back, "Good").split(":")[2]
        shown.append(card_id)
        await harness.press(ada, back, harness.button(back, "Good"))
    assert len(set(shown)) == 5  # no card graded Good came straight back
    # Monday 08:00 UTC; new cards graded Good wait for FSRS's first learning step (10 min).
    assert harness.api.texts(11)[-2].endswith("You said: Good")
    assert harness.api.texts(11)[-1] == "Done for now — next card due today at 8:10\u202fAM."
    memories = await harness.services.storage.reviews.all_for(11)
    assert all(memories[card].due >= harness.clock.now() + timedelta(minutes=10) for card in shown)
    # The deck has five cards: /cards again at once brings none of them back.
    messages = len(harness.api.of("sendMessage"))
    await harness.command(ada, "/cards")
    assert len(harness.api.of("sendMessage")) == messages + 1
    assert harness.api.texts(11)[-1].startswith("Done for now — next card due today")
    # Once they are due, they are back, in a new round of five.
    harness.clock.advance(timedelta(minutes=11))
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    assert "· 1/5" in front["text"].splitlines()[0]
    assert harness.button(front, "Show answer").split(":")[1] in shown


async def test_the_grade_buttons_say_when_the_card_comes_back(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    await harness.press(ada, front, harness.button(front, "Show answer"))
    labels = list(harness.buttons(harness.last_message_with_buttons()))
    # A new card (FSRS defaults): Again and Hard within minutes, Good in minutes, Easy in days.
    assert labels[0] == "Again · 1 min"
    assert labels[3].startswith("Easy · ") and labels[3].endswith(" d")


async def test_cards_with_nothing_due_and_no_new_left_says_when_to_come_back(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    # Every card of the deck seen and graded Easy: nothing due, nothing new.
    await harness.command(ada, "/start")
    deck = harness.services.bank.default_deck
    for card in deck.cards:
        await record_answer(
            harness.services.storage,
            harness.clock.now(),
            user_id=11,
            item_id=card.id,
            chat_id=11,
            correct=True,
            grade=Grade.EASY,
            purpose="cards",
        )
    await harness.command(ada, "/cards")
    assert harness.api.texts(11)[-1].startswith("Done for now — next card due ")
    assert not harness.api.of("sendPoll")


def test_intervals_read_like_ankis() -> None:
    assert render.interval(timedelta(minutes=1)) == "1 min"
    assert render.interval(timedelta(minutes=10)) == "10 min"
    assert render.interval(timedelta(hours=5)) == "5 h"
    assert render.interval(timedelta(days=3, hours=2)) == "3 d"
    assert render.interval(timedelta(days=62)) == "2 mo"
    assert render.interval(timedelta(days=365 * 2)) == "2 y"
    assert render.grade_button("good", timedelta(days=3)) == "Good · 3 d"


async def play_test(harness: Harness, user: dict[str, object], wrong: set[int]) -> list[str]:
    """Answer a /test's questions, missing those numbered in `wrong`; the item ids asked."""
    asked = []
    for number in range(1, 11):
        poll = harness.last_poll()["poll"]
        assert poll["question"].startswith(f"{number}/10 · ")
        sent = await harness.services.storage.polls.get(poll["id"])
        assert sent is not None
        asked.append(sent.item_id)
        right = poll["correct_option_ids"][0]
        await harness.answer_poll(user, poll["id"], (right + 1) % 2 if number in wrong else right)
    return asked


async def test_the_test_result_explains_each_missed_question_and_retakes_them(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/test")
    asked = await play_test(harness, ada, wrong={2, 7})
    result = harness.last_message_with_buttons()
    assert "Score: 8/10" in result["text"]
    assert "/explain" not in result["text"]  # a bare /explain would explain question 10
    buttons = harness.buttons(result)
    assert list(buttons) == ["Explain 2", "Explain 7", "Retake 2 missed questions"]
    await harness.press(ada, result, buttons["Explain 7"])
    explained = harness.services.bank.item(asked[6])
    assert isinstance(explained, McqItem)
    assert explained.question.splitlines()[0] in harness.api.texts(11)[-1]
    await harness.press(ada, result, buttons["Retake 2 missed questions"])
    assert "2 questions you missed, once more" in harness.api.texts(11)[-1]
    retake = []
    for number in (1, 2):
        poll = harness.last_poll()["poll"]
        assert poll["question"].startswith(f"{number}/2 · ")
        sent = await harness.services.storage.polls.get(poll["id"])
        assert sent is not None
        retake.append(sent.item_id)
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    assert retake == [asked[1], asked[6]]
    assert "Score: 2/2" in harness.api.texts(11)[-1]
    # The retake button went with the first press: a second tap starts nothing.
    polls = len(harness.api.of("sendPoll"))
    await harness.press(ada, result, buttons["Retake 2 missed questions"])
    assert len(harness.api.of("sendPoll")) == polls


async def test_quiz_or_a_second_test_during_a_test_says_what_happens_to_it(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/test")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    test_poll = harness.last_poll()["poll"]  # question 2
    await harness.command(ada, "/quiz")
    assert "Your /test waits at question 2 of 10" in harness.api.texts(11)[-1]
    await harness.answer_poll(ada, test_poll["id"], test_poll["correct_option_ids"][0])
    assert harness.last_poll()["poll"]["question"].startswith("3/10 · ")
    await harness.command(ada, "/test")
    texts = harness.api.texts(11)
    assert "Your test of MLOps vs DevOps stops at question 3 of 10" in texts[-2]
    assert harness.last_poll()["poll"]["question"].startswith("1/10 · ")

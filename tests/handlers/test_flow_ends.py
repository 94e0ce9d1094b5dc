"""Issue 16, flows that end: stopped rounds, times told to groups, /test, /cards, /explain,
/start after group play, and naming a deck (through PTB)."""

from __future__ import annotations

from datetime import timedelta

from bot.handlers.challenge import advance_round
from bot.handlers.context import TutorContext
from tests.conftest import Harness
from tests.handlers.test_challenge import GROUP, answer_after, group_texts


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

"""Group challenges through PTB: a full round with three members, stop, restart, leaderboard;
on both backends."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from bot.app import build_application
from bot.flows.services import Services
from bot.handlers.challenge import advance_round, job_name, resume_rounds
from bot.handlers.chat_rules import GROUP_COMMANDS, PRIVATE_COMMANDS
from bot.handlers.context import TutorContext
from bot.storage import Storage
from tests.conftest import Harness
from tests.fakes.offline import OfflineRequest, fail_next_call

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}


@pytest.fixture
def harness(harness_on_both_backends: Harness) -> Harness:
    return harness_on_both_backends


def group_texts(harness: Harness) -> list[str]:
    return harness.api.texts(GROUP["id"])


async def timer_fires(harness: Harness, seconds: int = 7) -> None:
    """What the round's JobQueue timer does when the poll has closed."""
    harness.clock.advance(timedelta(seconds=seconds))
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is not None
    await advance_round(TutorContext(harness.app), round_.id)


async def answer_after(
    harness: Harness, user: dict[str, Any], seconds: float, right: bool, poll: dict[str, Any]
) -> None:
    sent = await harness.services.storage.polls.get(poll["id"])
    assert sent is not None
    harness.clock.set(sent.sent_at + timedelta(seconds=seconds))
    correct = poll["correct_option_ids"][0]
    await harness.answer_poll(user, poll["id"], correct if right else (correct + 1) % 2)


async def test_full_round_with_three_members(harness: Harness) -> None:
    ann, bob, cat = harness.user(1, "Ann"), harness.user(2, "Bob <b>"), harness.user(3, "Cat")
    await harness.command(ann, "/challenge 2 5", chat=GROUP)
    assert "Challenge!" in group_texts(harness)[0]
    first = harness.last_poll()["poll"]
    assert first["is_anonymous"] is False and first["open_period"] == 5
    await answer_after(harness, ann, 1, True, first)  # 900
    await answer_after(harness, bob, 3, True, first)  # 700
    await answer_after(harness, cat, 2, False, first)  # 0
    await harness.command(bob, "/challenge", chat=GROUP)
    assert "already running" in group_texts(harness)[-1]
    await timer_fires(harness)
    second = harness.last_poll()["poll"]
    assert second["id"] != first["id"]
    await answer_after(harness, bob, 0.5, True, second)  # 950
    await answer_after(harness, cat, 1, True, second)  # 900
    await timer_fires(harness)
    results = group_texts(harness)[-1]
    assert "Round over" in results
    lines = [line for line in results.splitlines() if "pts" in line]
    assert lines == [
        "🥇 Bob <b> — 2 right, 1650 pts",
        "🥈 Ann — 1 right, 900 pts",
        "🥉 Cat — 1 right, 900 pts",
    ]
    # No more timers can post a second result.
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is None
    # Group answers also count for each member's own memory state.
    first_sent = await harness.services.storage.polls.get(first["id"])
    assert first_sent is not None
    assert await harness.services.storage.reviews.get(2, first_sent.item_id) is not None


async def test_bad_arguments_get_a_usage_line_and_the_limit_they_broke(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    for text, reason in (
        ("/challenge 0", "A round has at least 1 question."),
        ("/challenge 21", "A round has at most 20 questions."),
        ("/challenge 30", "A round has at most 20 questions."),
        ("/challenge 5 4", "Each question lasts from 5 to 600 seconds."),
        ("/challenge 5 601", "Each question lasts from 5 to 600 seconds."),
        ("/challenge x 5", None),
    ):
        await harness.command(ann, text, chat=GROUP)
        reply = group_texts(harness)[-1]
        assert "Usage: /challenge" in reply, text
        if reason is not None:
            assert reply.startswith(f"⚠️ {reason}"), reply
    assert harness.api.of("sendPoll") == []


async def test_stop_only_by_starter_or_admin(harness: Harness) -> None:
    ann, bob, dan = harness.user(1, "Ann"), harness.user(2, "Bob"), harness.user(4, "Dan")
    await harness.command(ann, "/challenge 3 20", chat=GROUP)
    await harness.command(bob, "/stopchallenge", chat=GROUP)
    assert "only the member who started" in group_texts(harness)[-1]
    harness.api.set_admin(GROUP["id"], 4)
    await harness.command(dan, "/stopchallenge", chat=GROUP)
    await harness.command(ann, "/stopchallenge", chat=GROUP)
    assert sum("Round stopped" in text for text in group_texts(harness)) == 1
    assert "No round is running" in group_texts(harness)[-1]


async def test_explain_refused_while_open_then_allowed(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 1 10", chat=GROUP)
    await harness.command(ann, "/explain", chat=GROUP)
    assert "No spoilers" in group_texts(harness)[-1]
    harness.clock.advance(timedelta(seconds=11))
    await harness.command(ann, "/explain", chat=GROUP)
    assert "Final answer" in group_texts(harness)[-1] or "Answer" in "\n".join(
        group_texts(harness)[-3:]
    )


async def test_restart_mid_round_finishes_exactly_once(harness: Harness, tmp_path: Any) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 2 5", chat=GROUP)
    poll = harness.last_poll()["poll"]
    await answer_after(harness, ann, 1, True, poll)
    # The process dies here; a new Application opens the same database file.
    old = harness.services
    restarted = Services(
        settings=old.settings,
        storage=Storage(old.settings.database_target),
        bank=old.bank,
        clock=harness.clock,
        rng=random.Random(1),
    )
    app = build_application(old.settings, request=OfflineRequest(harness.api), services=restarted)
    await app.initialize()
    await restarted.storage.open()
    try:
        assert app.job_queue is not None
        assert await resume_rounds(app.job_queue, TutorContext(app)) == 1
        harness.clock.advance(timedelta(seconds=7))
        round_ = await restarted.storage.challenges.running_in(GROUP["id"])
        assert round_ is not None
        context = TutorContext(app)
        await advance_round(context, round_.id)  # second question
        harness.clock.advance(timedelta(seconds=7))
        await advance_round(context, round_.id)  # results
        await advance_round(context, round_.id)  # a stray timer: nothing more
    finally:
        await restarted.storage.close()
        await app.shutdown()
    assert sum("Round over" in text for text in group_texts(harness)) == 1
    assert len(harness.api.of("sendPoll")) == 2
    assert "Ann — 1 right, 900 pts" in group_texts(harness)[-1]


async def test_leaderboard_week_and_all_time_without_leaks(harness: Harness) -> None:
    ann, bob = harness.user(1, "Ann & Co"), harness.user(2, "Bob")
    await harness.command(ann, "/challenge 1 5", chat=GROUP)
    await answer_after(harness, ann, 1, True, harness.last_poll()["poll"])
    await timer_fires(harness)
    # Private study and another group's round must not show up here.
    await harness.command(bob, "/quiz")
    await harness.answer_poll(bob, harness.last_poll()["poll"]["id"], 0)
    other = {"id": -2002, "type": "group", "title": "Other"}
    await harness.command(bob, "/challenge 1 5", chat=other)
    await harness.answer_poll(
        bob, harness.last_poll()["poll"]["id"], harness.last_poll()["poll"]["correct_option_ids"][0]
    )
    harness.clock.advance(timedelta(days=8))  # next week
    await harness.command(bob, "/leaderboard", chat=GROUP)
    board = group_texts(harness)[-1]
    week, ever = board.split("All time")
    assert "No answers yet" in week
    assert "1. Ann & Co — 900 pts (1 right)" in ever
    assert "Bob" not in board


async def test_private_only_commands_in_a_group_get_a_hint(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    for command in ("/daily 08:00", *(f"/{name}" for name in PRIVATE_COMMANDS)):
        sent_before = len(group_texts(harness))
        await harness.command(ann, command, chat=GROUP)
        assert len(group_texts(harness)) == sent_before + 1, command
        assert "private chat" in group_texts(harness)[-1], command


async def test_bot_added_to_group_introduces_itself(harness: Harness) -> None:
    bot_user = {"id": 7000001, "is_bot": True, "first_name": "Quiz Tutor"}
    await harness.send(
        {
            "my_chat_member": {
                "chat": GROUP,
                "from": harness.user(1, "Ann"),
                "date": 0,
                "old_chat_member": {"status": "left", "user": bot_user},
                "new_chat_member": {"status": "member", "user": bot_user},
            }
        }
    )
    intro = group_texts(harness)[-1]
    assert "/challenge" in intro and "/leaderboard" in intro


async def test_group_commands_in_a_private_chat_get_a_hint(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    for command in (f"/{name}" for name in GROUP_COMMANDS):
        await harness.command(ann, command)
        assert "works in a group" in harness.api.texts(1)[-1], command
    assert harness.api.of("sendPoll") == []


async def test_leaderboard_shows_the_callers_rank_outside_the_top_ten(harness: Harness) -> None:
    members = [harness.user(100 + n, f"M{n}") for n in range(12)]
    await harness.command(members[0], "/challenge 1 20", chat=GROUP)
    poll = harness.last_poll()["poll"]
    for n, member in enumerate(members):
        await answer_after(harness, member, 1 + n, True, poll)  # later answers score less
    await timer_fires(harness, seconds=25)
    await harness.command(members[-1], "/leaderboard", chat=GROUP)
    board = group_texts(harness)[-1]
    ever = board.split("All time")[1]
    assert "10. M9" in ever and "11. M10" not in ever
    assert "You: 12. M11" in ever


async def test_explain_as_a_reply_to_a_closed_poll(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 2 5", chat=GROUP)
    first_message = harness.api.of("sendPoll")[-1].result
    await timer_fires(harness)  # first closes, second opens
    await harness.command(
        ann, "/explain", chat=GROUP, reply_to_message_id=first_message["message_id"]
    )
    sent = await harness.services.storage.polls.by_message(GROUP["id"], first_message["message_id"])
    assert sent is not None
    item = harness.services.bank.item(sent.item_id)
    assert item is not None
    explained = "\n".join(group_texts(harness)[-4:])
    assert item.question.splitlines()[0] in explained  # type: ignore[union-attr]
    # Plain /explain now refers to the open second question: refused.
    await harness.command(ann, "/explain", chat=GROUP)
    assert "No spoilers" in group_texts(harness)[-1]


async def test_the_group_keeps_the_deck_it_last_chose(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 1 5 ci-cd", chat=GROUP)
    await timer_fires(harness)
    await harness.command(ann, "/challenge 1 5", chat=GROUP)
    for call in harness.api.of("sendPoll"):
        sent = await harness.services.storage.polls.get(call.result["poll"]["id"])
        assert sent is not None
        assert harness.services.bank.deck_of(sent.item_id).id == "ci-cd-fundamentals"
    assert "CI/CD fundamentals" in group_texts(harness)[-1] or any(
        "CI/CD fundamentals" in text for text in group_texts(harness)[-2:]
    )


def retry_timer_set(harness: Harness, challenge_id: int) -> bool:
    assert harness.app.job_queue is not None
    return bool(harness.app.job_queue.get_jobs_by_name(job_name(challenge_id)))


async def test_a_question_telegram_failed_is_asked_again_not_skipped(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram answers 502 to the round's first poll: the round neither skips the
    question nor stalls; the timer asks it again, and the round runs to its results."""
    ann = harness.user(1, "Ann")
    failed = fail_next_call(monkeypatch, "sendPoll")
    await harness.command(ann, "/challenge 2 5", chat=GROUP)
    assert failed
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is not None and round_.position == 0  # the question is still to ask
    assert retry_timer_set(harness, round_.id)
    assert harness.api.server.sent_polls(GROUP["id"]) == []

    await advance_round(TutorContext(harness.app), round_.id)  # the retry timer fires
    polls = harness.api.server.sent_polls(GROUP["id"])
    assert len(polls) == 1
    sent = await harness.services.storage.polls.get(polls[0]["poll"]["id"])
    assert sent is not None and sent.item_id == round_.item_ids[0]
    await answer_after(harness, ann, 1, True, polls[0]["poll"])
    await timer_fires(harness)
    await timer_fires(harness)
    assert "Round over" in group_texts(harness)[-1]
    assert len(harness.api.server.sent_polls(GROUP["id"])) == 2


async def test_results_telegram_failed_are_posted_once_by_the_retry(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 1 5", chat=GROUP)
    poll = harness.last_poll()["poll"]
    await answer_after(harness, ann, 1, True, poll)
    failed = fail_next_call(monkeypatch, "sendMessage")
    await timer_fires(harness)  # the results' send fails
    assert failed and not any("Round over" in text for text in group_texts(harness))
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is not None  # open again, so the results still go out
    assert retry_timer_set(harness, round_.id)
    await advance_round(TutorContext(harness.app), round_.id)  # the retry timer fires
    await advance_round(TutorContext(harness.app), round_.id)  # a stray timer: nothing more
    assert sum("Round over" in text for text in group_texts(harness)) == 1
    assert await harness.services.storage.challenges.running_in(GROUP["id"]) is None


async def test_a_stop_whose_results_failed_posts_them_when_retried(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/stopchallenge mid-round, and Telegram fails the results: the round is open again
    (no question more is asked: no timer), and the pipeline's retry of the same update
    stops it and posts the results once."""
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 3 5", chat=GROUP)
    polls_before = len(harness.api.server.sent_polls(GROUP["id"]))
    server = harness.api.server
    update = server.push_message(
        server.user(1, "Ann"), "/stopchallenge", chat_id=GROUP["id"], chat_type="supergroup"
    )
    failed = fail_next_call(monkeypatch, "sendMessage")
    await harness.send({"message": update["message"]})  # fails: the update is kept
    assert failed
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is not None and not retry_timer_set(harness, round_.id)
    await harness.send({"message": update["message"]})  # the pipeline's retry
    assert sum("Round stopped" in text for text in group_texts(harness)) == 1
    assert len(harness.api.server.sent_polls(GROUP["id"])) == polls_before
    assert await harness.services.storage.challenges.running_in(GROUP["id"]) is None

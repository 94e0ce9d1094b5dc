"""Daily revision through PTB: settings, the minute tick, the prompt, catch-up, zones, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.memory import Grade
from bot.flows.answers import record_answer
from bot.handlers.context import TutorContext
from bot.handlers.reminders import daily_tick, rebuild_daily_jobs
from bot.storage.database import from_db_time
from tests.conftest import Harness
from tests.fakes.offline import fail_next_call


async def next_prompt(harness: Harness, user_id: int) -> datetime | None:
    row = await harness.services.storage.db.fetch_one(
        "SELECT next_prompt_at FROM users WHERE user_id = ?", (user_id,)
    )
    assert row is not None
    return from_db_time(row[0]) if row[0] else None


async def tick(harness: Harness) -> int:
    """One minute tick, then wait until every learner it found has been handled."""
    queued = await daily_tick(TutorContext(harness.app))
    await harness.services.daily_queue.join()
    return queued


def intros(harness: Harness, user_id: int) -> int:
    return sum("Daily revision —" in text for text in harness.api.texts(user_id))


async def test_start_turns_daily_revision_on_at_nine_utc(harness: Harness) -> None:
    await harness.command(harness.user(11), "/start")
    assert "Daily revision is on at 09:00 UTC" in harness.api.texts(11)[-1]
    assert "/daily off" in harness.api.texts(11)[-1]
    assert await next_prompt(harness, 11) == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_bad_values_get_one_line_errors(harness: Harness) -> None:
    ada = harness.user(11)
    for text, needle in [
        ("/daily 25:99", "is not a time"),
        ("/timezone Mars/Base", "is not a time zone"),
        ("/daily size 50", "from 1 to 20"),
        ("/daily at noon please", "Usage: /daily"),
        ("/retention 2", "Usage: /retention"),
    ]:
        await harness.command(ada, text)
        assert needle in harness.api.texts(11)[-1], text


async def test_daily_shows_setting_and_next_run_and_utc_notice(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/daily 18:30")
    text = harness.api.texts(11)[-1]
    assert "18:30" in text and "Next: Mon 02 Nov 18:30" in text and "UTC" in text
    assert await next_prompt(harness, 11) == datetime(2026, 11, 2, 18, 30, tzinfo=UTC)
    await harness.command(ada, "/daily off")
    assert "off" in harness.api.texts(11)[-1]
    assert await next_prompt(harness, 11) is None
    harness.clock.set(datetime(2026, 11, 2, 18, 30, tzinfo=UTC))
    assert await tick(harness) == 0 and intros(harness, 11) == 0


async def test_timezone_change_moves_the_prompt_time(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/timezone Europe/Berlin")
    assert "Europe/Berlin" in harness.api.texts(11)[-1]
    # 09:00 in Berlin in November (CET, UTC+1) is 08:00 UTC; it is 08:00 now, so tomorrow.
    assert await next_prompt(harness, 11) == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


async def test_daylight_saving_change_keeps_local_time(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/timezone Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    await harness.command(ada, "/daily 09:00")
    prompts = []
    # Minute by minute over the spring-forward weekend: 08:00 UTC (CET), then 07:00 (CEST).
    for _ in range(3 * 24 * 60):
        harness.clock.advance(timedelta(minutes=1))
        if await tick(harness):
            prompts.append(harness.clock.now())
    assert prompts == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]
    assert intros(harness, 11) == 3


async def test_learners_across_zones_are_prompted_at_their_local_nine(harness: Harness) -> None:
    zones = {
        11: ("UTC", datetime(2026, 11, 3, 9, 0, tzinfo=UTC)),
        12: ("Europe/Berlin", datetime(2026, 11, 3, 8, 0, tzinfo=UTC)),
        13: ("America/New_York", datetime(2026, 11, 3, 14, 0, tzinfo=UTC)),
        14: ("Asia/Kolkata", datetime(2026, 11, 3, 3, 30, tzinfo=UTC)),
        15: ("Pacific/Auckland", datetime(2026, 11, 2, 20, 0, tzinfo=UTC)),
        16: ("UTC+14", datetime(2026, 11, 2, 19, 0, tzinfo=UTC)),
    }
    for user_id, (zone, _) in zones.items():
        await harness.command(harness.user(user_id), "/start")
        await harness.command(harness.user(user_id), f"/timezone {zone}")
    harness.clock.set(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    first_prompt: dict[int, datetime] = {}
    for _ in range(24 * 60):
        harness.clock.advance(timedelta(minutes=1))
        await tick(harness)
        for user_id in zones:
            if user_id not in first_prompt and intros(harness, user_id):
                first_prompt[user_id] = harness.clock.now()
    assert first_prompt == {user_id: moment for user_id, (_, moment) in zones.items()}
    assert all(intros(harness, user_id) == 1 for user_id in zones)


async def test_one_tick_job_however_many_learners(harness: Harness) -> None:
    for user_id in range(100, 160):
        await harness.command(harness.user(user_id), "/start")
    job_queue = harness.app.job_queue
    assert job_queue is not None
    await rebuild_daily_jobs(job_queue, TutorContext(harness.app))
    names = sorted(job.name or "" for job in job_queue.jobs())
    assert names == ["daily-tick", "daily-tick-start"]
    tick_job = job_queue.get_jobs_by_name("daily-tick")[0]
    assert tick_job.job.trigger.interval == timedelta(minutes=1)
    # It fires on the minute: the first run is the next whole minute.
    assert tick_job.job.trigger.start_date == datetime(2026, 11, 2, 8, 1, tzinfo=UTC)


async def answer_item(
    harness: Harness, user_id: int, item_id: str, right: bool, grade: Grade | None = None
) -> None:
    item = harness.services.bank.item(item_id)
    assert item is not None
    await record_answer(
        harness.services.storage,
        harness.clock.now(),
        user_id=user_id,
        item_id=item.id,
        chat_id=user_id,
        correct=right,
        grade=grade or (Grade.GOOD if right else Grade.AGAIN),
        purpose="quiz",
    )


async def test_prompt_leads_with_the_missed_item(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    deck = harness.services.bank.deck("mlops-vs-devops")
    assert deck is not None
    x, y, z = (item.id for item in deck.mcqs[:3])
    await answer_item(harness, 11, x, right=False)
    await answer_item(harness, 11, y, right=True)
    await answer_item(harness, 11, z, right=True)
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    await tick(harness)
    intro = harness.api.texts(11)[-1]
    assert "Daily revision" in intro and "missed recently" in intro and "1 missed" in intro
    sent = await harness.services.storage.polls.get(harness.last_poll()["poll"]["id"])
    assert sent is not None and sent.item_id == x and sent.context == "daily"


async def test_session_runs_to_a_summary_with_streak(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/daily size 3")
    deck = harness.services.bank.deck("mlops-vs-devops")
    assert deck is not None
    for item in deck.mcqs[:3]:
        await answer_item(harness, 11, item.id, right=False)
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    await tick(harness)
    for _ in range(3):
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    summary = harness.api.texts(11)[-1]
    assert "Revision done" in summary and "3/3 right (100%)" in summary
    assert "Streak: 2 days" in summary


async def test_no_second_prompt_on_the_same_local_day(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    await tick(harness)
    assert intros(harness, 11) == 1
    assert await next_prompt(harness, 11) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    # Moving the time to later today does not earn a second prompt today.
    await harness.command(ada, "/daily 10:00")
    harness.clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    await tick(harness)
    assert intros(harness, 11) == 1
    assert await next_prompt(harness, 11) == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    harness.clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    await tick(harness)
    assert intros(harness, 11) == 2


async def test_a_learner_still_queued_is_not_queued_again(harness: Harness) -> None:
    await harness.command(harness.user(11), "/start")
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    context = TutorContext(harness.app)
    assert await daily_tick(context) == 1
    harness.clock.advance(timedelta(minutes=1))
    assert await daily_tick(context) == 0  # the first is still being handled
    await harness.services.daily_queue.join()
    assert intros(harness, 11) == 1


async def test_many_learners_at_one_minute_are_paged_without_skips_or_repeats(
    harness: Harness,
) -> None:
    for user_id in range(100, 125):
        await harness.command(harness.user(user_id), "/start")
    queue = harness.services.daily_queue
    queue.page_size, queue.enough_waiting = 4, 10
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    first = await daily_tick(TutorContext(harness.app))
    assert 10 <= first < 25  # stopped once enough were waiting
    await queue.join()
    harness.clock.advance(timedelta(minutes=1))
    await tick(harness)
    await tick(harness)
    assert [intros(harness, user_id) for user_id in range(100, 125)] == [1] * 25


async def test_a_crash_before_the_time_moves_on_is_caught_up_once(harness: Harness) -> None:
    await harness.command(harness.user(11), "/start")
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    await tick(harness)
    # As if the process died after the prompt but before storing the next time.
    await harness.services.storage.daily.set_next(11, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    harness.services.daily_queue.cursor = None  # a new process
    harness.clock.set(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    assert await tick(harness) == 1
    assert intros(harness, 11) == 1  # claim_daily in SQLite refused the second
    assert await next_prompt(harness, 11) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


async def test_catch_up_after_downtime_within_three_hours(harness: Harness) -> None:
    for user_id in (11, 12):
        await harness.command(harness.user(user_id), "/start")
    # Learner 12 chose 08:00 (more than 3 h before we come back), learner 11 kept 09:00.
    await harness.command(harness.user(12), "/daily 08:00")
    harness.clock.set(datetime(2026, 11, 2, 11, 30, tzinfo=UTC))
    job_queue = harness.app.job_queue
    assert job_queue is not None
    await rebuild_daily_jobs(job_queue, TutorContext(harness.app))
    await tick(harness)
    assert intros(harness, 11) == 1
    assert intros(harness, 12) == 0
    assert await next_prompt(harness, 12) == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


async def test_learners_from_before_the_tick_get_a_prompt_time_at_start_up(
    harness: Harness,
) -> None:
    storage = harness.services.storage
    await storage.users.upsert(11, "Ada", None, harness.clock.now())
    await storage.users.upsert(12, "Bob", None, harness.clock.now())
    await storage.users.set_daily_time(11, "07:00")  # missed 3 h ago at 10:00: still owed
    await storage.users.set_daily_time(12, "06:30")  # missed 3.5 h ago: tomorrow
    await storage.users.set_timezone(12, "Europe/Berlin")
    harness.clock.set(datetime(2026, 11, 2, 9, 59, tzinfo=UTC))
    job_queue = harness.app.job_queue
    assert job_queue is not None
    assert await rebuild_daily_jobs(job_queue, TutorContext(harness.app)) == 2
    assert await next_prompt(harness, 11) == datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    assert await next_prompt(harness, 12) == datetime(2026, 11, 3, 5, 30, tzinfo=UTC)
    await tick(harness)
    assert intros(harness, 11) == 1 and intros(harness, 12) == 0
    assert await rebuild_daily_jobs(job_queue, TutorContext(harness.app)) == 0


async def test_blocked_learner_in_the_middle_of_a_batch(harness: Harness) -> None:
    for user_id in (11, 12, 13):
        await harness.command(harness.user(user_id), "/start")
    harness.api.block_user(12)
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert await tick(harness) == 3
    assert intros(harness, 11) == 1 and intros(harness, 13) == 1
    blocked = await harness.services.storage.users.get(12)
    assert blocked is not None and blocked.active is False
    # An inactive learner keeps a prompt time but is skipped until they come back.
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    await tick(harness)
    assert intros(harness, 11) == 2 and intros(harness, 12) == 0


async def test_a_full_session_of_the_questions_most_at_risk_when_nothing_is_due(
    harness: Harness,
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    deck = harness.services.bank.deck("mlops-vs-devops")
    assert deck is not None
    for item in deck.items:
        # Easy skips the minutes-long learning steps: nothing is due for days.
        await answer_item(harness, 11, item.id, right=True, grade=Grade.EASY)
    harness.api.clear()
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    await tick(harness)
    assert "0 questions due" in harness.api.texts(11)[0]
    assert len(harness.api.of("sendPoll")) == 1
    session = await harness.services.storage.sessions.open_session(11, "daily")
    assert session is not None and len(session.item_ids) == 5  # the learner's whole K
    assert set(session.item_ids) <= {question.id for question in deck.mcqs}


async def test_nothing_sent_only_when_there_is_truly_nothing(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    bank = harness.services.bank
    cards = [item for deck in bank.decks for item in deck.cards][:10]
    for card in cards:  # today's ten new items, none of them a question
        await answer_item(harness, 11, card.id, right=True)
    harness.api.clear()
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    await tick(harness)
    assert harness.api.texts(11) == [] and harness.api.of("sendPoll") == []


async def test_retention_is_stored(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/retention 0.85")
    user = await harness.services.storage.users.get(11)
    assert user is not None and user.desired_retention == 0.85


@pytest.mark.parametrize("failing", ["sendMessage", "sendPoll"])
async def test_a_daily_prompt_telegram_failed_is_sent_a_minute_later(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Telegram answers 502 to the intro, or to the session's first poll: the day is not
    spent. The next minute's tick sends today's session, and it runs to its summary."""
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/daily size 2")
    nine = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    harness.clock.set(nine)
    failed = fail_next_call(monkeypatch, failing)
    await tick(harness)
    assert failed
    assert harness.api.server.sent_polls(11) == []
    assert await harness.services.storage.sessions.open_session(11, "daily") is None
    assert await next_prompt(harness, 11) == nine + timedelta(minutes=1)

    harness.clock.set(nine + timedelta(minutes=1))
    await tick(harness)
    assert intros(harness, 11) == (1 if failing == "sendMessage" else 2)
    for _ in range(2):
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    assert "Revision done" in harness.api.texts(11)[-1]
    assert await next_prompt(harness, 11) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    # ... and only once today.
    harness.clock.set(nine + timedelta(minutes=2))
    await tick(harness)
    assert intros(harness, 11) == (1 if failing == "sendMessage" else 2)


async def test_a_daily_prompt_is_not_retried_past_the_catch_up_window(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    nine = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    harness.clock.set(nine + timedelta(hours=3, minutes=-1))  # the window's last minute
    assert await harness.services.storage.daily.advance(
        11, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), harness.clock.now()
    )
    fail_next_call(monkeypatch, "sendMessage")
    await tick(harness)
    assert intros(harness, 11) == 0
    harness.clock.set(nine + timedelta(hours=3))
    await tick(harness)
    assert intros(harness, 11) == 0  # too late today: tomorrow's comes
    assert await next_prompt(harness, 11) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)

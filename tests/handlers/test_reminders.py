"""Daily revision through PTB: settings, jobs in PTB's JobQueue, the prompt, catch-up, blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.memory import Grade
from bot.handlers.context import TutorContext
from bot.handlers.reminders import daily_prompt, job_name, rebuild_daily_jobs
from bot.handlers.study import record_answer
from tests.conftest import Harness


def daily_job(harness: Harness, user_id: int) -> Any:
    jobs = harness.app.job_queue.get_jobs_by_name(job_name(user_id))  # type: ignore[union-attr]
    assert len(jobs) <= 1
    return jobs[0] if jobs else None


def next_fire(job: Any, now: datetime) -> datetime:
    fire: datetime = job.job.trigger.get_next_fire_time(None, now)
    return fire.astimezone(UTC)


async def run_job(harness: Harness, user_id: int) -> None:
    job = daily_job(harness, user_id)
    assert job is not None, f"no daily job for {user_id}"
    await daily_prompt(TutorContext.from_job(job, harness.app))


async def test_start_turns_daily_revision_on_at_nine_utc(harness: Harness) -> None:
    await harness.command(harness.user(11), "/start")
    assert "Daily revision is on at 09:00 UTC" in harness.api.texts(11)[-1]
    assert "/daily off" in harness.api.texts(11)[-1]
    job = daily_job(harness, 11)
    assert next_fire(job, harness.clock.now()) == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


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
    assert next_fire(daily_job(harness, 11), harness.clock.now()).hour == 18
    await harness.command(ada, "/daily off")
    assert "off" in harness.api.texts(11)[-1]
    assert daily_job(harness, 11) is None or daily_job(harness, 11).removed


async def test_timezone_change_replaces_the_job(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/timezone Europe/Berlin")
    assert "Europe/Berlin" in harness.api.texts(11)[-1]
    jobs = harness.app.job_queue.get_jobs_by_name(job_name(11))  # type: ignore[union-attr]
    assert len([job for job in jobs if not job.removed]) == 1
    job = jobs[-1]
    # 09:00 in Berlin in November (CET, UTC+1) is 08:00 UTC.
    assert next_fire(job, harness.clock.now()) == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


async def test_daylight_saving_change_keeps_local_time(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.command(ada, "/timezone Europe/Berlin")
    job = daily_job(harness, 11)
    before = next_fire(job, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    after = next_fire(job, datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    assert before == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # CEST from 29 March: UTC+2
    assert after == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert next_fire(job, datetime(2026, 3, 27, 12, 0, tzinfo=UTC)) == datetime(
        2026, 3, 28, 8, 0, tzinfo=UTC
    )


async def answer_item(
    harness: Harness, user_id: int, item_id: str, right: bool, grade: Grade | None = None
) -> None:
    item = harness.services.bank.item(item_id)
    assert item is not None
    context = TutorContext(harness.app)
    await record_answer(
        context,
        user_id=user_id,
        item=item,
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
    await run_job(harness, 11)
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
    await run_job(harness, 11)
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
    await run_job(harness, 11)
    await run_job(harness, 11)
    intros = [text for text in harness.api.texts(11) if "Daily revision —" in text]
    assert len(intros) == 1
    harness.clock.advance(timedelta(days=1))
    await run_job(harness, 11)
    intros = [text for text in harness.api.texts(11) if "Daily revision —" in text]
    assert len(intros) == 2


async def test_catch_up_after_downtime_within_three_hours(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    job_queue = harness.app.job_queue
    assert job_queue is not None
    harness.clock.set(datetime(2026, 11, 2, 11, 30, tzinfo=UTC))
    await rebuild_daily_jobs(job_queue, TutorContext(harness.app))
    catch_up = job_queue.get_jobs_by_name("daily-catch-up:11")
    assert catch_up
    # Thousands of catch-ups start together: APScheduler's default 1 s grace would drop some.
    assert catch_up[0].job.misfire_grace_time == 3 * 3600
    assert daily_job(harness, 11).job.misfire_grace_time == 3 * 3600
    for job in job_queue.get_jobs_by_name("daily-catch-up:11"):
        job.schedule_removal()
    harness.clock.set(datetime(2026, 11, 2, 12, 30, tzinfo=UTC))
    await rebuild_daily_jobs(job_queue, TutorContext(harness.app))
    assert not [job for job in job_queue.get_jobs_by_name("daily-catch-up:11") if not job.removed]


async def test_no_catch_up_when_todays_prompt_already_went_out(harness: Harness) -> None:
    await harness.command(harness.user(11), "/start")
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    await run_job(harness, 11)
    harness.clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    job_queue = harness.app.job_queue
    assert job_queue is not None
    await rebuild_daily_jobs(job_queue, TutorContext(harness.app))
    assert not job_queue.get_jobs_by_name("daily-catch-up:11")


async def test_blocked_learner_in_the_middle_of_a_batch(harness: Harness) -> None:
    for user_id in (11, 12, 13):
        await harness.command(harness.user(user_id), "/start")
    harness.api.block_user(12)
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    for user_id in (11, 12, 13):
        await run_job(harness, user_id)
    assert any("Daily revision —" in text for text in harness.api.texts(11))
    assert any("Daily revision —" in text for text in harness.api.texts(13))
    blocked = await harness.services.storage.users.get(12)
    assert blocked is not None and blocked.active is False
    assert daily_job(harness, 12) is None or daily_job(harness, 12).removed


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
    await run_job(harness, 11)
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
    await run_job(harness, 11)
    assert harness.api.texts(11) == [] and harness.api.of("sendPoll") == []


async def test_retention_is_stored(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/retention 0.85")
    user = await harness.services.storage.users.get(11)
    assert user is not None and user.desired_retention == 0.85

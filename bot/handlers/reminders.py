"""Daily revision: /daily, /timezone, /retention and the scheduled prompt itself.

One APScheduler job per learner (`daily:<user_id>`) through PTB's JobQueue. Jobs
live in memory only, so they are rebuilt from SQLite at start-up; `last_daily_date`
in SQLite is what stops a second prompt on the same local day, even across restarts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, CommandHandler, JobQueue

from bot import i18n, render
from bot.domain.chooser import count_due, plan_session
from bot.domain.daily import (
    CATCH_UP_WINDOW,
    DEFAULT_DAILY_TIME,
    InvalidDailyTimeError,
    clock_time,
    missed_prompt_today,
    next_prompt_at,
    parse_daily_time,
    parse_session_size,
)
from bot.domain.inputs import ascii_decimal
from bot.domain.memory import validate_retention
from bot.domain.timezones import (
    InvalidUtcOffsetError,
    UnknownTimezoneError,
    canonical_name,
    parse_timezone,
)
from bot.handlers.common import active_deck, learner, refuse_outside_private, reply
from bot.handlers.context import TutorContext
from bot.handlers.language import learner_language
from bot.handlers.study import SESSION_DAILY, continue_session
from bot.storage.records import User

log = logging.getLogger(__name__)

RECENT_MISSES = timedelta(days=7)


def job_name(user_id: int) -> str:
    return f"daily:{user_id}"


def remove_daily(job_queue: JobQueue[Any], user_id: int) -> None:
    if job_queue.scheduler.get_job(job_name(user_id)) is not None:
        job_queue.scheduler.remove_job(job_name(user_id))


def schedule_daily(job_queue: JobQueue[Any], user: User) -> None:
    """(Re)place the learner's daily job; removes it when daily revision is off.

    Looked up by its stable APScheduler id, not by scanning every job's name:
    rebuilding 10,000 learners' jobs at start-up must stay linear.
    """
    remove_daily(job_queue, user.user_id)
    if user.daily_time is None or not user.active:
        return
    job_queue.run_daily(
        daily_prompt,
        time=clock_time(user.daily_time, parse_timezone(user.timezone)),
        name=job_name(user.user_id),
        user_id=user.user_id,
        chat_id=user.user_id,
        job_kwargs={
            "id": job_name(user.user_id),
            "replace_existing": True,
            # APScheduler's default grace is 1 s: a busy loop must not drop a learner's day.
            "misfire_grace_time": int(CATCH_UP_WINDOW.total_seconds()),
            "coalesce": True,
        },
    )


async def rebuild_daily_jobs(job_queue: JobQueue[Any], context: TutorContext) -> int:
    """At start-up: one job per learner, plus a catch-up run for prompts missed while down."""
    users = await context.storage.users.with_daily_revision()
    now = context.clock.now()
    for user in users:
        schedule_daily(job_queue, user)
        assert user.daily_time is not None
        zone = parse_timezone(user.timezone)
        if missed_prompt_today(user.daily_time, zone, now, user.last_daily_date):
            job_queue.run_once(
                daily_prompt,
                when=0,
                user_id=user.user_id,
                chat_id=user.user_id,
                name=f"daily-catch-up:{user.user_id}",
                job_kwargs={"misfire_grace_time": int(CATCH_UP_WINDOW.total_seconds())},
            )
    log.info("scheduled daily revision for %d learners", len(users))
    return len(users)


async def daily_prompt(context: TutorContext) -> None:
    """The job: start today's revision session for one learner (at most once a local day)."""
    assert context.job is not None and context.job.user_id is not None
    user_id = context.job.user_id
    try:
        # A job has no update to take the language from: use the learner's own.
        with i18n.language(await learner_language(context, user_id)):
            await start_daily_session(context, user_id)
    except Forbidden:
        log.info("learner %s blocked the bot: marking inactive", user_id)
        await context.storage.users.set_active(user_id, False)
        if context.job_queue is not None:
            remove_daily(context.job_queue, user_id)
    except TelegramError:
        # RetryAfter was already retried by AIORateLimiter; one learner's failure
        # must not stop anyone else's prompt, and tomorrow's job still runs.
        log.exception("daily prompt for learner %s failed", user_id)


async def start_daily_session(context: TutorContext, user_id: int) -> bool:
    """Plan and open today's session; False when nothing was sent."""
    user = await context.storage.users.get(user_id)
    if user is None or not user.active or user.daily_time is None:
        return False
    zone = parse_timezone(user.timezone)
    now = context.clock.now()
    local_now = now.astimezone(zone)
    if not await context.storage.users.claim_daily(user_id, local_now.date().isoformat()):
        return False  # today's prompt already went out
    deck = active_deck(context, user)
    candidates = [item.id for item in deck.items]
    memories = await context.storage.reviews.all_for(user_id)
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    new_today = await context.storage.answers.new_items_since(user_id, start_of_day)
    plan = plan_session(
        candidates,
        memories,
        now,
        size=user.daily_size,
        last_item_id=user.last_item_id,
        new_allowance=max(0, context.settings.new_items_per_day - new_today),
        desired_retention=user.desired_retention,
    )
    if not plan:
        log.info("learner %s: nothing due and no new items today", user_id)
        return False
    missed = await context.storage.answers.missed_since(user_id, now - RECENT_MISSES)
    # The intro goes first: a learner who blocked the bot fails here, before a session opens.
    await context.bot.send_message(
        user_id,
        render.daily_intro(
            deck,
            due=count_due(candidates, memories, now),
            missed=len(missed & set(candidates)),
            size=len(plan),
        ),
        parse_mode="HTML",
    )
    session = await context.storage.sessions.start(user_id, SESSION_DAILY, deck.id, plan, now)
    await continue_session(context, session, user_id)
    return True


def _describe(user: User, now: datetime) -> str:
    zone = parse_timezone(user.timezone)
    if user.daily_time is None:
        return render.daily_off()
    return render.daily_setting(
        user.daily_time,
        user.timezone or "UTC",
        next_prompt_at(user.daily_time, zone, now).astimezone(zone),
        user.daily_size,
        timezone_never_set=user.timezone is None,
    )


async def daily(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "daily"):
        return
    user = await learner(update, context)
    args = context.args or []
    storage = context.storage
    try:
        if not args:
            pass
        elif len(args) == 1 and args[0].lower() == "off":
            await storage.users.set_daily_time(user.user_id, None)
        elif len(args) == 2 and args[0].lower() == "size":
            await storage.users.set_daily_size(user.user_id, parse_session_size(args[1]))
        elif len(args) == 1:
            await storage.users.set_daily_time(user.user_id, parse_daily_time(args[0]))
        else:
            await reply(update, render.usage("daily"))
            return
    except InvalidDailyTimeError:
        await reply(update, render.bad_value(render.not_a_time(args[0]), render.usage("daily")))
        return
    except ValueError:
        await reply(update, render.bad_value(render.bad_session_size(), render.usage("daily")))
        return
    user = await storage.users.get(user.user_id) or user
    if args and context.job_queue is not None:
        schedule_daily(context.job_queue, user)
    await reply(update, _describe(user, context.clock.now()))


async def timezone_command(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "timezone"):
        return
    user = await learner(update, context)
    if len(context.args or []) != 1:
        await reply(update, render.timezone_current(user.timezone))
        return
    assert context.args is not None
    try:
        name = canonical_name(context.args[0])
    except UnknownTimezoneError as error:
        problem = render.not_a_timezone(
            context.args[0], offset=isinstance(error, InvalidUtcOffsetError)
        )
        await reply(update, render.bad_value(problem, render.usage("timezone")))
        return
    await context.storage.users.set_timezone(user.user_id, name)
    user = await context.storage.users.get(user.user_id) or user
    if context.job_queue is not None:
        schedule_daily(context.job_queue, user)
    await reply(update, render.timezone_set(name) + "\n" + _describe(user, context.clock.now()))


async def retention(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "retention"):
        return
    user = await learner(update, context)
    if not context.args:
        await reply(update, render.retention_current(user.desired_retention))
        return
    typed = ascii_decimal(context.args[0]) if len(context.args) == 1 else None
    try:
        if typed is None:
            raise ValueError("not a plain decimal")
        value = validate_retention(typed)
    except ValueError:
        await reply(update, render.usage("retention"))
        return
    await context.storage.users.set_retention(user.user_id, value)
    await reply(update, render.retention_current(value))


async def enable_default_daily(context: TutorContext, user: User) -> User:
    """New learners get daily revision at 09:00 (UTC until they set a zone)."""
    await context.storage.users.set_daily_time(user.user_id, DEFAULT_DAILY_TIME)
    user = await context.storage.users.get(user.user_id) or user
    if context.job_queue is not None:
        schedule_daily(context.job_queue, user)
    return user


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CommandHandler("daily", daily),
        CommandHandler("timezone", timezone_command),
        CommandHandler("retention", retention),
    ]

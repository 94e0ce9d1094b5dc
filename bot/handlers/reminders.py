"""Daily revision: /daily, /timezone, /retention and the scheduled prompt itself.

One JobQueue job ticks every minute and asks SQLite which learners are due
(`users.next_prompt_at`, UTC, indexed), so start-up and memory do not grow with
learners. `last_daily_date` in SQLite is what stops a second prompt on the same
local day, even across restarts; a prompt time left unhandled by a crash is
caught up at the next start within `CATCH_UP_WINDOW`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, JobQueue

from bot import i18n, render
from bot.domain.daily import (
    DEFAULT_DAILY_TIME,
    InvalidDailyTimeError,
    next_prompt_at,
    parse_daily_time,
    parse_session_size,
)
from bot.domain.inputs import ascii_decimal
from bot.domain.memory import MAX_RETENTION, MIN_RETENTION, validate_retention
from bot.domain.timezones import (
    InvalidUtcOffsetError,
    UnknownTimezoneError,
    canonical_name,
    parse_timezone,
    suggest_zones,
)
from bot.failures import is_transient
from bot.flows import daily as daily_flow
from bot.flows.daily import prompt_owed
from bot.handlers.chat_rules import private_command
from bot.handlers.common import learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.language import learner_language
from bot.handlers.sessions import continue_session
from bot.pipeline.workers import holds_lease
from bot.storage.daily import DailyDue
from bot.storage.records import User

log = logging.getLogger(__name__)


DAILY_TICK = "daily-tick"
# Above every Telegram user id: a cursor at (t, this) is past everyone due at t.
END_OF_MINUTE_USER = 2**62
TICK_SECONDS = 60


async def schedule_daily(context: TutorContext, user: User) -> None:
    await daily_flow.schedule(context.storage, user, context.clock.now())


async def rebuild_daily_jobs(job_queue: JobQueue[Any], context: TutorContext) -> int:
    """At start-up: one tick now (catch-up after downtime), then one at every minute.

    Learners whose daily time was set before prompt times were stored get theirs
    here, once; every other learner costs nothing at start-up.
    """
    now = context.clock.now()
    unscheduled = await daily_flow.schedule_unscheduled(context.storage, now)
    job_kwargs = {
        "id": DAILY_TICK,
        "replace_existing": True,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": TICK_SECONDS,
    }
    job_queue.run_once(daily_tick, when=0, name=f"{DAILY_TICK}-start")
    job_queue.run_repeating(
        daily_tick,
        interval=TICK_SECONDS,
        # On the minute, so a 09:00 learner hears from us at 09:00:00, not up to a minute late.
        first=now.replace(second=0, microsecond=0) + timedelta(seconds=TICK_SECONDS),
        name=DAILY_TICK,
        job_kwargs=job_kwargs,
    )
    log.info("daily tick scheduled; %d learners got their first prompt time", unscheduled)
    return unscheduled


async def daily_tick(context: TutorContext) -> int:
    """The job: hand every learner whose prompt time has come to the prompt workers."""
    if not await holds_lease(context.application, DAILY_TICK):
        return 0  # several workers: another one ticks
    queue = context.services.daily_queue
    worker_context = TutorContext(context.application)

    async def handle(learner: DailyDue, tick_time: datetime) -> None:
        await prompt_if_due(worker_context, learner, tick_time)

    handed = 0
    async with queue.tick_lock:
        now = context.clock.now()
        while len(queue) < queue.enough_waiting:
            page = await context.storage.daily.due(queue.cursor, now, queue.page_size)
            handed += queue.submit(page, now, handle)
            if len(page) < queue.page_size:
                # Everyone due up to now is handed over; the next tick starts after `now`.
                queue.cursor = (now, END_OF_MINUTE_USER)
                break
            queue.cursor = (page[-1].next_prompt_at or now, page[-1].user_id)
    return handed


async def prompt_if_due(context: TutorContext, learner: DailyDue, tick_time: datetime) -> None:
    """Prompt one learner whose time came at `tick_time`, then move their time to the next one.

    Within the catch-up window and not yet prompted today: today's session. Either
    way the next time is stored only afterwards (compare-and-set), so a crash in
    between leaves the learner due for the catch-up at the next start; `claim_daily`
    in SQLite still stops a second prompt on the same local day.
    """
    retry = prompt_owed(learner, tick_time) and not await prompt_learner(context, learner.user_id)
    # On a transient failure (Telegram or the database, for a moment): due again at a later
    # tick, as long as the catch-up window lasts (then `prompt_owed` says no).
    await daily_flow.move_on(context.storage, learner, context.clock.now(), retry=retry)


async def prompt_learner(context: TutorContext, user_id: int) -> bool:
    """Start today's revision session for one learner (at most once a local day).

    False when it failed for a transient reason (Telegram's 5xx or a timeout, a locked
    database) and nothing of it is kept: the caller tries again at a later tick.
    """
    try:
        # A job has no update to take the language from: use the learner's own.
        with i18n.language(await learner_language(context, user_id)):
            await start_daily_session(context, user_id)
    except Forbidden:
        log.info("learner %s blocked the bot: marking inactive", user_id)
        await context.storage.users.set_active(user_id, False)
    except Exception as error:
        if is_transient(error):
            log.warning("daily prompt for learner %s failed, will retry: %r", user_id, error)
            return False
        if not isinstance(error, TelegramError):
            raise
        # Telegram refused it for good; one learner's failure must not stop anyone else's
        # prompt, and tomorrow's still comes.
        log.exception("daily prompt for learner %s failed", user_id)
    return True


async def start_daily_session(context: TutorContext, user_id: int) -> bool:
    """Plan and open today's session; False when nothing was sent."""
    now = context.clock.now()
    claim = await daily_flow.claim_today(context.storage, user_id, now)
    if claim is None:
        return False  # daily revision is off, or today's prompt already went out
    try:
        plan = await daily_flow.plan_today(
            context.storage,
            context.bank,
            claim.user,
            now,
            new_items_per_day=context.settings.new_items_per_day,
            leech_lapses=context.settings.leech_lapses,
        )
        if plan is None:
            return False
        # The intro goes first: a learner who blocked the bot fails here, before a session
        # opens.
        await context.bot.send_message(
            user_id,
            render.daily_intro(
                plan.decks, due=plan.due, missed=plan.missed, size=len(plan.item_ids)
            ),
            parse_mode="HTML",
        )
        session = await daily_flow.open_session(context.storage, claim, plan, now)
        await continue_session(context, session.id, user_id)
    except Exception as error:
        if is_transient(error):
            await daily_flow.release_today(context.storage, claim, now, context.clock.now())
        raise
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
    if args:
        await schedule_daily(context, user)
    await reply(update, _describe(user, context.clock.now()))


async def timezone_command(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    if not context.args:
        await reply(update, render.timezone_current(user.timezone))
        return
    typed = " ".join(context.args)  # "New York" is a place to suggest a zone for
    try:
        name = canonical_name(typed)
    except UnknownTimezoneError as error:
        offset = isinstance(error, InvalidUtcOffsetError)
        close = [] if offset else suggest_zones(typed)
        if close:
            problem = render.not_a_timezone_but_close(typed, close)
        else:
            problem = render.not_a_timezone(typed, offset=offset)
        await reply(update, render.bad_value(problem, render.usage("timezone")))
        return
    await context.storage.users.set_timezone(user.user_id, name)
    user = await context.storage.users.get(user.user_id) or user
    await schedule_daily(context, user)
    await reply(update, render.timezone_set(name) + "\n" + _describe(user, context.clock.now()))


async def retention(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    if not context.args:
        await reply(update, render.retention_current(user.desired_retention))
        return
    if len(context.args) != 1:
        await reply(update, render.usage("retention"))
        return
    typed = ascii_decimal(context.args[0])
    if typed is None:
        problem = render.not_a_retention(context.args[0])
        await reply(update, render.bad_value(problem, render.usage("retention")))
        return
    try:
        value = validate_retention(typed)
    except ValueError:
        problem = render.retention_out_of_range(context.args[0], MIN_RETENTION, MAX_RETENTION)
        await reply(update, render.bad_value(problem, render.usage("retention")))
        return
    await context.storage.users.set_retention(user.user_id, value)
    await reply(update, render.retention_current(value))


async def enable_default_daily(context: TutorContext, user: User) -> User:
    """New learners get daily revision at 09:00 (UTC until they set a zone)."""
    await context.storage.users.set_daily_time(user.user_id, DEFAULT_DAILY_TIME)
    user = await context.storage.users.get(user.user_id) or user
    await schedule_daily(context, user)
    return user


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("daily", daily),
        private_command("timezone", timezone_command),
        private_command("retention", retention),
    ]

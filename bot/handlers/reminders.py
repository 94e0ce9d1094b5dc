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
from bot.failures import is_transient
from bot.flows import daily as daily_flow
from bot.flows import learners
from bot.flows import settings as settings_flow
from bot.flows.daily import prompt_owed
from bot.handlers.chat_rules import private_command
from bot.handlers.common import learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.language import learner_language
from bot.handlers.sessions import continue_session
from bot.pipeline.workers import holds_lease
from bot.storage.daily import DailyDue

log = logging.getLogger(__name__)


DAILY_TICK = "daily-tick"
# Above every Telegram user id: a cursor at (t, this) is past everyone due at t.
END_OF_MINUTE_USER = 2**62
TICK_SECONDS = 60


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
            page = await daily_flow.due_learners(
                context.storage, queue.cursor, now, queue.page_size
            )
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
        await learners.blocked_bot(context.storage, user_id)
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


def _describe(setting: settings_flow.DailySetting) -> str:
    if isinstance(setting, settings_flow.DailyOff):
        return render.daily_off()
    return render.daily_setting(
        setting.daily_time,
        setting.zone,
        setting.next_prompt,
        setting.size,
        timezone_never_set=setting.timezone_never_set,
    )


async def daily(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    args = context.args or []
    result = await settings_flow.change_daily(context.storage, user, args, context.clock.now())
    match result:
        case settings_flow.DailyUsage():
            await reply(update, render.usage("daily"))
        case settings_flow.BadDailyTime(typed=typed):
            await reply(update, render.bad_value(render.not_a_time(typed), render.usage("daily")))
        case settings_flow.BadSessionSize():
            await reply(update, render.bad_value(render.bad_session_size(), render.usage("daily")))
        case _:
            await reply(update, _describe(result))


async def timezone_command(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    if not context.args:
        await reply(update, render.timezone_current(user.timezone))
        return
    typed = " ".join(context.args)  # "New York" is a place to suggest a zone for
    result = await settings_flow.change_timezone(context.storage, user, typed, context.clock.now())
    if isinstance(result, settings_flow.BadTimezone):
        if result.close:
            problem = render.not_a_timezone_but_close(typed, result.close)
        else:
            problem = render.not_a_timezone(typed, offset=result.offset)
        await reply(update, render.bad_value(problem, render.usage("timezone")))
        return
    await reply(update, render.timezone_set(result.zone) + "\n" + _describe(result.daily))


async def retention(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    if not context.args:
        await reply(update, render.retention_current(user.desired_retention))
        return
    if len(context.args) != 1:
        await reply(update, render.usage("retention"))
        return
    result = await settings_flow.change_retention(context.storage, user, context.args[0])
    match result:
        case settings_flow.NotARetention(typed=typed):
            problem = render.not_a_retention(typed)
        case settings_flow.RetentionOutOfRange(typed=typed, low=low, high=high):
            problem = render.retention_out_of_range(typed, low, high)
        case settings_flow.RetentionSet(value=value):
            await reply(update, render.retention_current(value))
            return
    await reply(update, render.bad_value(problem, render.usage("retention")))


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("daily", daily),
        private_command("timezone", timezone_command),
        private_command("retention", retention),
    ]

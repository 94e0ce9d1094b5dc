"""Daily revision: when each learner's prompt is due, what today's session holds, and the
claim that stops a second prompt on the same local day (kept in storage, so it holds across
restarts and workers).

The adapter (the minute tick in bot/handlers/reminders.py) sends the intro and the first
item; if that fails for a transient reason it calls `release_today`, so a later tick tries
again within the catch-up window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content.models import ContentBank, Deck
from bot.domain.daily import (
    missed_prompt_today,
    next_prompt_at,
    pending_prompt_at,
)
from bot.domain.due import studied_questions
from bot.domain.planner import plan_daily
from bot.domain.purpose import Purpose
from bot.domain.timezones import parse_timezone
from bot.storage import Storage
from bot.storage.daily import DailyDue
from bot.storage.records import Session, User

log = logging.getLogger(__name__)

# Questions missed this recently are named in the intro ("2 you missed this week").
RECENT_MISSES = timedelta(days=7)
# A daily prompt that failed for a transient reason is tried again this much later.
PROMPT_RETRY = timedelta(minutes=1)


def next_prompt_for(user: User | None, now: datetime) -> datetime:
    """The learner's next daily prompt; a day from now when daily revision is off."""
    if user is None or user.daily_time is None:
        return now + timedelta(days=1)
    return next_prompt_at(user.daily_time, parse_timezone(user.timezone), now)


def decks_of(bank: ContentBank, item_ids: Sequence[str]) -> list[Deck]:
    """The decks today's session comes from, in the bank's order (named in the intro)."""
    wanted = {bank.deck_of(item_id).id for item_id in item_ids}
    return [deck for deck in bank.decks if deck.id in wanted]


def new_to_private_chat(user: User | None) -> bool:
    """Whether /start should give this learner the default daily revision, as it gives every
    new learner: someone never seen, or seen only in groups (a round's answers register its
    players, with daily revision off). Anyone who has used the private chat (a daily time,
    a zone, a deck chosen, an item sent there, a daily prompt) keeps their own setting, so
    /start never undoes /daily off after use."""
    return user is None or (
        user.daily_time is None
        and user.timezone is None
        and user.active_deck is None
        and user.last_item_id is None
        and user.last_daily_date is None
    )


async def schedule(storage: Storage, user: User, now: datetime) -> None:
    """Store when the learner's next prompt is due (none when daily revision is off).

    Called whenever /daily, /timezone or /start changes what that time is. The minute tick
    finds it through an index, so there is no per-learner job to keep.
    """
    moment = None
    if user.daily_time is not None:
        moment = next_prompt_at(user.daily_time, parse_timezone(user.timezone), now)
    await storage.daily.set_next(user.user_id, moment)


async def schedule_unscheduled(storage: Storage, now: datetime) -> int:
    """At start-up: learners whose daily time was set before prompt times were stored get
    theirs, once (a prompt missed by downtime is still pending); every other learner costs
    nothing."""
    unscheduled = await storage.daily.unscheduled()
    await storage.daily.set_many(
        [
            (
                learner.user_id,
                pending_prompt_at(
                    learner.daily_time,
                    parse_timezone(learner.timezone),
                    now,
                    learner.last_daily_date,
                ),
            )
            for learner in unscheduled
        ]
    )
    return len(unscheduled)


def prompt_owed(learner: DailyDue, tick_time: datetime) -> bool:
    """Within the catch-up window and not yet prompted today."""
    return learner.active and missed_prompt_today(
        learner.daily_time, parse_timezone(learner.timezone), tick_time, learner.last_daily_date
    )


async def move_on(storage: Storage, learner: DailyDue, now: datetime, *, retry: bool) -> None:
    """Store the learner's next prompt time (compare-and-set, after the prompt): a crash in
    between leaves them due for the catch-up at the next start. With `retry`, a minute from
    now, as long as the catch-up window lasts."""
    if learner.next_prompt_at is None:
        return
    following = (
        now + PROMPT_RETRY
        if retry
        else next_prompt_at(learner.daily_time, parse_timezone(learner.timezone), now)
    )
    await storage.daily.advance(learner.user_id, learner.next_prompt_at, following)


@dataclass(frozen=True)
class DailyClaim:
    """Today's prompt, claimed for one learner: nobody else sends it."""

    user: User
    local_day: str  # ISO date in the learner's zone


@dataclass(frozen=True)
class DailyPlan:
    item_ids: list[str]
    deck_id: str
    decks: list[Deck]  # the decks the questions come from, named in the intro
    due: int  # questions due by the next prompt, of which `item_ids` are the first
    missed: int  # of the studied questions, those missed in the last RECENT_MISSES


async def claim_today(storage: Storage, user_id: int, now: datetime) -> DailyClaim | None:
    """Claim today's prompt; None when daily revision is off or today's already went out."""
    user = await storage.users.get(user_id)
    if user is None or not user.active or user.daily_time is None:
        return None
    today = now.astimezone(parse_timezone(user.timezone)).date().isoformat()
    if not await storage.users.claim_daily(user_id, today):
        return None
    return DailyClaim(user, today)


async def plan_today(
    storage: Storage,
    bank: ContentBank,
    user: User,
    now: datetime,
    *,
    new_items_per_day: int,
    leech_lapses: int,
) -> DailyPlan | None:
    """Today's questions (due ones first, then new ones from the active deck); None when the
    learner has seen nothing and has no new question left today."""
    assert user.daily_time is not None
    zone = parse_timezone(user.timezone)
    local_now = now.astimezone(zone)
    deck = (bank.deck(user.active_deck) if user.active_deck else None) or bank.default_deck
    memories = await storage.reviews.all_for(user.user_id)
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    new_today = await storage.answers.new_items_since(user.user_id, start_of_day)
    seen = studied_questions(bank, memories)
    plan = plan_daily(
        seen,
        [question.id for question in deck.mcqs if question.id not in memories],
        memories,
        now,
        next_prompt_at(user.daily_time, zone, now),
        size=user.daily_size,
        new_allowance=max(0, new_items_per_day - new_today),
        leech_lapses=leech_lapses,
    )
    if not plan.item_ids:
        log.info("learner %s: no questions seen and none new today", user.user_id)
        return None
    missed = await storage.answers.missed_since(user.user_id, now - RECENT_MISSES)
    return DailyPlan(
        item_ids=plan.item_ids,
        deck_id=deck.id,
        decks=decks_of(bank, plan.item_ids),
        due=plan.due,
        missed=len(missed & set(seen)),
    )


async def open_session(
    storage: Storage, claim: DailyClaim, plan: DailyPlan, now: datetime
) -> Session:
    return await storage.sessions.start(
        claim.user.user_id, Purpose.DAILY, plan.deck_id, plan.item_ids, now
    )


async def release_today(
    storage: Storage, claim: DailyClaim, started: datetime, now: datetime
) -> None:
    """Today's prompt was not sent (or is not known to be): release the day, so a retry
    starts it again. A session opened meanwhile is closed; an answer to a poll of it that did
    arrive is still stored."""
    user_id = claim.user.user_id
    open_session = await storage.sessions.open_session(user_id, Purpose.DAILY)
    if open_session is not None and open_session.started_at >= started:
        await storage.sessions.finish(open_session.id, now)
    await storage.users.release_daily(user_id, claim.local_day, claim.user.last_daily_date)


async def due_learners(
    storage: Storage, after: tuple[datetime, int] | None, until: datetime, limit: int
) -> list[DailyDue]:
    """One page of the learners whose prompt time has come by `until`, after `after`
    ((prompt time, user id), the previous page's last): the minute tick's read."""
    return await storage.daily.due(after, until, limit)

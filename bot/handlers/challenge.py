"""Group chats: timed challenge rounds, results, leaderboards, and /explain without spoilers.

The bot's own timer (a JobQueue job per round) moves a round on; it never waits
for Telegram's poll-closed update. Every step is a compare-and-set in SQLite, so a
restart or a duplicate timer can neither skip a question nor post results twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, JobQueue

from bot import render
from bot.content.models import McqItem
from bot.domain.inputs import ascii_int
from bot.domain.purpose import Purpose
from bot.domain.scoring import rank_tallies, week_start
from bot.failures import is_transient
from bot.handlers.chat_rules import group_command
from bot.handlers.common import is_group_admin, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import send_quiz_poll
from bot.handlers.group_settings import may_start_round
from bot.handlers.language import in_group_language
from bot.pacing import bulk_sending
from bot.pipeline.workers import owns_chat
from bot.storage.challenges import Challenge

log = logging.getLogger(__name__)

DEFAULT_QUESTIONS = 5
DEFAULT_SECONDS = 20
QUESTIONS_RANGE = (1, 20)
SECONDS_RANGE = (5, 600)
# Slack after a poll's open period before the next question, so answers sent in
# the last second still arrive before the round moves on.
CLOSE_GRACE = timedelta(seconds=2)
# A question or the results that Telegram failed to take (5xx, timeout) go again this much later.
ROUND_RETRY = timedelta(seconds=5)
LEADERBOARD_SIZE = 10


def job_name(challenge_id: int) -> str:
    return f"challenge:{challenge_id}"


def _parse_args(args: list[str]) -> tuple[int, int, str | None] | str:
    """(questions, seconds, deck name) from the arguments, or the refusal to reply with."""
    # Only ASCII digits make a number: "²" or "٣" are words, so they end up refused below.
    values = [ascii_int(arg) for arg in args]
    numbers = [value for value in values if value is not None]
    words = [arg for arg, value in zip(args, values, strict=True) if value is None]
    if len(numbers) > 2 or values[: len(numbers)] != numbers:
        return render.challenge_usage()
    if any(word.isdigit() for word in words):
        return render.challenge_usage()  # "/challenge ²": a number in other digits, not a deck
    questions = numbers[0] if numbers else DEFAULT_QUESTIONS
    seconds = numbers[1] if len(numbers) > 1 else DEFAULT_SECONDS
    problem = None
    if questions > QUESTIONS_RANGE[1]:
        problem = render.challenge_too_many_questions(QUESTIONS_RANGE[1])
    elif questions < QUESTIONS_RANGE[0]:
        problem = render.challenge_too_few_questions(QUESTIONS_RANGE[0])
    elif not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
        problem = render.challenge_seconds_out_of_range(*SECONDS_RANGE)
    if problem is not None:
        return render.bad_value(problem, render.challenge_usage())
    return questions, seconds, " ".join(words) or None


async def challenge(update: Update, context: TutorContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if not await may_start_round(context, chat.id, user.id):
        await reply(update, render.challenge_admins_only())
        return
    parsed = _parse_args(context.args or [])
    if isinstance(parsed, str):
        await reply(update, parsed)
        return
    questions, seconds, deck_query = parsed
    if deck_query:
        deck = context.bank.find_deck(deck_query)
        if deck is None:
            await reply(update, render.unknown_deck(deck_query, context.bank.decks))
            return
        await context.storage.challenges.set_group_deck(chat.id, deck.id)
    else:
        saved = await context.storage.challenges.group_deck(chat.id)
        deck = (context.bank.deck(saved) if saved else None) or context.bank.default_deck
    now = context.clock.now()
    running = await context.storage.challenges.running_in(chat.id)
    if running is not None:
        await reply(update, render.challenge_running(estimated_end(running, now) - now))
        return
    pool = [item.id for item in deck.mcqs]
    context.services.rng.shuffle(pool)
    item_ids = pool[:questions]
    await context.storage.users.ensure(user.id, user.first_name, user.username, now)
    round_ = await context.storage.challenges.start(
        chat.id, user.id, deck.id, item_ids, seconds, now
    )
    if round_ is None:  # another /challenge won the race
        await reply(update, render.challenge_running(timedelta(seconds=seconds)))
        return
    await reply(update, render.challenge_announce(deck, len(item_ids), seconds, user.first_name))
    await advance_round(context, round_.id)


def estimated_end(round_: Challenge, now: datetime) -> datetime:
    left = len(round_.item_ids) - round_.position
    current_ends = (round_.question_sent_at or now) + timedelta(seconds=round_.seconds)
    return max(current_ends, now) + left * timedelta(seconds=round_.seconds) + CLOSE_GRACE


async def advance_round(context: TutorContext, challenge_id: int) -> None:
    """Ask the round's next question, or post its results when all have been asked."""
    round_ = await context.storage.challenges.get(challenge_id)
    if round_ is None or round_.finished_at is not None:
        return
    if not owns_chat(context.application, round_.chat_id):
        return  # several workers: the chat's owner runs its rounds
    async with in_group_language(context, round_.chat_id):
        await _advance(context, round_)


async def _advance(context: TutorContext, round_: Challenge) -> None:
    now = context.clock.now()
    item = context.bank.item(round_.next_item_id) if round_.next_item_id else None
    while round_.next_item_id is not None and not isinstance(item, McqItem):
        # Removed by a reload since the round began: dropped, the rest is still asked.
        gone = round_.next_item_id
        log.info("round %s: question %s no longer exists, dropped", round_.id, gone)
        if not await context.storage.challenges.drop_question(round_.id, round_.position, gone):
            return  # another timer moved the round on
        kept = round_.item_ids[: round_.position] + round_.item_ids[round_.position + 1 :]
        round_ = replace(round_, item_ids=kept)
        item = context.bank.item(round_.next_item_id) if round_.next_item_id else None
    if round_.next_item_id is None or not isinstance(item, McqItem):
        await finish_round(context, round_)
        return
    if not await context.storage.challenges.claim_next_question(round_.id, round_.position, now):
        return
    try:
        await send_quiz_poll(
            context,
            round_.chat_id,
            item,
            purpose=Purpose.CHALLENGE,
            session_id=round_.id,
            open_period=round_.seconds,
        )
    except Forbidden:
        log.info("removed from group %s: closing round %s", round_.chat_id, round_.id)
        await context.storage.challenges.finish(round_.id, now)
        return
    except Exception as error:
        if not is_transient(error):
            raise
        # Not sent (or not known to be): the timer asks this question again shortly,
        # instead of the round waiting forever for a timer nobody set.
        log.warning("round %s: question not sent, retrying: %r", round_.id, error)
        await context.storage.challenges.step_back(round_.id, round_.position + 1)
        _schedule(context.job_queue, round_.id, ROUND_RETRY)
        return
    _schedule(context.job_queue, round_.id, timedelta(seconds=round_.seconds) + CLOSE_GRACE)


def _schedule(job_queue: JobQueue[Any] | None, challenge_id: int, delay: timedelta) -> None:
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(job_name(challenge_id)):
        job.schedule_removal()
    job_queue.run_once(
        _round_timer,
        when=max(delay, timedelta(0)),
        data=challenge_id,
        name=job_name(challenge_id),
        job_kwargs={"misfire_grace_time": None},
    )


async def _round_timer(context: TutorContext) -> None:
    assert context.job is not None
    try:
        # Timer-driven (next question, results): bulk, behind anyone's reply to their own action.
        with bulk_sending():
            await advance_round(context, int(context.job.data))  # type: ignore[call-overload]
    except TelegramError:
        log.exception("challenge %s could not move on", context.job.data)


async def finish_round(
    context: TutorContext, round_: Challenge, *, stopped_by: str | None = None
) -> None:
    """Post the results once; `stopped_by`: the member who ended it early (/stopchallenge)."""
    if not await context.storage.challenges.finish(round_.id, context.clock.now()):
        return  # someone else already posted the results
    if context.job_queue is not None:
        for job in context.job_queue.get_jobs_by_name(job_name(round_.id)):
            job.schedule_removal()
    await context.storage.answers.flush()  # answers still in a group commit count too
    standings = rank_tallies(await context.storage.challenges.round_tallies(round_.id))
    deck = context.bank.deck(round_.deck_id) or context.bank.default_deck
    try:
        await context.bot.send_message(
            round_.chat_id,
            render.challenge_results(
                deck,
                standings,
                questions=round_.position,
                planned=len(round_.item_ids),
                stopped_by=stopped_by,
            ),
            parse_mode="HTML",
        )
    except Exception as error:
        if not is_transient(error):
            raise
        # The results must still go out once: open the round again and try later. A round
        # run to its end is retried by its timer; one stopped early (/stopchallenge) by
        # the retry of that update, which finds it running and stops it again.
        await context.storage.challenges.reopen(round_.id)
        if round_.next_item_id is not None:
            raise
        log.warning("round %s: results not sent, retrying: %r", round_.id, error)
        _schedule(context.job_queue, round_.id, ROUND_RETRY)


async def stop_challenge(update: Update, context: TutorContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    round_ = await context.storage.challenges.running_in(chat.id)
    if round_ is None:
        await reply(update, render.no_running_challenge())
        return
    if user.id != round_.started_by and not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.stop_refused())
        return
    await finish_round(context, round_, stopped_by=user.first_name)


async def leaderboard(update: Update, context: TutorContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    now = context.clock.now()
    challenges = context.storage.challenges
    week = await challenges.leaderboard(chat.id, week_start(now), user.id, LEADERBOARD_SIZE)
    ever = await challenges.leaderboard(chat.id, None, user.id, LEADERBOARD_SIZE)
    await reply(update, render.leaderboard(week, ever, user.id, LEADERBOARD_SIZE))


async def resume_rounds(
    job_queue: JobQueue[Any], context: TutorContext, only: Callable[[int], bool] | None = None
) -> int:
    """At start-up: every running round goes on (or finishes) from where SQLite says it is.
    `only`: the rounds of these chats (several workers: those a worker has just taken)."""
    rounds = await context.storage.challenges.all_running()
    if only is not None:
        rounds = [round_ for round_ in rounds if only(round_.chat_id)]
    now = context.clock.now()
    for round_ in rounds:
        if round_.question_sent_at is None:
            delay = timedelta(0)
        else:
            closes = round_.question_sent_at + timedelta(seconds=round_.seconds) + CLOSE_GRACE
            delay = closes - now
        _schedule(job_queue, round_.id, delay)
    return len(rounds)


async def bot_added_to_group(context: TutorContext, change: ChatMemberUpdated) -> None:
    was_in = change.old_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED)
    is_in = change.new_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED)
    if is_in and not was_in:
        await context.bot.send_message(change.chat.id, render.group_intro(), parse_mode="HTML")


async def group_item_to_explain(update: Update, context: TutorContext) -> str | None:
    """The item a group /explain refers to, or None after telling the group why not."""
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    now = context.clock.now()
    replied = message.reply_to_message
    if replied is not None and replied.poll is not None:
        sent = await context.storage.polls.by_message(chat.id, replied.message_id)
    else:
        sent = await context.storage.polls.latest_in_chat(chat.id)
    if sent is None:
        await reply(update, render.group_nothing_to_explain())
        return None
    if sent.open_period is not None and now < sent.sent_at + timedelta(seconds=sent.open_period):
        await reply(update, render.group_explain_while_open())
        return None
    return sent.item_id


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        group_command("challenge", challenge),
        group_command("stopchallenge", stop_challenge),
        group_command("leaderboard", leaderboard),
    ]

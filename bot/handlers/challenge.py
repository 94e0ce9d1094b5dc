"""Group chats: timed challenge rounds, results, leaderboards, and /explain without spoilers.

The bot's own timer (a JobQueue job per round) moves a round on; it never waits for
Telegram's poll-closed update. What a round does next is decided by bot/flows/challenge.py
(compare-and-set steps); this module sends it, schedules the timer, and gives a step back
when Telegram fails it for a moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, JobQueue

from bot import render
from bot.domain.inputs import ascii_int
from bot.domain.purpose import Purpose
from bot.failures import is_transient
from bot.flows import challenge as flow
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
    questions = numbers[0] if numbers else flow.DEFAULT_QUESTIONS
    seconds = numbers[1] if len(numbers) > 1 else flow.DEFAULT_SECONDS
    problem = None
    if questions > flow.QUESTIONS_RANGE[1]:
        problem = render.challenge_too_many_questions(flow.QUESTIONS_RANGE[1])
    elif questions < flow.QUESTIONS_RANGE[0]:
        problem = render.challenge_too_few_questions(flow.QUESTIONS_RANGE[0])
    elif not flow.SECONDS_RANGE[0] <= seconds <= flow.SECONDS_RANGE[1]:
        problem = render.challenge_seconds_out_of_range(*flow.SECONDS_RANGE)
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
    started = await flow.start_round(
        context.storage,
        context.bank,
        context.services.rng,
        chat_id=chat.id,
        starter=(user.id, user.first_name, user.username),
        questions=questions,
        seconds=seconds,
        deck_query=deck_query,
        now=context.clock.now(),
    )
    if isinstance(started, flow.UnknownDeck):
        await reply(update, render.unknown_deck(started.query, context.bank.decks))
    elif isinstance(started, flow.AlreadyRunning):
        await reply(update, render.challenge_running(started.ends_in))
    else:
        await announce_and_begin(context, started, user.first_name)


async def announce_and_begin(
    context: TutorContext, started: flow.RoundStarted, starter_name: str
) -> None:
    """Announce a round just started (by /challenge or from the Mini App) and ask question 1."""
    round_ = started.round
    await context.bot.send_message(
        round_.chat_id,
        render.challenge_announce(started.deck, len(round_.item_ids), round_.seconds, starter_name),
        parse_mode=ParseMode.HTML,
    )
    await advance_round(context, round_.id)


async def advance_round(context: TutorContext, challenge_id: int) -> None:
    """Ask the round's next question, or post its results when all have been asked."""
    round_ = await flow.round_to_advance(context.storage, challenge_id)
    if round_ is None:
        return
    if not owns_chat(context.application, round_.chat_id):
        return  # several workers: the chat's owner runs its rounds
    async with in_group_language(context, round_.chat_id):
        await _advance(context, round_)


async def _advance(context: TutorContext, round_: Challenge) -> None:
    step = await flow.next_step(context.storage, context.bank, round_.id, context.clock.now())
    if isinstance(step, flow.RoundResults):
        await _post_results(context, step)
    elif step is not None:
        await _ask(context, step)


async def _ask(context: TutorContext, step: flow.AskQuestion) -> None:
    round_ = step.round
    try:
        await send_quiz_poll(
            context,
            round_.chat_id,
            step.item,
            purpose=Purpose.CHALLENGE,
            session_id=round_.id,
            open_period=round_.seconds,
        )
    except Forbidden:
        log.info("removed from group %s: closing round %s", round_.chat_id, round_.id)
        await flow.close_round(context.storage, round_, context.clock.now())
        return
    except Exception as error:
        if not is_transient(error):
            raise
        # Not sent (or not known to be): the timer asks this question again shortly,
        # instead of the round waiting forever for a timer nobody set.
        log.warning("round %s: question not sent, retrying: %r", round_.id, error)
        await flow.undo_question(context.storage, step)
        _schedule(context.job_queue, round_.id, flow.ROUND_RETRY)
        return
    _schedule(context.job_queue, round_.id, timedelta(seconds=round_.seconds) + flow.CLOSE_GRACE)


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


async def _post_results(
    context: TutorContext, results: flow.RoundResults, *, stopped_by: str | None = None
) -> None:
    """Post the results (the round is closed already); `stopped_by`: the member who ended it
    early (/stopchallenge)."""
    round_ = results.round
    if context.job_queue is not None:
        for job in context.job_queue.get_jobs_by_name(job_name(round_.id)):
            job.schedule_removal()
    try:
        await context.bot.send_message(
            round_.chat_id,
            render.challenge_results(
                results.deck,
                results.standings,
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
        await flow.reopen_results(context.storage, results)
        if round_.next_item_id is not None:
            raise
        log.warning("round %s: results not sent, retrying: %r", round_.id, error)
        _schedule(context.job_queue, round_.id, flow.ROUND_RETRY)


async def stop_challenge(update: Update, context: TutorContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    round_ = await flow.running_round(context.storage, chat.id)
    if round_ is None:
        await reply(update, render.no_running_challenge())
        return
    if user.id != round_.started_by and not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.stop_refused())
        return
    results = await flow.finish_round(context.storage, context.bank, round_, context.clock.now())
    if results is not None:
        await _post_results(context, results, stopped_by=user.first_name)


async def leaderboard(update: Update, context: TutorContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    week, ever = await flow.leaderboards(context.storage, chat.id, user.id, context.clock.now())
    await reply(update, render.leaderboard(week, ever, user.id, flow.LEADERBOARD_SIZE))


async def resume_rounds(
    job_queue: JobQueue[Any], context: TutorContext, only: Callable[[int], bool] | None = None
) -> int:
    """At start-up: every running round goes on (or finishes) from where storage says it is.
    `only`: the rounds of these chats (several workers: those a worker has just taken)."""
    resumed = await flow.rounds_to_resume(context.storage, context.clock.now(), only)
    for challenge_id, delay in resumed:
        _schedule(job_queue, challenge_id, delay)
    return len(resumed)


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
    replied = message.reply_to_message
    found = await flow.item_to_explain(
        context.storage,
        chat.id,
        replied.message_id if replied is not None and replied.poll is not None else None,
        context.clock.now(),
    )
    if isinstance(found, flow.NothingToExplain):
        await reply(update, render.group_nothing_to_explain())
        return None
    if isinstance(found, flow.StillOpen):
        await reply(update, render.group_explain_while_open())
        return None
    return found


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        group_command("challenge", challenge),
        group_command("stopchallenge", stop_challenge),
        group_command("leaderboard", leaderboard),
    ]

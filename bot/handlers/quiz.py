"""/quiz, the Next button, and every poll answer (quiz, test, daily, challenge)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from telegram import PollAnswer, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    PollAnswerHandler,
    PollHandler,
)

from bot import render
from bot.content.models import McqItem
from bot.domain.purpose import Purpose
from bot.flows import delivery
from bot.flows.quiz import Vote, answer_poll, choose_for, known_poll, match_poll
from bot.flows.sessions import test_in_progress
from bot.handlers.buttons import acknowledge
from bot.handlers.callbacks import QuizNext, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import after_answer_keyboard, reply_html, send_quiz_poll
from bot.handlers.sessions import send_step
from bot.storage.records import User

log = logging.getLogger(__name__)

# chat_data key: (poll id, user id) of answers stored whose follow-up could not be sent.
FOLLOW_UP_OWED = "follow_up_owed"


async def quiz(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    running = await test_in_progress(context.storage, user.user_id)
    if running is not None:
        # The test is not lost: it goes on when its question is answered. Say so.
        await reply(update, render.exam_paused(running.position, len(running.item_ids)))
    await send_next_question(update, context, user, deck.id)


async def next_question(update: Update, context: TutorContext) -> None:
    press = await press_of(update, context, QuizNext)
    if press is None:
        return
    await acknowledge(context, press.query)
    # The button stays: removing it cost a paced send per question and told nobody anything.
    user = await learner(update, context)
    await send_next_question(
        update, context, user, user.active_deck or context.bank.default_deck.id
    )


async def send_next_question(
    update: Update, context: TutorContext, user: User, deck_id: str
) -> None:
    item = await choose_for(
        context.storage,
        context.bank,
        user,
        deck_id,
        (McqItem,),
        context.clock.now(),
        context.settings.new_items_per_day,
    )
    deck = context.bank.deck(deck_id) or context.bank.default_deck
    if item is None:
        await reply(update, render.no_items(deck, "questions"))
        return
    assert isinstance(item, McqItem)
    await send_quiz_poll(context, user.user_id, item, purpose=Purpose.QUIZ)


async def poll_answer(update: Update, context: TutorContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # anonymous votes carry nobody to credit
    # Serialised only for a vote on a poll not known yet: most votes never need it, and
    # to_dict + dumps were a tenth of the bot's CPU in a group's burst of answers.
    await credit_answer(context, answer, payload=lambda: json.dumps(update.to_dict()))


async def poll_state(update: Update, context: TutorContext) -> None:
    """Telegram's `poll` update: match a poll we never heard back about, credit its answers."""
    poll = update.poll
    if poll is None:
        return
    services = context.services
    sent = await known_poll(services, poll.id)
    if sent is None:
        sent = await match_poll(
            services.storage,
            context.bank,
            poll.id,
            render.unnumbered_question(poll.question),
            [option.text for option in poll.options],
            poll.total_voter_count,
            context.clock.now(),
        )
        if sent is None:
            return
        log.info("poll %s matched to a send that timed out (item %s)", poll.id, sent.item_id)
    elif not _follow_up_owed(context, sent.chat_id, poll.id):
        return  # known and settled: most poll updates end here, with one read
    for parked in await delivery.parked_answers(services.storage, poll.id):
        parked_update = Update.de_json(json.loads(parked.payload), context.bot)
        if parked_update.poll_answer is not None:
            await credit_answer(context, parked_update.poll_answer, payload=None)
        await delivery.unpark(services.storage, parked)


async def credit_answer(
    context: TutorContext, answer: PollAnswer, payload: Callable[[], str] | None
) -> None:
    """Credit one vote (the flow grades and stores it), then send what the learner is owed:
    the worked solution after a leech's miss, feedback on a /quiz poll, or the session's next
    step. `payload`: makes the update's JSON, kept aside if the poll is not known yet."""
    assert answer.user is not None
    user_id = answer.user.id
    credited = await answer_poll(
        context.services,
        context.bank,
        Vote(
            answer.poll_id,
            user_id,
            answer.option_ids,
            (answer.user.first_name, answer.user.username),
        ),
        context.clock.now(),
        payload=payload,
        follow_up_owed=lambda sent: _follow_up_owed(context, sent.chat_id, sent.poll_id, user_id),
    )
    if credited is None:
        return
    sent, item = credited.sent, credited.item
    # Kept in memory (chat_data): after a restart the replayed update stores nothing new and
    # sends nothing, as before. A timed-out send that did arrive may be sent twice.
    owed: set[tuple[str, int]] = context.application.chat_data[sent.chat_id].setdefault(
        FOLLOW_UP_OWED, set()
    )
    try:
        # A retry (nothing newly stored) owes only what follows; the notice is not repeated.
        if credited.leech_lapses is not None:
            await reply_html(
                context, sent.chat_id, render.leech_notice(item, credited.leech_lapses)
            )
            for text in render.explain_item(item):
                await reply_html(context, sent.chat_id, text)
        if sent.context == Purpose.QUIZ:
            await reply_html(
                context,
                sent.chat_id,
                render.answer_feedback(credited.correct, item),
                reply_markup=after_answer_keyboard(item),
            )
        elif credited.step is not None:
            await send_step(context, sent.chat_id, credited.step)
    except Exception:
        # The update is retried (Telegram 5xx, timeout) with the answer stored by then:
        # without this mark the retry would stop there, leaving the answer unacknowledged
        # (no Next button) or a session waiting for a question that never came.
        owed.add((sent.poll_id, user_id))
        raise
    owed.discard((sent.poll_id, user_id))


def _follow_up_owed(
    context: TutorContext, chat_id: int, poll_id: str, user_id: int | None = None
) -> bool:
    """Whether the follow-up of an answer to `poll_id` (by `user_id`, or anyone) failed."""
    owed = context.application.chat_data.get(chat_id, {}).get(FOLLOW_UP_OWED)
    if not owed:
        return False
    return any(poll == poll_id and user_id in (None, user) for poll, user in owed)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("quiz", quiz),
        CallbackQueryHandler(next_question, pattern=QuizNext.pattern()),
        PollAnswerHandler(poll_answer),
        PollHandler(poll_state),
    ]

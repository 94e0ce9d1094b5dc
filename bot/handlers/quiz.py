"""/quiz, the Next button, and every poll answer (quiz, test, daily, challenge)."""

from __future__ import annotations

import json
import logging

from telegram import PollAnswer, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    PollAnswerHandler,
    PollHandler,
)

from bot import render
from bot.content.models import McqItem
from bot.domain.memory import grade_quiz_answer
from bot.domain.scoring import challenge_points
from bot.handlers.buttons import expired, pressed, remove_buttons
from bot.handlers.common import deck_from_args, learner, refuse_outside_private, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import QUIZ_NEXT, after_answer_keyboard, send_quiz_poll
from bot.handlers.study import (
    choose_for,
    continue_session,
    record_answer,
    record_ungradable_answer,
)
from bot.storage.records import SentPoll, User

log = logging.getLogger(__name__)

PURPOSE_QUIZ = "quiz"
PURPOSE_CHALLENGE = "challenge"


async def quiz(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "quiz"):
        return
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    if context.args:
        await context.storage.users.set_active_deck(user.user_id, deck.id)
    await send_next_question(update, context, user, deck.id)


async def next_question(update: Update, context: TutorContext) -> None:
    press = pressed(update)
    if press is None:
        await expired(update, context)
        return
    query = press[0]
    if not await remove_buttons(query):
        return
    await query.answer()
    user = await learner(update, context)
    await send_next_question(
        update, context, user, user.active_deck or context.bank.default_deck.id
    )


async def send_next_question(
    update: Update, context: TutorContext, user: User, deck_id: str
) -> None:
    item = await choose_for(context, user, deck_id, (McqItem,))
    deck = context.bank.deck(deck_id) or context.bank.default_deck
    if item is None:
        await reply(update, render.no_items(deck, "questions"))
        return
    assert isinstance(item, McqItem)
    await send_quiz_poll(context, user.user_id, item, purpose=PURPOSE_QUIZ)


async def poll_answer(update: Update, context: TutorContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # anonymous votes carry nobody to credit
    sent = await context.storage.polls.get(answer.poll_id)
    if sent is None:
        await context.services.polls_in_flight.settled()
        sent = await context.storage.polls.get(answer.poll_id)
    if sent is None:
        # Perhaps a poll whose sendPoll timed out after Telegram delivered it: keep the
        # answer until Telegram's `poll` update tells us which send it was.
        log.warning(
            "answer to unknown poll %s from user %s kept until the poll is known",
            answer.poll_id,
            answer.user.id,
        )
        await context.storage.poll_intents.park_answer(
            answer.poll_id, answer.user.id, json.dumps(update.to_dict()), context.clock.now()
        )
        return
    await credit_answer(context, answer, sent)


async def poll_state(update: Update, context: TutorContext) -> None:
    """Telegram's `poll` update: match a poll we never heard back about, credit its answers."""
    poll = update.poll
    if poll is None or await context.storage.polls.get(poll.id) is not None:
        return
    shown = [option.text for option in poll.options]
    item = next(
        (
            candidate
            for candidate in context.bank.questions_asking(poll.question)
            if sorted(candidate.options) == sorted(shown)
        ),
        None,
    )
    if item is None:
        return
    order = [item.options.index(text) for text in shown]
    sent = await context.storage.poll_intents.adopt(poll.id, item.id, order, context.clock.now())
    if sent is None:
        return
    log.info("poll %s matched to a send that timed out (item %s)", poll.id, item.id)
    for parked in await context.storage.poll_intents.parked_for(poll.id):
        parked_update = Update.de_json(json.loads(parked.payload), context.bot)
        if parked_update.poll_answer is not None:
            await credit_answer(context, parked_update.poll_answer, sent)
        await context.storage.poll_intents.unpark(parked.poll_id, parked.user_id)


async def credit_answer(context: TutorContext, answer: PollAnswer, sent: SentPoll) -> None:
    """Record one vote on a poll we sent, then give feedback or move the session on."""
    assert answer.user is not None
    # An item removed by a reload is still graded with the content the poll was sent with.
    item = context.bank.item(sent.item_id) or context.services.retired_items.get(sent.item_id)
    if any(not 0 <= option < len(sent.option_order) for option in answer.option_ids):
        log.warning(
            "poll %s: option ids %s out of range, answer from user %s ignored",
            sent.poll_id,
            list(answer.option_ids),
            answer.user.id,
        )
        return
    if not answer.option_ids:
        return  # a retracted vote: the first answer already counted
    await context.storage.users.ensure(
        answer.user.id, answer.user.first_name, answer.user.username, context.clock.now()
    )
    chosen = sent.content_index(answer.option_ids[0])
    seconds = max(0.0, (context.clock.now() - sent.sent_at).total_seconds())
    if not isinstance(item, McqItem):
        log.warning("poll %s refers to missing item %s", sent.poll_id, sent.item_id)
        await record_ungradable_answer(context, answer.user.id, sent, chosen, seconds)
        return
    correct = chosen == item.correct_index
    points = (
        challenge_points(correct, seconds, sent.open_period)
        if sent.context == PURPOSE_CHALLENGE and sent.open_period
        else 0
    )
    stored = await record_answer(
        context,
        user_id=answer.user.id,
        item=item,
        chat_id=sent.chat_id,
        correct=correct,
        grade=grade_quiz_answer(correct, seconds, item.difficulty),
        purpose=sent.context,
        poll_id=sent.poll_id,
        chosen_option=chosen,
        seconds=seconds,
        session_id=sent.session_id,
        points=points,
    )
    if not stored:
        return  # redelivered update: already handled
    if sent.context == PURPOSE_QUIZ:
        await context.bot.send_message(
            sent.chat_id,
            render.answer_feedback(correct, item),
            parse_mode="HTML",
            reply_markup=after_answer_keyboard(item.id),
        )
    elif sent.session_id is not None and sent.chat_id == answer.user.id:
        session = await context.storage.sessions.get(sent.session_id)
        if session is not None:
            await continue_session(context, session, sent.chat_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CommandHandler("quiz", quiz),
        CallbackQueryHandler(next_question, pattern=rf"^{QUIZ_NEXT}$"),
        PollAnswerHandler(poll_answer),
        PollHandler(poll_state),
    ]

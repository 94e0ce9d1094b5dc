"""/quiz, the Next button, and every poll answer (quiz, test, daily, challenge)."""

from __future__ import annotations

import json
import logging

from telegram import Poll, PollAnswer, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    PollAnswerHandler,
    PollHandler,
)

from bot import render
from bot.content.models import McqItem
from bot.domain.purpose import Purpose
from bot.failures import NotYet
from bot.flows.quiz import Vote, choose_for, credit_vote
from bot.handlers.buttons import acknowledge
from bot.handlers.callbacks import QuizNext, press_of
from bot.handlers.chat_rules import private_command
from bot.handlers.common import deck_from_args, learner, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import after_answer_keyboard, reply_html, send_quiz_poll
from bot.handlers.sessions import continue_session
from bot.storage.records import SentPoll, User

log = logging.getLogger(__name__)

# chat_data key: (poll id, user id) of answers stored whose follow-up could not be sent.
FOLLOW_UP_OWED = "follow_up_owed"


async def quiz(update: Update, context: TutorContext) -> None:
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    if context.args:
        await context.storage.users.set_active_deck(user.user_id, deck.id)
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
        # The poll update may have matched the poll, and looked for parked answers, while
        # this one was being parked: then nobody else will credit it.
        sent = await context.storage.polls.get(answer.poll_id)
        if sent is None:
            return
        await credit_answer(context, answer, sent)
        await context.storage.poll_intents.unpark(answer.poll_id, answer.user.id)
        return
    await credit_answer(context, answer, sent)


async def poll_state(update: Update, context: TutorContext) -> None:
    """Telegram's `poll` update: match a poll we never heard back about, credit its answers."""
    poll = update.poll
    if poll is None:
        return
    sent = await context.storage.polls.get(poll.id)
    if sent is None:
        # Its sendPoll may be answering right now: let it store the poll with its chat
        # rather than guess the chat from the unconfirmed sends of the same question.
        await context.services.polls_in_flight.settled()
        sent = await context.storage.polls.get(poll.id)
    if sent is None:
        sent = await match_poll(context, poll)
        if sent is None:
            return
        log.info("poll %s matched to a send that timed out (item %s)", poll.id, sent.item_id)
    elif not _follow_up_owed(context, sent.chat_id, poll.id):
        return  # known and settled: most poll updates end here, with one read
    for parked in await context.storage.poll_intents.parked_for(poll.id):
        parked_update = Update.de_json(json.loads(parked.payload), context.bot)
        if parked_update.poll_answer is not None:
            await credit_answer(context, parked_update.poll_answer, sent)
        await context.storage.poll_intents.unpark(parked.poll_id, parked.user_id)


async def match_poll(context: TutorContext, poll: Poll) -> SentPoll | None:
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
        return None
    order = [item.options.index(text) for text in shown]
    return await adopt_poll(context, poll, item.id, order)


async def adopt_poll(
    context: TutorContext, poll: Poll, item_id: str, order: list[int]
) -> SentPoll | None:
    """Store `poll` as the unconfirmed send of `item_id` in this shuffle that it must be.

    A `poll` update names no chat. When sends to several chats could be this poll (learners
    get the same first questions, and a send that failed leaves its intent behind), the
    voter decides: a private chat's poll is answered by that chat's learner only. Until a
    vote has been kept aside, the update waits (retried) instead of guessing a chat, which
    would credit the answer, and send its feedback, to someone else's chat.
    """
    intents = context.storage.poll_intents
    chats = await intents.unconfirmed_chats(item_id, order)
    if not chats:
        return None
    chat_id: int | None = None
    if len(set(chats)) > 1:
        voters = {parked.user_id for parked in await intents.parked_for(poll.id)}
        if not voters:
            if poll.total_voter_count == 0:
                return None  # nothing to credit yet: a later update will say more
            raise NotYet(f"poll {poll.id} may be any of {len(chats)} sends; waiting for its vote")
        chat_id = next((chat for chat in chats if chat in voters), None)
        if chat_id is None and all(chat > 0 for chat in chats):
            # Private sends only, and none to a voter: none of them can be this poll.
            log.warning("poll %s matches no send to its voters %s", poll.id, sorted(voters))
            return None
    return await intents.adopt(poll.id, item_id, order, context.clock.now(), chat_id)


async def credit_answer(context: TutorContext, answer: PollAnswer, sent: SentPoll) -> None:
    """Record one vote on a poll we sent, then give feedback or move the session on."""
    assert answer.user is not None
    services = context.services
    credited = await credit_vote(
        context.storage,
        # An item removed by a reload is still graded with the content the poll was sent with.
        lambda item_id: context.bank.item(item_id) or services.retired_items.get(item_id),
        sent,
        Vote(answer.user.id, answer.option_ids, (answer.user.first_name, answer.user.username)),
        context.clock.now(),
        context.settings.leech_lapses,
    )
    if credited is None:
        return
    key = (sent.poll_id, answer.user.id)
    if not credited.newly_stored and not _follow_up_owed(
        context, sent.chat_id, sent.poll_id, answer.user.id
    ):
        return  # redelivered update: already handled
    try:
        # A retry (nothing newly stored) owes only what follows; the notice is not repeated.
        if credited.leech_lapses is not None:
            await send_worked_solution(context, sent.chat_id, credited.item, credited.leech_lapses)
        await follow_up(context, credited.private, sent, credited.item, credited.correct)
    except Exception:
        # The update is retried (Telegram 5xx, timeout) with the answer stored by then:
        # without this mark the retry would stop there, leaving the answer unacknowledged
        # (no Next button) or a session waiting for a question that never came.
        _owed_in(context, sent.chat_id).add(key)
        raise
    owed = context.application.chat_data.get(sent.chat_id, {}).get(FOLLOW_UP_OWED)
    if owed:
        owed.discard(key)


async def follow_up(
    context: TutorContext, private: bool, sent: SentPoll, item: McqItem, correct: bool
) -> None:
    """What an answer leads to: feedback on a /quiz poll, a session's next item."""
    if sent.context == Purpose.QUIZ:
        await context.bot.send_message(
            sent.chat_id,
            render.answer_feedback(correct, item),
            parse_mode="HTML",
            reply_markup=after_answer_keyboard(item),
        )
    elif sent.session_id is not None and private:
        await continue_session(context, sent.session_id, sent.chat_id, answered=item.id)


async def send_worked_solution(
    context: TutorContext, chat_id: int, item: McqItem, lapses: int
) -> None:
    """A leech's miss is followed at once by the /explain text, not just another try."""
    await reply_html(context, chat_id, render.leech_notice(item, lapses))
    for text in render.explain_item(item):
        await reply_html(context, chat_id, text)


def _owed_in(context: TutorContext, chat_id: int) -> set[tuple[str, int]]:
    owed: set[tuple[str, int]] = context.application.chat_data[chat_id].setdefault(
        FOLLOW_UP_OWED, set()
    )
    return owed


def _follow_up_owed(
    context: TutorContext, chat_id: int, poll_id: str, user_id: int | None = None
) -> bool:
    """Whether the follow-up of an answer to `poll_id` (by `user_id`, or anyone) failed.

    Kept in memory (chat_data): after a restart the replayed update stores nothing new and
    sends nothing, as before. A timed-out send that did arrive may be sent twice.
    """
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

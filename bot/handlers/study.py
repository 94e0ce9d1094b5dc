"""What follows an answer: the answer row, the memory update, the session's next step."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bot import render
from bot.content.models import CardItem, McqItem, PromptItem
from bot.domain.chooser import choose_next
from bot.domain.exam import score_exam
from bot.domain.memory import Grade, MemoryState, review
from bot.domain.streaks import current_streak
from bot.domain.timezones import local_date, parse_timezone
from bot.handlers.buttons import PressProgress
from bot.handlers.context import TutorContext
from bot.handlers.delivery import reply_html, send_item
from bot.handlers.due_extras import due_cards_and_prompts, extras_keyboard, next_prompt_for
from bot.storage.answers import AnswerWrite
from bot.storage.records import NewAnswer, SentPoll, Session, User

log = logging.getLogger(__name__)

SESSION_TEST = "test"
SESSION_DAILY = "daily"
SESSION_REVIEW = "review"  # the cards and prompts due, opened from the daily summary
STREAK_LOOKBACK = timedelta(days=400)

Item = McqItem | CardItem | PromptItem


async def record_answer(
    context: TutorContext,
    *,
    user_id: int,
    item: Item,
    chat_id: int,
    correct: bool,
    grade: Grade | Callable[[MemoryState | None], Grade],
    purpose: str,
    poll_id: str | None = None,
    chosen_option: int | None = None,
    seconds: float | None = None,
    session_id: int | None = None,
    points: int = 0,
    learner: tuple[str, str | None] | None = None,
    message_id: int | None = None,
) -> MemoryState | None:
    """Store one answer and the memory state it leads to; None if it was a redelivery.

    `grade` may depend on the learner's memory before this answer (a right answer
    just after a miss may be a guess), so it can be a function of that memory. With
    `learner` (first name, username) the learner is registered in the same write.
    """
    now = context.clock.now()

    def decide(previous: MemoryState | None, retention: float) -> tuple[str, MemoryState]:
        chosen = grade if isinstance(grade, Grade) else grade(previous)
        return chosen.value, review(previous, item.id, chosen, now, retention)

    answer = NewAnswer(
        user_id=user_id,
        item_id=item.id,
        chat_id=chat_id,
        grade="",  # decided with the memory state, inside the write
        correct=correct,
        answered_at=now,
        context=purpose,
        poll_id=poll_id,
        chosen_option=chosen_option,
        seconds=seconds,
        session_id=session_id,
        points=points,
        message_id=message_id,
    )
    recorded = await context.storage.answers.write(AnswerWrite(answer, decide, learner))
    return recorded.memory if recorded.stored else None


async def record_ungradable_answer(
    context: TutorContext,
    user_id: int,
    sent: SentPoll,
    chosen: int,
    seconds: float,
    learner: tuple[str, str | None] | None = None,
) -> bool:
    """Keep an answer to a poll whose item this process no longer knows (removed from the
    decks before a restart): the poll row gives the item id, the choice and the time, but
    not which option was right, so it is stored as not correct and the memory is left alone."""
    answer = NewAnswer(
        user_id=user_id,
        item_id=sent.item_id,
        chat_id=sent.chat_id,
        grade=Grade.AGAIN.value,
        correct=False,
        answered_at=context.clock.now(),
        context=sent.context,
        poll_id=sent.poll_id,
        chosen_option=chosen,
        seconds=seconds,
        session_id=sent.session_id,
    )
    recorded = await context.storage.answers.write(
        AnswerWrite(answer, lambda previous, retention: (Grade.AGAIN.value, None), learner)
    )
    return recorded.stored


async def record_self_graded(
    context: TutorContext,
    progress: PressProgress,
    *,
    user: User,
    item: CardItem | PromptItem,
    chat_id: int,
    message_id: int,
    correct: bool,
    grade: Grade,
    purpose: str,
) -> Session | None:
    """A flashcard or prompt graded by the learner's press, recorded once per message (a
    retry of the press, or a second press replayed after a crash, stores nothing more); the
    open session it belongs to, if any, to carry on with."""
    session = await session_awaiting(context, user.user_id, item.id)
    if not progress.done("recorded"):
        await record_answer(
            context,
            user_id=user.user_id,
            item=item,
            chat_id=chat_id,
            correct=correct,
            grade=grade,
            purpose=session.kind if session else purpose,
            session_id=session.id if session else None,
            message_id=message_id,
        )
        progress.mark("recorded")
    return session


def session_items(context: TutorContext, deck_id: str, kinds: tuple[type, ...]) -> list[str]:
    deck = context.bank.deck(deck_id) or context.bank.default_deck
    return [item.id for item in deck.items if isinstance(item, kinds)]


async def choose_for(
    context: TutorContext, user: User, deck_id: str, kinds: tuple[type, ...]
) -> Item | None:
    """The next item for on-demand practice (/quiz, /cards, /prompt): never empty-handed."""
    memories = await context.storage.reviews.all_for(user.user_id)
    item_id = choose_next(
        session_items(context, deck_id, kinds),
        memories,
        context.clock.now(),
        last_item_id=user.last_item_id,
        new_allowance=context.settings.new_items_per_day,
        desired_retention=user.desired_retention,
        study_ahead=True,
    )
    return context.bank.item(item_id) if item_id else None


async def continue_session(
    context: TutorContext, session: Session, chat_id: int, *, answered: str | None = None
) -> None:
    """Send the session's next item, or its summary when every item has been sent and answered.

    `answered`: the item whose answer moves the session on. Only the item sent last does:
    an answer to an earlier one (a poll sent twice because its first send timed out, and
    credited late) must not skip the question now being sent.
    """
    current = await context.storage.sessions.get(session.id)
    if current is None or current.finished_at is not None:
        return
    if answered is not None and (
        current.position == 0 or current.item_ids[current.position - 1] != answered
    ):
        return
    next_item_id = current.next_item_id
    if next_item_id is None:
        await finish_session(context, current, chat_id)
        return
    if not await context.storage.sessions.advance(current.id, current.position):
        return  # a concurrent update already sent this one
    item = context.bank.item(next_item_id)
    if item is None:  # removed from the content bank since the session was planned
        log.warning("session %s: item %s no longer exists, skipping", current.id, next_item_id)
        await continue_session(context, current, chat_id)
        return
    try:
        await send_item(context, chat_id, item, purpose=current.kind, session_id=current.id)
    except Exception:
        # Not sent (or not known to be): the retried update sends this item again instead
        # of finding the cursor past it and the learner waiting for a question forever.
        await context.storage.sessions.step_back(current.id, current.position + 1)
        raise


async def finish_session(context: TutorContext, session: Session, chat_id: int) -> None:
    if not await context.storage.sessions.finish(session.id, context.clock.now()):
        return
    try:
        await _send_summary(context, session, chat_id)
    except Exception:
        await context.storage.sessions.reopen(session.id)  # so a retry sends it
        raise


async def _send_summary(context: TutorContext, session: Session, chat_id: int) -> None:
    answers = await context.storage.answers.for_session(session.user_id, session.id)
    deck = context.bank.deck(session.deck_id) or context.bank.default_deck
    if session.kind == SESSION_TEST:
        questions = [
            item
            for item_id in session.item_ids
            if isinstance(item := context.bank.item(item_id), McqItem)
        ]
        result = score_exam(questions, {answer.item_id: answer.correct for answer in answers})
        await reply_html(context, chat_id, render.exam_result(deck, result))
        return
    if session.kind == SESSION_REVIEW:
        await reply_html(context, chat_id, render.review_done(len(answers)))
        return
    right = sum(1 for answer in answers if answer.correct)
    streak = await streak_for(context, session.user_id)
    now = context.clock.now()
    user = await context.storage.users.get(session.user_id)
    memories = await context.storage.reviews.all_for(session.user_id)
    extras = due_cards_and_prompts(context.bank, memories, now, next_prompt_for(user, now))
    await reply_html(
        context,
        chat_id,
        render.daily_summary(right, len(answers), streak),
        reply_markup=extras_keyboard(extras),
    )


async def streak_for(context: TutorContext, user_id: int) -> int:
    user = await context.storage.users.get(user_id)
    zone = parse_timezone(user.timezone if user else None)
    now = context.clock.now()
    times = await context.storage.answers.answer_times_since(user_id, now - STREAK_LOOKBACK)
    return current_streak({local_date(moment, zone) for moment in times}, local_date(now, zone))


async def session_awaiting(context: TutorContext, user_id: int, item_id: str) -> Session | None:
    """The open session whose last sent item is `item_id` (a card or prompt answered in it)."""
    for kind in (SESSION_DAILY, SESSION_TEST, SESSION_REVIEW):
        session = await context.storage.sessions.open_session(user_id, kind)
        if session and session.position > 0 and session.item_ids[session.position - 1] == item_id:
            return session
    return None

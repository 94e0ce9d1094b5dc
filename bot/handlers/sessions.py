"""Sending a session's steps (daily revision, /test, the review of what is due) and its
summary; recording a flashcard or prompt graded by a press, once."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.content.models import CardItem, McqItem, PromptItem
from bot.domain.memory import Grade
from bot.flows import sessions
from bot.flows.answers import record_answer
from bot.flows.cards import CardsSummary
from bot.flows.sessions import (
    DailySummary,
    Finished,
    MoreOnOffer,
    ReviewSummary,
    SendItem,
    Summary,
    TestSummary,
    step_number,
)
from bot.handlers.buttons import PressProgress
from bot.handlers.callbacks import ExplainItem, MoreQuestions, RetakeMissed, ReviewDue
from bot.handlers.context import TutorContext
from bot.handlers.delivery import reply_html, send_item
from bot.storage.records import Session


async def continue_session(
    context: TutorContext, session_id: int, chat_id: int, *, answered: str | None = None
) -> None:
    """Send the session's next item, or its summary when every item was sent and answered.
    A send that fails gives the step back, so the retried update sends it again."""
    step = await sessions.next_step(
        context.storage, context.bank, session_id, context.clock.now(), answered=answered
    )
    if step is not None:
        await send_step(context, chat_id, step)


async def send_step(context: TutorContext, chat_id: int, step: SendItem | Finished) -> None:
    """Send one step of a session; if the send fails, the step is given back."""
    try:
        if isinstance(step, Finished):
            await _send_summary(context, chat_id, step.summary)
        else:
            await send_item(
                context,
                chat_id,
                step.item,
                purpose=step.session.kind,
                session_id=step.session.id,
                progress=step_number(step.session),
            )
    except Exception:
        await sessions.undo_step(context.storage, step)
        raise


async def _send_summary(context: TutorContext, chat_id: int, summary: Summary) -> None:
    if isinstance(summary, TestSummary):
        questions = {
            item_id: item
            for item_id in summary.result.missed
            if isinstance(item := context.bank.item(item_id), McqItem)
        }
        await reply_html(
            context,
            chat_id,
            render.exam_result(summary.deck, summary.result, summary.numbers, questions),
            reply_markup=missed_keyboard(summary, list(questions.values())),
        )
    elif isinstance(summary, CardsSummary):
        await reply_html(
            context,
            chat_id,
            render.cards_done(
                summary.deck, summary.next_due, summary.timezone, context.clock.now()
            ),
        )
    elif isinstance(summary, ReviewSummary):
        await reply_html(
            context,
            chat_id,
            render.review_done(summary.answered, summary.left),
            reply_markup=more_keyboard(summary),
        )
    else:
        await reply_html(
            context,
            chat_id,
            render.daily_summary(summary.right, summary.answered, summary.streak, summary.left),
            reply_markup=extras_keyboard(summary),
        )


def missed_keyboard(summary: TestSummary, missed: list[McqItem]) -> InlineKeyboardMarkup | None:
    """An Explain button per missed question (numbered as in the test), and a retake."""
    if not missed:
        return None
    explain = [
        InlineKeyboardButton(
            render.exam_explain_button(summary.numbers.get(item.id, 0)),
            callback_data=ExplainItem(item).pack(),
        )
        for item in missed
    ]
    rows = [explain[start : start + 3] for start in range(0, len(explain), 3)]
    retake = render.exam_retake_button(len(missed))
    rows.append(
        [InlineKeyboardButton(retake, callback_data=RetakeMissed(summary.session_id).pack())]
    )
    return InlineKeyboardMarkup(rows)


def more_row(summary: MoreOnOffer) -> list[list[InlineKeyboardButton]]:
    """The "5 more" row (continues the session) while items are due that it may add."""
    if not summary.more:
        return []
    more = MoreQuestions(summary.session_id, summary.position)
    return [[InlineKeyboardButton(render.more_button(summary.more), callback_data=more.pack())]]


def more_keyboard(summary: ReviewSummary) -> InlineKeyboardMarkup | None:
    """Under a review's summary: "5 more" while flashcards or prompts are due."""
    rows = more_row(summary)
    return InlineKeyboardMarkup(rows) if rows else None


def extras_keyboard(summary: DailySummary) -> InlineKeyboardMarkup | None:
    """Under the daily summary: "5 more" while questions are due, and the flashcards and
    prompts due."""
    rows = more_row(summary)
    if summary.extras:
        cards = sum(1 for item in summary.extras if isinstance(item, CardItem))
        label = render.due_extras_button(cards, len(summary.extras) - cards)
        rows.append([InlineKeyboardButton(label, callback_data=ReviewDue().pack())])
    return InlineKeyboardMarkup(rows) if rows else None


async def record_self_graded(
    context: TutorContext,
    progress: PressProgress,
    *,
    user_id: int,
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
    session = await sessions.session_awaiting(context.storage, user_id, item.id)
    if not progress.done("recorded"):
        await record_answer(
            context.storage,
            context.clock.now(),
            user_id=user_id,
            item_id=item.id,
            chat_id=chat_id,
            correct=correct,
            grade=grade,
            purpose=session.kind if session else purpose,
            session_id=session.id if session else None,
            message_id=message_id,
        )
        progress.mark("recorded")
    return session

"""Sessions (daily revision, /test, the review of cards and prompts due): what comes next,
and what the learner is told at the end.

A session's cursor moves with compare-and-set before its item is sent: two updates that both
try to move it on send one item. The adapter sends what `next_step` returns and, when the
send fails, gives the step back with `undo_step` so the retried update sends it again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import CardItem, ContentBank, Deck, McqItem, PromptItem
from bot.domain.daily import MAX_SESSION_SIZE
from bot.domain.due import (
    count_due,
    due_cards_and_prompts,
    offerable_questions,
    offerable_self_graded,
    studied_questions,
)
from bot.domain.exam import ExamResult, pick_exam, score_exam
from bot.domain.memory import MemoryState
from bot.domain.planner import plan_daily
from bot.domain.purpose import SESSION_KINDS, Purpose
from bot.flows.answers import Item
from bot.flows.cards import CardsSummary, cards_summary
from bot.flows.daily import next_prompt_for
from bot.flows.progress import streak_for
from bot.storage import Storage
from bot.storage.records import Session, User

log = logging.getLogger(__name__)

# What the "more" button under a daily or review summary adds to the session at most.
MORE_QUESTIONS = 5


@dataclass(frozen=True)
class SendItem:
    """Send `item` as the session's next step (the cursor has moved past it)."""

    session: Session
    item: Item


@dataclass(frozen=True)
class TestSummary:
    deck: Deck
    result: ExamResult
    session_id: int  # the test, for "Retake the missed"
    numbers: dict[str, int]  # question id → its number in the test (1-based)


@dataclass(frozen=True, kw_only=True)
class MoreOnOffer:
    """What a session's end leaves due, and where its "more" button continues from."""

    # Items still due by the next daily prompt (the rule /stats counts by).
    left: int = 0
    # Of those, the ones a "more" button may add: not asked in this session yet, or due
    # already (an item answered a minute ago is due again within minutes, at its next
    # learning step, but asking it again before then would teach nothing).
    offerable: int = 0
    session_id: int = 0
    position: int = 0

    @property
    def more(self) -> int:
        """How many items the "more" button offers (none when nothing is due)."""
        return min(MORE_QUESTIONS, self.offerable)


@dataclass(frozen=True, kw_only=True)
class ReviewSummary(MoreOnOffer):
    """A review of flashcards and prompts: `left` counts those."""

    answered: int


@dataclass(frozen=True, kw_only=True)
class DailySummary(MoreOnOffer):
    """Daily revision: `left` counts quiz questions."""

    right: int
    answered: int
    streak: int
    # Flashcards and prompts due by the next daily prompt, offered after the quiz.
    extras: list[CardItem | PromptItem]


Summary = TestSummary | ReviewSummary | DailySummary | CardsSummary


@dataclass(frozen=True)
class Finished:
    """Every item was sent and answered: the session is closed; tell the learner `summary`."""

    session: Session
    summary: Summary


async def next_step(
    storage: Storage,
    bank: ContentBank,
    session_id: int,
    now: datetime,
    *,
    answered: str | None = None,
) -> SendItem | Finished | None:
    """The session's next item, or its summary once every item was sent and answered; None
    when there is nothing to do (finished already, or another update moved it on).

    `answered`: the item whose answer moves the session on. Only the item sent last does:
    an answer to an earlier one (a poll sent twice because its first send timed out, and
    credited late) must not skip the question now being sent.
    """
    current = await storage.sessions.get(session_id)
    if current is None or current.finished_at is not None:
        return None
    if answered is not None and (
        current.position == 0 or current.item_ids[current.position - 1] != answered
    ):
        return None
    while (next_item_id := current.next_item_id) is not None:
        if not await storage.sessions.advance(current.id, current.position):
            return None  # a concurrent update already sent this one
        item = bank.item(next_item_id)
        if item is not None:
            return SendItem(current, item)
        # Removed from the content bank since the session was planned.
        log.warning("session %s: item %s no longer exists, skipping", current.id, next_item_id)
        refreshed = await storage.sessions.get(session_id)
        if refreshed is None:
            return None
        current = refreshed
    if not await storage.sessions.finish(current.id, now):
        return None
    return Finished(current, await _summary(storage, bank, current, now))


async def undo_step(storage: Storage, step: SendItem | Finished) -> None:
    """The step was not sent (or is not known to be): the retried update takes it again
    instead of finding the cursor past it and the learner waiting forever."""
    if isinstance(step, SendItem):
        await storage.sessions.step_back(step.session.id, step.session.position + 1)
    else:
        await storage.sessions.reopen(step.session.id)


async def _summary(storage: Storage, bank: ContentBank, session: Session, now: datetime) -> Summary:
    answers = await storage.answers.for_session(session.user_id, session.id)
    if session.kind == Purpose.TEST:
        deck = bank.deck(session.deck_id) or bank.default_deck
        questions = [
            item for item_id in session.item_ids if isinstance(item := bank.item(item_id), McqItem)
        ]
        result = score_exam(questions, {answer.item_id: answer.correct for answer in answers})
        numbers = {item_id: number for number, item_id in enumerate(session.item_ids, start=1)}
        return TestSummary(deck, result, session.id, numbers)
    if session.kind == Purpose.CARDS:
        deck = bank.deck(session.deck_id) or bank.default_deck
        return await cards_summary(storage, bank, session.user_id, deck, len(answers))
    user = await storage.users.get(session.user_id)
    memories = await storage.reviews.all_for(session.user_id)
    next_prompt = next_prompt_for(user, now)
    if session.kind == Purpose.REVIEW:
        return ReviewSummary(
            answered=len(answers),
            left=count_due(memories, bank, next_prompt).self_graded,
            offerable=len(
                offerable_self_graded(bank, memories, session.item_ids, now, next_prompt)
            ),
            session_id=session.id,
            position=session.position,
        )
    extras = due_cards_and_prompts(bank, memories, now, next_prompt, limit=MAX_SESSION_SIZE)
    offerable = offerable_questions(bank, memories, session.item_ids, now, next_prompt)
    return DailySummary(
        right=sum(1 for answer in answers if answer.correct),
        answered=len(answers),
        streak=await streak_for(storage, session.user_id, now),
        extras=extras,
        left=count_due(memories, bank, next_prompt).questions,
        offerable=len(offerable),
        session_id=session.id,
        position=session.position,
    )


async def more_questions(
    storage: Storage,
    bank: ContentBank,
    user_id: int,
    session_id: int,
    position: int,
    now: datetime,
    *,
    leech_lapses: int,
) -> Session | None:
    """Continue a finished daily session with up to MORE_QUESTIONS of the questions still
    due and not asked in it yet (or due already now), chosen as the daily planner chooses;
    a finished review session with up to MORE_QUESTIONS of the flashcards and prompts due,
    by the same rule, most forgotten first.

    None when nothing is due any more, or the session is not this learner's latest finished
    one at `position` (a second press, an old summary's button)."""
    session = await storage.sessions.get(session_id)
    if (
        session is None
        or session.user_id != user_id
        or session.kind not in (Purpose.DAILY, Purpose.REVIEW)
    ):
        return None
    user = await storage.users.get(user_id)
    memories = await storage.reviews.all_for(user_id)
    next_prompt = next_prompt_for(user, now)
    if session.kind == Purpose.REVIEW:
        due = offerable_self_graded(bank, memories, session.item_ids, now, next_prompt)[
            :MORE_QUESTIONS
        ]
    else:
        due = _more_questions(bank, memories, session, now, next_prompt, leech_lapses)
    if not due or not await storage.sessions.extend(session_id, position, due):
        return None
    return await storage.sessions.get(session_id)


def _more_questions(
    bank: ContentBank,
    memories: Mapping[str, MemoryState],
    session: Session,
    now: datetime,
    next_prompt: datetime,
    leech_lapses: int,
) -> list[str]:
    """Up to MORE_QUESTIONS quiz questions due for a daily session, as the planner chooses."""
    offerable = offerable_questions(bank, memories, session.item_ids, now, next_prompt)
    plan = plan_daily(
        [item_id for item_id in studied_questions(bank, memories) if item_id in offerable],
        [],
        memories,
        now,
        next_prompt,
        size=MORE_QUESTIONS,
        new_allowance=0,
        leech_lapses=leech_lapses,
    )
    return [item_id for item_id in plan.item_ids if item_id in offerable]


async def session_awaiting(storage: Storage, user_id: int, item_id: str) -> Session | None:
    """The open session whose last sent item is `item_id` (a card or prompt answered in it)."""
    for kind in SESSION_KINDS:
        session = await storage.sessions.open_session(user_id, kind)
        if session and session.position > 0 and session.item_ids[session.position - 1] == item_id:
            return session
    return None


async def open_question(storage: Storage, user_id: int) -> str | None:
    """The item a session of the learner's has sent and is waiting for an answer to: its
    solution stays hidden (as in a group round) until it is answered."""
    for kind in SESSION_KINDS:
        session = await storage.sessions.open_session(user_id, kind)
        if session is None or session.position == 0:
            continue
        waiting = session.item_ids[session.position - 1]
        answers = await storage.answers.for_session(user_id, session.id)
        if all(answer.item_id != waiting for answer in answers):
            return waiting
    return None


async def start_test(
    storage: Storage, rng: random.Random, user_id: int, deck: Deck, now: datetime
) -> Session | None:
    """/test: ten questions of the deck, easy to hard; None when the deck has none."""
    item_ids = pick_exam(deck.mcqs, rng)
    if not item_ids:
        return None
    return await storage.sessions.start(user_id, Purpose.TEST, deck.id, item_ids, now)


async def test_in_progress(storage: Storage, user_id: int) -> Session | None:
    """The learner's /test still running (a question sent, the summary not yet), if any."""
    session = await storage.sessions.open_session(user_id, Purpose.TEST)
    return session if session is not None and session.position > 0 else None


async def start_retake(
    storage: Storage, bank: ContentBank, user_id: int, test_id: int, now: datetime
) -> Session | None:
    """A new /test of the questions missed in the finished test `test_id`, in the same order;
    None when it is not this learner's finished test or nothing of it was missed."""
    test = await storage.sessions.get(test_id)
    if (
        test is None
        or test.user_id != user_id
        or test.kind != Purpose.TEST
        or test.finished_at is None
    ):
        return None
    answers = await storage.answers.for_session(user_id, test.id)
    right = {answer.item_id for answer in answers if answer.correct}
    missed = [
        item_id
        for item_id in test.item_ids
        if item_id not in right and isinstance(bank.item(item_id), McqItem)
    ]
    if not missed:
        return None
    return await storage.sessions.start(user_id, Purpose.TEST, test.deck_id, missed, now)


def step_number(session: Session) -> tuple[int, int]:
    """(this step's number, how many steps) for a step `next_step` returned: "3/10"."""
    return session.position + 1, len(session.item_ids)


async def start_review(
    storage: Storage, bank: ContentBank, user: User, deck_id: str, now: datetime
) -> Session | None:
    """The flashcards and prompts due, as one session; None when nothing is due."""
    memories = await storage.reviews.all_for(user.user_id)
    due = due_cards_and_prompts(
        bank, memories, now, next_prompt_for(user, now), limit=MAX_SESSION_SIZE
    )
    if not due:
        return None
    return await storage.sessions.start(
        user.user_id, Purpose.REVIEW, deck_id, [item.id for item in due], now
    )

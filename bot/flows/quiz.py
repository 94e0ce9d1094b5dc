"""Quiz questions: choosing the next one to practise, and crediting a vote on a poll we sent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import ContentBank, McqItem
from bot.domain.chooser import choose_next
from bot.domain.memory import grade_quiz_answer, is_leech
from bot.domain.purpose import Purpose
from bot.domain.scoring import challenge_points
from bot.flows.answers import Item, LearnerNames, record_answer, record_ungradable_answer
from bot.storage import Storage
from bot.storage.records import SentPoll, User

log = logging.getLogger(__name__)


def session_items(bank: ContentBank, deck_id: str, kinds: tuple[type, ...]) -> list[str]:
    deck = bank.deck(deck_id) or bank.default_deck
    return [item.id for item in deck.items if isinstance(item, kinds)]


async def choose_for(
    storage: Storage,
    bank: ContentBank,
    user: User,
    deck_id: str,
    kinds: tuple[type, ...],
    now: datetime,
    new_items_per_day: int,
) -> Item | None:
    """The next item for on-demand practice (/quiz, /cards, /prompt): never empty-handed."""
    memories = await storage.reviews.all_for(user.user_id)
    item_id = choose_next(
        session_items(bank, deck_id, kinds),
        memories,
        now,
        last_item_id=user.last_item_id,
        new_allowance=new_items_per_day,
        desired_retention=user.desired_retention,
        study_ahead=True,
    )
    return bank.item(item_id) if item_id else None


@dataclass(frozen=True)
class Vote:
    """One learner's vote on a poll we sent, as Telegram reported it."""

    user_id: int
    option_ids: Sequence[int]
    learner: LearnerNames


@dataclass(frozen=True)
class CreditedVote:
    """A vote on a poll of a known question, graded and stored (or stored before)."""

    item: McqItem
    correct: bool
    newly_stored: bool  # False: a redelivered update, already stored
    leech_lapses: int | None  # set when this miss made (or keeps) the question a leech
    private: bool  # the poll was in the voter's own chat


async def credit_vote(
    storage: Storage,
    find_item: Callable[[str], Item | None],
    sent: SentPoll,
    vote: Vote,
    now: datetime,
    leech_lapses: int,
) -> CreditedVote | None:
    """Grade, score and store one vote; None when there is nothing more to do for it (a
    retracted vote, option ids out of range, or a question the decks no longer have, whose
    answer is kept ungraded).

    `find_item` also knows items a reload removed, so polls sent before it are still graded
    with the content they were sent with.
    """
    if any(not 0 <= option < len(sent.option_order) for option in vote.option_ids):
        log.warning(
            "poll %s: option ids %s out of range, answer from user %s ignored",
            sent.poll_id,
            list(vote.option_ids),
            vote.user_id,
        )
        return None
    if not vote.option_ids:
        return None  # a retracted vote: the first answer already counted
    chosen = sent.content_index(vote.option_ids[0])
    seconds = max(0.0, (now - sent.sent_at).total_seconds())
    item = find_item(sent.item_id)
    if not isinstance(item, McqItem):
        log.warning("poll %s refers to missing item %s", sent.poll_id, sent.item_id)
        await record_ungradable_answer(
            storage,
            now,
            user_id=vote.user_id,
            sent=sent,
            chosen=chosen,
            seconds=seconds,
            learner=vote.learner,
        )
        return None
    correct = chosen == item.correct_index
    points = (
        challenge_points(correct, seconds, sent.open_period)
        if sent.context == Purpose.CHALLENGE and sent.open_period
        else 0
    )
    stored = await record_answer(
        storage,
        now,
        user_id=vote.user_id,
        item=item,
        chat_id=sent.chat_id,
        correct=correct,
        grade=lambda previous: grade_quiz_answer(correct, seconds, item.difficulty, previous),
        purpose=sent.context,
        poll_id=sent.poll_id,
        chosen_option=chosen,
        seconds=seconds,
        session_id=sent.session_id,
        points=points,
        learner=vote.learner,
    )
    private = sent.chat_id == vote.user_id
    leech = (
        stored.lapses
        if stored is not None and not correct and private and is_leech(stored, leech_lapses)
        else None
    )
    return CreditedVote(item, correct, stored is not None, leech, private)

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
from bot.failures import NotYet
from bot.flows.answers import Item, LearnerNames, record_answer
from bot.flows.services import Services
from bot.flows.sessions import Finished, SendItem, next_step
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
    """One learner's vote on a poll, as Telegram reported it."""

    poll_id: str
    user_id: int
    option_ids: Sequence[int]
    learner: LearnerNames


@dataclass(frozen=True)
class CreditedVote:
    """A vote on a poll of a known question, graded and stored (or stored before), and what
    the learner is owed for it."""

    sent: SentPoll
    item: McqItem
    correct: bool
    newly_stored: bool  # False: a redelivered update, already stored
    leech_lapses: int | None  # set when this miss made (or keeps) the question a leech
    # The session's next step, for an answer in the learner's own session.
    step: SendItem | Finished | None


def cached_poll(services: Services, poll_id: str) -> SentPoll | None:
    """The poll if it is in memory (no query): None says nothing about whether we sent it."""
    return services.storage.polls.cached(poll_id)


async def known_poll(services: Services, poll_id: str) -> SentPoll | None:
    """The poll we sent with this id; one whose sendPoll is answering right now is waited for
    (at most a few seconds) rather than taken for unknown."""
    sent = await services.storage.polls.get(poll_id)
    if sent is None:
        await services.polls_in_flight.settled()
        sent = await services.storage.polls.get(poll_id)
    return sent


async def answer_poll(
    services: Services,
    bank: ContentBank,
    vote: Vote,
    now: datetime,
    *,
    payload: Callable[[], str] | None,
    follow_up_owed: Callable[[SentPoll], bool],
) -> CreditedVote | None:
    """Credit one vote: grade, score and store it, and plan what follows. None when nothing
    is owed to the learner: a vote on no poll of ours, a retracted or out-of-range vote, a
    question the decks no longer have (its answer is kept ungraded), or a redelivered update
    whose follow-up was already given (`follow_up_owed` says whether it was not).

    A vote on a poll we do not know yet is kept aside (`payload()`, the update's JSON) until
    Telegram's `poll` update says which send it was (`adopt_poll`): perhaps its sendPoll timed
    out after Telegram delivered it.
    """
    storage = services.storage
    sent = await known_poll(services, vote.poll_id)
    parked = False
    if sent is None:
        if payload is None:
            return None
        log.warning(
            "answer to unknown poll %s from user %s kept until the poll is known",
            vote.poll_id,
            vote.user_id,
        )
        await storage.poll_intents.park_answer(vote.poll_id, vote.user_id, payload(), now)
        # The poll update may have matched the poll, and looked for parked answers, while
        # this one was being parked: then nobody else will credit it.
        sent = await storage.polls.get(vote.poll_id)
        if sent is None:
            return None
        parked = True
    # An item removed by a reload is still graded with the content the poll was sent with.
    item = bank.item(sent.item_id) or services.retired_items.get(sent.item_id)
    credited = await _credit(
        storage, bank, sent, item, vote, now, services.settings.leech_lapses, follow_up_owed
    )
    if parked:
        await storage.poll_intents.unpark(vote.poll_id, vote.user_id)
    return credited


async def _credit(
    storage: Storage,
    bank: ContentBank,
    sent: SentPoll,
    item: Item | None,
    vote: Vote,
    now: datetime,
    leech_lapses: int,
    follow_up_owed: Callable[[SentPoll], bool],
) -> CreditedVote | None:
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
    if not isinstance(item, McqItem):
        log.warning("poll %s refers to missing item %s", sent.poll_id, sent.item_id)
    correct = isinstance(item, McqItem) and chosen == item.correct_index
    stored = await record_answer(
        storage,
        now,
        user_id=vote.user_id,
        item_id=sent.item_id,
        chat_id=sent.chat_id,
        correct=correct,
        # Not gradable (the content is gone): stored as not correct, the memory left alone.
        grade=(
            (lambda previous: grade_quiz_answer(correct, seconds, item.difficulty, previous))
            if isinstance(item, McqItem)
            else None
        ),
        purpose=sent.context,
        poll_id=sent.poll_id,
        chosen_option=chosen,
        seconds=seconds,
        session_id=sent.session_id,
        points=(
            challenge_points(correct, seconds, sent.open_period)
            if sent.context == Purpose.CHALLENGE and sent.open_period
            else 0
        ),
        learner=vote.learner,
    )
    if not isinstance(item, McqItem):
        return None
    if not stored.stored and not follow_up_owed(sent):
        return None  # redelivered update: already handled
    private = sent.chat_id == vote.user_id
    memory = stored.memory
    leech = (
        memory.lapses
        if memory is not None and not correct and private and is_leech(memory, leech_lapses)
        else None
    )
    step = None
    if sent.context != Purpose.QUIZ and sent.session_id is not None and private:
        step = await next_step(storage, bank, sent.session_id, now, answered=item.id)
    return CreditedVote(sent, item, correct, stored.stored, leech, step)


async def match_poll(
    storage: Storage,
    bank: ContentBank,
    poll_id: str,
    question: str,
    shown: Sequence[str],
    total_voters: int,
    now: datetime,
) -> SentPoll | None:
    """Telegram's `poll` update for a poll we never heard back about: the send it must be."""
    item = next(
        (
            candidate
            for candidate in bank.questions_asking(question)
            if sorted(candidate.options) == sorted(shown)
        ),
        None,
    )
    if item is None:
        return None
    order = [item.options.index(text) for text in shown]
    return await _adopt_poll(storage, poll_id, total_voters, item.id, order, now)


async def _adopt_poll(
    storage: Storage,
    poll_id: str,
    total_voters: int,
    item_id: str,
    order: list[int],
    now: datetime,
) -> SentPoll | None:
    """Store the poll as the unconfirmed send of `item_id` in this shuffle that it must be.

    A `poll` update names no chat. When sends to several chats could be this poll (learners
    get the same first questions, and a send that failed leaves its intent behind), the
    voter decides: a private chat's poll is answered by that chat's learner only. Until a
    vote has been kept aside, the update waits (retried) instead of guessing a chat, which
    would credit the answer, and send its feedback, to someone else's chat.
    """
    intents = storage.poll_intents
    chats = await intents.unconfirmed_chats(item_id, order)
    if not chats:
        return None
    chat_id: int | None = None
    if len(set(chats)) > 1:
        voters = {parked.user_id for parked in await intents.parked_for(poll_id)}
        if not voters:
            if total_voters == 0:
                return None  # nothing to credit yet: a later update will say more
            raise NotYet(f"poll {poll_id} may be any of {len(chats)} sends; waiting for its vote")
        chat_id = next((chat for chat in chats if chat in voters), None)
        if chat_id is None and all(chat > 0 for chat in chats):
            # Private sends only, and none to a voter: none of them can be this poll.
            log.warning("poll %s matches no send to its voters %s", poll_id, sorted(voters))
            return None
    return await intents.adopt(poll_id, item_id, order, now, chat_id)

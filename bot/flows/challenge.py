"""Group challenge rounds: starting one, its next step (a question, or the results), stopping
it, the leaderboards, and which question a group's /explain may show.

Every step is a compare-and-set in storage, so a restart, a duplicate timer or a second worker
can neither skip a question nor post the results twice. The adapter (bot/handlers/challenge.py)
sends what a step returns and, when Telegram fails it for a moment, gives it back with
`undo_question` / `reopen_results` and asks again a little later.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.content.models import ContentBank, Deck, McqItem
from bot.domain.scoring import Standing, rank_tallies, week_start
from bot.storage import Storage
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


@dataclass(frozen=True)
class RoundStarted:
    round: Challenge
    deck: Deck


@dataclass(frozen=True)
class AlreadyRunning:
    ends_in: timedelta


@dataclass(frozen=True)
class UnknownDeck:
    query: str


def estimated_end(round_: Challenge, now: datetime) -> datetime:
    left = len(round_.item_ids) - round_.position
    current_ends = (round_.question_sent_at or now) + timedelta(seconds=round_.seconds)
    return max(current_ends, now) + left * timedelta(seconds=round_.seconds) + CLOSE_GRACE


async def start_round(
    storage: Storage,
    bank: ContentBank,
    rng: random.Random,
    *,
    chat_id: int,
    starter: tuple[int, str, str | None],
    questions: int,
    seconds: int,
    deck_query: str | None,
    now: datetime,
) -> RoundStarted | AlreadyRunning | UnknownDeck:
    """Start a round of `questions` random questions of the named deck (which becomes the
    group's deck) or the group's deck. `starter`: (user id, first name, username)."""
    if deck_query:
        deck = bank.find_deck(deck_query)
        if deck is None:
            return UnknownDeck(deck_query)
        await storage.challenges.set_group_deck(chat_id, deck.id)
    else:
        saved = await storage.challenges.group_deck(chat_id)
        deck = (bank.deck(saved) if saved else None) or bank.default_deck
    running = await storage.challenges.running_in(chat_id)
    if running is not None:
        return AlreadyRunning(estimated_end(running, now) - now)
    pool = [item.id for item in deck.mcqs]
    rng.shuffle(pool)
    item_ids = pool[:questions]
    user_id, first_name, username = starter
    await storage.users.ensure(user_id, first_name, username, now)
    round_ = await storage.challenges.start(chat_id, user_id, deck.id, item_ids, seconds, now)
    if round_ is None:  # another /challenge won the race
        return AlreadyRunning(timedelta(seconds=seconds))
    return RoundStarted(round_, deck)


@dataclass(frozen=True)
class AskQuestion:
    """Send `item` as the round's next poll (claimed: nobody else sends it)."""

    round: Challenge
    item: McqItem


@dataclass(frozen=True)
class RoundResults:
    """The round is over (closed: nobody else posts its results); post them."""

    round: Challenge
    deck: Deck
    standings: list[Standing]


async def next_step(
    storage: Storage, bank: ContentBank, challenge_id: int, now: datetime
) -> AskQuestion | RoundResults | None:
    """The round's next question, or its results when every question was asked; None when
    there is nothing to do (finished, or another timer moved it on)."""
    round_ = await storage.challenges.get(challenge_id)
    if round_ is None or round_.finished_at is not None:
        return None
    item = bank.item(round_.next_item_id) if round_.next_item_id else None
    while round_.next_item_id is not None and not isinstance(item, McqItem):
        # Removed by a reload since the round began: dropped, the rest is still asked.
        gone = round_.next_item_id
        log.info("round %s: question %s no longer exists, dropped", round_.id, gone)
        if not await storage.challenges.drop_question(round_.id, round_.position, gone):
            return None  # another timer moved the round on
        kept = round_.item_ids[: round_.position] + round_.item_ids[round_.position + 1 :]
        round_ = replace(round_, item_ids=kept)
        item = bank.item(round_.next_item_id) if round_.next_item_id else None
    if round_.next_item_id is None or not isinstance(item, McqItem):
        return await finish_round(storage, bank, round_, now)
    if not await storage.challenges.claim_next_question(round_.id, round_.position, now):
        return None
    return AskQuestion(round_, item)


async def undo_question(storage: Storage, step: AskQuestion) -> None:
    """The question was not sent (or is not known to be): ask it again at the next try."""
    await storage.challenges.step_back(step.round.id, step.round.position + 1)


async def finish_round(
    storage: Storage, bank: ContentBank, round_: Challenge, now: datetime
) -> RoundResults | None:
    """Close the round once and rank who played; None if someone else already closed it."""
    if not await storage.challenges.finish(round_.id, now):
        return None
    await storage.answers.flush()  # answers still in a group commit count too
    standings = rank_tallies(await storage.challenges.round_tallies(round_.id))
    deck = bank.deck(round_.deck_id) or bank.default_deck
    return RoundResults(round_, deck, standings)


async def reopen_results(storage: Storage, results: RoundResults) -> None:
    """The results did not go out: open the round again so a retry posts them once."""
    await storage.challenges.reopen(results.round.id)


async def close_round(storage: Storage, round_: Challenge, now: datetime) -> None:
    """End a round without results (the bot was removed from the group)."""
    await storage.challenges.finish(round_.id, now)


async def round_to_advance(storage: Storage, challenge_id: int) -> Challenge | None:
    """The round if it is still running (a timer may fire after it was stopped)."""
    round_ = await storage.challenges.get(challenge_id)
    return None if round_ is None or round_.finished_at is not None else round_


async def running_round(storage: Storage, chat_id: int) -> Challenge | None:
    return await storage.challenges.running_in(chat_id)


async def leaderboards(
    storage: Storage, chat_id: int, caller_id: int, now: datetime
) -> tuple[list[Standing], list[Standing]]:
    """This week's and the all-time standings: the top ones, and the caller's own place."""
    challenges = storage.challenges
    week = await challenges.leaderboard(chat_id, week_start(now), caller_id, LEADERBOARD_SIZE)
    ever = await challenges.leaderboard(chat_id, None, caller_id, LEADERBOARD_SIZE)
    return week, ever


async def rounds_to_resume(
    storage: Storage, now: datetime, only: Callable[[int], bool] | None = None
) -> list[tuple[int, timedelta]]:
    """Every running round and when its timer fires again (from where storage says it is).
    `only`: the rounds of these chats (several workers: those a worker has just taken)."""
    rounds = await storage.challenges.all_running()
    resumed = []
    for round_ in rounds:
        if only is not None and not only(round_.chat_id):
            continue
        if round_.question_sent_at is None:
            delay = timedelta(0)
        else:
            closes = round_.question_sent_at + timedelta(seconds=round_.seconds) + CLOSE_GRACE
            delay = closes - now
        resumed.append((round_.id, delay))
    return resumed


@dataclass(frozen=True)
class NothingToExplain:
    pass


@dataclass(frozen=True)
class StillOpen:
    pass


async def item_to_explain(
    storage: Storage, chat_id: int, replied_to: int | None, now: datetime
) -> str | NothingToExplain | StillOpen:
    """The question a group's /explain refers to (the poll it replies to, else the latest),
    unless that poll is still open: no spoilers while the group can still answer."""
    if replied_to is not None:
        sent = await storage.polls.by_message(chat_id, replied_to)
    else:
        sent = await storage.polls.latest_in_chat(chat_id)
    if sent is None:
        return NothingToExplain()
    if sent.open_period is not None and now < sent.sent_at + timedelta(seconds=sent.open_period):
        return StillOpen()
    return sent.item_id

"""What a learner is told about their progress: the /stats picture's numbers, /stats text,
and the streak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content.models import ContentBank, McqItem
from bot.domain.due import count_due
from bot.domain.planner import USES_OWN_FITS
from bot.domain.progress import DeckItems, DeckLine, ProgressReport, build_progress
from bot.domain.streaks import current_streak
from bot.domain.timezones import local_date, parse_timezone
from bot.flows.daily import next_prompt_for
from bot.storage import Storage
from bot.storage.records import User

# How far back answers are read for the streak and the heatmap.
STREAK_LOOKBACK = timedelta(days=400)


async def progress_report(
    storage: Storage, bank: ContentBank, user: User, now: datetime
) -> ProgressReport:
    """Everything the picture and its caption show, read in three queries.

    Due counts follow the daily planner (due before the next daily prompt) and only items
    the content bank still has, so /stats says what the daily intro says."""
    totals = await storage.progress.answer_totals(user.user_id)
    memories = {
        item_id: memory
        for item_id, memory in (await storage.reviews.all_for(user.user_id)).items()
        if bank.item(item_id) is not None
    }
    next_prompt = next_prompt_for(user, now)
    return build_progress(
        recent_answers=await storage.progress.answers_since(user.user_id, now - STREAK_LOOKBACK),
        total_answers=totals.quiz,
        total_correct=totals.right,
        total_self_graded=totals.self_graded,
        memories=memories,
        decks=[DeckItems(deck.title, tuple(item.id for item in deck.items)) for deck in bank.decks],
        zone=parse_timezone(user.timezone),
        now=now,
        next_prompt=next_prompt,
        due=count_due(memories, bank, next_prompt),
    )


@dataclass(frozen=True)
class Overview:
    """/stats text's first part: answers per deck and the questions the learner keeps missing.
    Accuracy is about quiz answers only; flashcards and prompts graded by the learner are
    counted apart."""

    answers: int  # quiz answers
    correct: int  # right quiz answers
    self_graded: int
    seen: int
    total: int
    decks: list[DeckLine]
    leeches: list[McqItem]
    # The date of the newest accepted fit to this learner's own answers (None: none yet)
    # and whether the planner uses it (it does not: `planner.USES_OWN_FITS`).
    own_fit: datetime | None = None
    own_fit_in_use: bool = False


async def overview(
    storage: Storage, bank: ContentBank, user_id: int, leech_lapses: int
) -> Overview:
    totals = await storage.progress.totals_by_item(user_id)
    lines = []
    for deck in bank.decks:
        answered = [totals[item.id] for item in deck.items if item.id in totals]
        if answered:
            lines.append(
                DeckLine(
                    title=deck.title,
                    answers=sum(item.quiz for item in answered),
                    correct=sum(item.right for item in answered),
                    seen=len(answered),
                    total=len(deck.items),
                    self_graded=sum(item.self_graded for item in answered),
                )
            )
    own = await storage.memory_fits.learner_fit(user_id)
    leeches = [
        question
        for item_id in await storage.reviews.leeches(user_id, leech_lapses)
        if isinstance(question := bank.item(item_id), McqItem)
    ]
    return Overview(
        answers=sum(item.quiz for item in totals.values()),
        correct=sum(item.right for item in totals.values()),
        self_graded=sum(item.self_graded for item in totals.values()),
        seen=sum(line.seen for line in lines),
        total=sum(len(deck.items) for deck in bank.decks),
        decks=lines,
        leeches=leeches,
        own_fit=own.fitted_at if own is not None else None,
        own_fit_in_use=own is not None and USES_OWN_FITS,
    )


async def streak_for(storage: Storage, user_id: int, now: datetime) -> int:
    user = await storage.users.get(user_id)
    zone = parse_timezone(user.timezone if user else None)
    times = await storage.answers.answer_times_since(user_id, now - STREAK_LOOKBACK)
    return current_streak({local_date(moment, zone) for moment in times}, local_date(now, zone))

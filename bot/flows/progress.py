"""What a learner is told about their progress: the /stats picture's numbers, /stats text,
and the streak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content.models import ContentBank, McqItem
from bot.domain.progress import DeckItems, DeckLine, ProgressReport, build_progress
from bot.domain.streaks import current_streak
from bot.domain.timezones import local_date, parse_timezone
from bot.storage import Storage
from bot.storage.records import User

# How far back answers are read for the streak and the heatmap.
STREAK_LOOKBACK = timedelta(days=400)


async def progress_report(
    storage: Storage, bank: ContentBank, user: User, now: datetime
) -> ProgressReport:
    """Everything the picture and its caption show, read in four queries."""
    total_answers, total_correct = await storage.progress.totals(user.user_id)
    return build_progress(
        recent_answers=await storage.progress.answers_since(user.user_id, now - STREAK_LOOKBACK),
        total_answers=total_answers,
        total_correct=total_correct,
        memories=await storage.reviews.all_for(user.user_id),
        decks=[DeckItems(deck.title, tuple(item.id for item in deck.items)) for deck in bank.decks],
        zone=parse_timezone(user.timezone),
        now=now,
        desired_retention=user.desired_retention,
    )


@dataclass(frozen=True)
class Overview:
    """/stats text's first part: answers per deck and the questions the learner keeps missing."""

    answers: int
    correct: int
    seen: int
    total: int
    decks: list[DeckLine]
    leeches: list[McqItem]


async def overview(
    storage: Storage, bank: ContentBank, user_id: int, leech_lapses: int
) -> Overview:
    totals = await storage.answers.totals_by_item(user_id)
    lines = []
    for deck in bank.decks:
        answered = [totals[item.id] for item in deck.items if item.id in totals]
        if answered:
            lines.append(
                DeckLine(
                    title=deck.title,
                    answers=sum(count for count, _ in answered),
                    correct=sum(right for _, right in answered),
                    seen=len(answered),
                    total=len(deck.items),
                )
            )
    leeches = [
        question
        for item_id in await storage.reviews.leeches(user_id, leech_lapses)
        if isinstance(question := bank.item(item_id), McqItem)
    ]
    return Overview(
        answers=sum(count for count, _ in totals.values()),
        correct=sum(right for _, right in totals.values()),
        seen=sum(line.seen for line in lines),
        total=sum(len(deck.items) for deck in bank.decks),
        decks=lines,
        leeches=leeches,
    )


async def streak_for(storage: Storage, user_id: int, now: datetime) -> int:
    user = await storage.users.get(user_id)
    zone = parse_timezone(user.timezone if user else None)
    times = await storage.answers.answer_times_since(user_id, now - STREAK_LOOKBACK)
    return current_streak({local_date(moment, zone) for moment in times}, local_date(now, zone))

"""What a learner's progress looks like: the numbers behind the /stats picture and its caption.

Pure: answers and memory states in, plain counts out. Days are the learner's local days,
weeks start on Monday, so the heatmap's columns are the weeks the learner lives in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.domain.memory import DEFAULT_RETENTION, MemoryState, recall_probability
from bot.domain.streaks import current_streak

HEATMAP_WEEKS = 12
FORECAST_DAYS = 14
# An item counts as mastered when the learner would recall it now with at least this chance.
MASTERY_RECALL = 0.9


@dataclass(frozen=True)
class AnswerFact:
    """One answer, as far as progress cares."""

    answered_at: datetime
    correct: bool


@dataclass(frozen=True)
class DeckItems:
    title: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeckLine:
    """One deck's line in /stats text: answers given, right, items seen of all."""

    title: str
    answers: int
    correct: int
    seen: int
    total: int


@dataclass(frozen=True)
class DeckMastery:
    title: str
    mastered: int
    total: int

    @property
    def share(self) -> float:
        return self.mastered / self.total if self.total else 0.0


@dataclass(frozen=True)
class WeekAccuracy:
    start: date  # Monday
    answers: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class Headline:
    """The facts the caption states in words, so the picture is never needed to read them."""

    answers: int
    correct: int
    streak: int
    due_today: int
    mastered: int
    items: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class ProgressReport:
    today: date
    headline: Headline
    heatmap_start: date  # the Monday of the first heatmap column
    daily_answers: tuple[int, ...]  # HEATMAP_WEEKS * 7 counts from heatmap_start
    weeks: tuple[WeekAccuracy, ...]  # HEATMAP_WEEKS, oldest first
    forecast: tuple[int, ...]  # FORECAST_DAYS counts, index 0 = today (overdue included)
    mastery: tuple[DeckMastery, ...]

    @property
    def empty(self) -> bool:
        return self.headline.answers == 0


def heatmap_start(today: date) -> date:
    """Monday of the week HEATMAP_WEEKS - 1 weeks before the week holding `today`."""
    return today - timedelta(days=today.weekday(), weeks=HEATMAP_WEEKS - 1)


def build_progress(
    *,
    recent_answers: Iterable[AnswerFact],
    total_answers: int,
    total_correct: int,
    memories: Mapping[str, MemoryState],
    decks: Sequence[DeckItems],
    zone: tzinfo,
    now: datetime,
    desired_retention: float = DEFAULT_RETENTION,
) -> ProgressReport:
    """The learner's report at `now`.

    `recent_answers` must reach back at least as far as the heatmap and the streak should
    see; all-time totals come separately because counting is cheaper where the answers live.
    """
    today = now.astimezone(zone).date()
    start = heatmap_start(today)
    days = HEATMAP_WEEKS * 7
    daily = [0] * days
    week_answers = [0] * HEATMAP_WEEKS
    week_correct = [0] * HEATMAP_WEEKS
    active_days: set[date] = set()
    for answer in recent_answers:
        day = answer.answered_at.astimezone(zone).date()
        active_days.add(day)
        index = (day - start).days
        if 0 <= index < days:
            daily[index] += 1
            week_answers[index // 7] += 1
            week_correct[index // 7] += int(answer.correct)

    forecast = [0] * FORECAST_DAYS
    for memory in memories.values():
        offset = (memory.due.astimezone(zone).date() - today).days
        if offset < FORECAST_DAYS:
            forecast[max(offset, 0)] += 1

    mastery = tuple(
        DeckMastery(
            title=deck.title,
            mastered=sum(
                1
                for item_id in deck.item_ids
                if (state := memories.get(item_id)) is not None
                and recall_probability(state, now, desired_retention) >= MASTERY_RECALL
            ),
            total=len(deck.item_ids),
        )
        for deck in decks
    )
    headline = Headline(
        answers=total_answers,
        correct=total_correct,
        streak=current_streak(active_days, today),
        due_today=forecast[0],
        mastered=sum(deck.mastered for deck in mastery),
        items=sum(deck.total for deck in mastery),
    )
    return ProgressReport(
        today=today,
        headline=headline,
        heatmap_start=start,
        daily_answers=tuple(daily),
        weeks=tuple(
            WeekAccuracy(start + timedelta(weeks=week), week_answers[week], week_correct[week])
            for week in range(HEATMAP_WEEKS)
        ),
        forecast=tuple(forecast),
        mastery=mastery,
    )

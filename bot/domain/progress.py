"""What a learner's progress looks like: the numbers behind the /stats picture and its caption.

Pure: answers and memory states in, plain counts out. Days are the learner's local days,
weeks start on Monday, so the heatmap's columns are the weeks the learner lives in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from fsrs import State

from bot.domain.due import DueCounts
from bot.domain.memory import MemoryState
from bot.domain.planner import is_due_by
from bot.domain.streaks import current_streak

HEATMAP_WEEKS = 12
FORECAST_DAYS = 14
# An item is mastered when its memory lasts: FSRS stability of at least this many days
# (Anki calls such cards "mature"). Not predicted recall now: right after any review,
# even a miss, that is about 100 %, so every item just seen would pass.
MASTERY_STABILITY_DAYS = 21.0


def is_mastered(memory: MemoryState) -> bool:
    """The memory lasts: in review (not relearning after a miss), stability ≥ 21 days.

    An item missed a minute ago is never mastered: the miss puts it back into relearning,
    whatever its stability was before.
    """
    return (
        memory.state == State.Review
        and memory.stability is not None
        and memory.stability >= MASTERY_STABILITY_DAYS
    )


@dataclass(frozen=True)
class AnswerFact:
    """One answer, as far as progress cares."""

    answered_at: datetime
    correct: bool
    # A quiz answer (a poll vote) rather than a flashcard or prompt the learner graded:
    # only quiz answers count towards accuracy.
    quiz: bool = True


@dataclass(frozen=True)
class DeckItems:
    title: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeckLine:
    """One deck's line in /stats text: quiz answers given, right, self-graded reviews apart,
    items seen of all."""

    title: str
    answers: int  # quiz answers
    correct: int  # right quiz answers
    seen: int
    total: int
    self_graded: int = 0  # flashcards and prompts the learner graded


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

    answers: int  # quiz answers: the ones accuracy is about
    correct: int  # right quiz answers
    streak: int
    due: DueCounts  # items due by the next daily prompt (the planner's rule), by kind
    mastered: int
    items: int
    self_graded: int = 0  # flashcards and prompts the learner graded, counted apart

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class ProgressReport:
    today: date
    headline: Headline
    heatmap_start: date  # the Monday of the first heatmap column
    daily_answers: tuple[int, ...]  # HEATMAP_WEEKS * 7 counts from heatmap_start
    weeks: tuple[WeekAccuracy, ...]  # HEATMAP_WEEKS, oldest first (quiz answers only)
    # FORECAST_DAYS counts: index 0 = due by the next daily prompt (overdue included), then
    # the local days after it (an item counted at index 0 is not counted again).
    forecast: tuple[int, ...]
    mastery: tuple[DeckMastery, ...]

    @property
    def empty(self) -> bool:
        return self.headline.answers == 0 and self.headline.self_graded == 0


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
    next_prompt: datetime | None = None,
    due: DueCounts | None = None,
    total_self_graded: int = 0,
) -> ProgressReport:
    """The learner's report at `now`.

    `recent_answers` must reach back at least as far as the heatmap and the streak should
    see; all-time totals (quiz answers, right ones, self-graded reviews) come separately
    because counting is cheaper where the answers live. `next_prompt`: the learner's next
    daily prompt (a day from now when not given); "due" means due before it, as the daily
    planner counts (`is_due_by`); `due` is that count by kind (`count_due`, over the same
    `memories`), else they all count as questions.
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
            if answer.quiz:
                week_answers[index // 7] += 1
                week_correct[index // 7] += int(answer.correct)

    prompt = next_prompt if next_prompt is not None else now + timedelta(days=1)
    forecast = [0] * FORECAST_DAYS
    for memory in memories.values():
        if is_due_by(memory, prompt):
            forecast[0] += 1
            continue
        offset = (memory.due.astimezone(zone).date() - today).days
        if offset < FORECAST_DAYS:
            forecast[max(offset, 1)] += 1

    mastery = tuple(
        DeckMastery(
            title=deck.title,
            mastered=sum(
                1
                for item_id in deck.item_ids
                if (state := memories.get(item_id)) is not None and is_mastered(state)
            ),
            total=len(deck.item_ids),
        )
        for deck in decks
    )
    headline = Headline(
        answers=total_answers,
        correct=total_correct,
        streak=current_streak(active_days, today),
        due=due if due is not None else DueCounts(questions=forecast[0]),
        mastered=sum(deck.mastered for deck in mastery),
        items=sum(deck.total for deck in mastery),
        self_graded=total_self_graded,
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

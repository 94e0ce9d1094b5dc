"""Progress aggregation: local days, weeks from Monday, due forecast, mastery, headline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.due import DueCounts
from bot.domain.memory import Grade, MemoryState, recall_probability, review
from bot.domain.progress import (
    FORECAST_DAYS,
    HEATMAP_WEEKS,
    MASTERY_STABILITY_DAYS,
    AnswerFact,
    DeckItems,
    ProgressReport,
    build_progress,
    heatmap_start,
    is_mastered,
)

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # a Wednesday
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


def report_for(
    answers: list[AnswerFact],
    memories: dict[str, MemoryState] | None = None,
    *,
    decks: list[DeckItems] | None = None,
    zone: tzinfo = UTC,
    now: datetime = NOW,
    next_prompt: datetime | None = None,
) -> ProgressReport:
    quiz = [answer for answer in answers if answer.quiz]
    return build_progress(
        recent_answers=answers,
        total_answers=len(quiz),
        total_correct=sum(answer.correct for answer in quiz),
        total_self_graded=len(answers) - len(quiz),
        memories=memories or {},
        decks=decks if decks is not None else [DeckItems("Deck", ("a", "b", "c", "d"))],
        zone=zone,
        now=now,
        next_prompt=next_prompt,
    )


def memory_due(item_id: str, due: datetime) -> MemoryState:
    return MemoryState(item_id, 2, None, 5.0, 5.0, due, due - timedelta(days=5), 3, 0)


def test_heatmap_starts_on_a_monday_eleven_weeks_before_this_week() -> None:
    start = heatmap_start(date(2026, 12, 2))
    assert start.weekday() == 0
    assert start == date(2026, 11, 30) - timedelta(weeks=HEATMAP_WEEKS - 1)


def test_answers_fall_on_the_learners_local_day() -> None:
    late_evening_utc = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # Wednesday 00:30 in Berlin
    report = report_for([AnswerFact(late_evening_utc, True)], zone=BERLIN)
    index = (date(2026, 12, 2) - report.heatmap_start).days
    assert report.daily_answers[index] == 1
    assert sum(report.daily_answers) == 1
    utc_report = report_for([AnswerFact(late_evening_utc, True)])
    assert utc_report.daily_answers[index - 1] == 1


def test_today_is_the_local_date_of_now() -> None:
    evening = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # already Thursday in Tokyo
    assert report_for([], now=evening, zone=TOKYO).today == date(2026, 12, 3)


def test_weekly_accuracy_counts_each_week_from_monday() -> None:
    this_monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    answers = [
        AnswerFact(this_monday, True),
        AnswerFact(this_monday + timedelta(days=1), False),
        AnswerFact(this_monday - timedelta(hours=12), True),  # Sunday: last week
    ]
    report = report_for(answers)
    assert len(report.weeks) == HEATMAP_WEEKS
    assert report.weeks[-1].start == date(2026, 11, 30)
    assert (report.weeks[-1].answers, report.weeks[-1].correct) == (2, 1)
    assert report.weeks[-1].accuracy == 0.5
    assert (report.weeks[-2].answers, report.weeks[-2].correct) == (1, 1)
    assert report.weeks[0].accuracy is None


def test_answers_older_than_the_heatmap_count_for_the_streak_only() -> None:
    old = NOW - timedelta(weeks=HEATMAP_WEEKS + 2)
    daily = [AnswerFact(NOW - timedelta(days=days), True) for days in range(0, 120)]
    report = report_for([AnswerFact(old, True), *daily])
    assert sum(report.daily_answers) == (NOW.date() - report.heatmap_start).days + 1
    assert report.headline.streak == 120


def test_forecast_puts_what_is_due_by_the_next_prompt_first_and_stops_after_fourteen_days() -> None:
    next_prompt = NOW + timedelta(hours=19)  # tomorrow 09:00
    memories = {
        "a": memory_due("a", NOW - timedelta(days=3)),  # overdue
        "b": memory_due("b", NOW + timedelta(hours=2)),  # later today
        "e": memory_due("e", NOW + timedelta(hours=18)),  # tomorrow 08:00: before the prompt
        "c": memory_due("c", NOW + timedelta(days=1)),  # tomorrow 14:00: after it
        "d": memory_due("d", NOW + timedelta(days=FORECAST_DAYS)),  # beyond the window
    }
    report = report_for([AnswerFact(NOW, True)], memories, next_prompt=next_prompt)
    assert len(report.forecast) == FORECAST_DAYS
    # The planner's rule: due at this prompt means due at any moment before the next one.
    assert report.forecast[0] == 3 == report.headline.due.total
    assert report.forecast[1] == 1
    assert sum(report.forecast) == 4


def test_forecast_days_are_local_days() -> None:
    # 23:30 UTC on 3 Dec is 4 Dec in Berlin: the day after tomorrow there, tomorrow in UTC.
    memories = {"a": memory_due("a", datetime(2026, 12, 3, 23, 30, tzinfo=UTC))}
    assert report_for([], memories).forecast[:3] == (0, 1, 0)
    assert report_for([], memories, zone=BERLIN).forecast[:3] == (0, 0, 1)


def lasting(item_id: str, reviews: int = 6) -> MemoryState:
    """An item answered right every time, each review when it fell due."""
    moment = NOW - timedelta(days=400)
    memory = review(None, item_id, Grade.GOOD, moment)
    for _ in range(reviews):
        moment = max(memory.due, moment + timedelta(minutes=10))
        memory = review(memory, item_id, Grade.GOOD, moment)
    return memory


def test_mastered_means_the_memory_lasts_three_weeks() -> None:
    fresh = review(None, "a", Grade.GOOD, NOW - timedelta(minutes=5))
    kept = lasting("b")
    assert kept.stability is not None and kept.stability >= MASTERY_STABILITY_DAYS
    # Just answered right: recall now is near certain, but the memory has not lasted yet.
    assert recall_probability(fresh, NOW) > 0.9 and not is_mastered(fresh)
    assert is_mastered(kept)
    decks = [DeckItems("One", ("a", "b")), DeckItems("Two", ("c", "x", "y"))]
    report = report_for([AnswerFact(NOW, True)], {"a": fresh, "b": kept}, decks=decks)
    assert [(deck.title, deck.mastered, deck.total) for deck in report.mastery] == [
        ("One", 1, 2),
        ("Two", 0, 3),
    ]
    assert (report.headline.mastered, report.headline.items) == (1, 5)


@given(st.integers(min_value=0, max_value=12))
def test_an_item_missed_a_minute_ago_is_never_mastered(reviews: int) -> None:
    before = lasting("a", reviews)
    missed = review(before, "a", Grade.AGAIN, max(before.due, NOW - timedelta(minutes=1)))
    # Right after any review predicted recall is about 100 %: the old rule counted it.
    assert recall_probability(missed, NOW) > 0.9
    assert not is_mastered(missed)
    report = report_for([AnswerFact(NOW, False)], {"a": missed})
    assert report.headline.mastered == 0


def test_accuracy_counts_quiz_answers_only() -> None:
    answers = [AnswerFact(NOW, True), AnswerFact(NOW, False)]
    answers += [AnswerFact(NOW - timedelta(minutes=n), True, quiz=False) for n in range(4)]
    report = report_for(answers)
    assert (report.headline.answers, report.headline.accuracy) == (2, 0.5)
    assert report.headline.self_graded == 4
    # The heatmap shows activity (every answer); the weekly accuracy quiz answers only.
    assert sum(report.daily_answers) == 6
    assert (report.weeks[-1].answers, report.weeks[-1].correct) == (2, 1)
    only_cards = report_for([AnswerFact(NOW, True, quiz=False)])
    assert not only_cards.empty and only_cards.headline.accuracy is None


def test_due_counts_by_kind_are_the_headlines() -> None:
    due = DueCounts(questions=17, cards=2, prompts=1)
    report = build_progress(
        recent_answers=[],
        total_answers=1,
        total_correct=1,
        memories={},
        decks=[],
        zone=UTC,
        now=NOW,
        due=due,
    )
    assert report.headline.due == due and due.total == 20 and due.self_graded == 3


def test_headline_takes_all_time_totals_and_an_empty_learner_is_empty() -> None:
    report = build_progress(
        recent_answers=[AnswerFact(NOW, False)],
        total_answers=40,
        total_correct=30,
        memories={},
        decks=[],
        zone=UTC,
        now=NOW,
    )
    assert (report.headline.answers, report.headline.accuracy) == (40, 0.75)
    assert not report.empty
    assert report_for([]).empty
    assert report_for([]).headline.accuracy is None


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=200 * 24 * 60), st.booleans()), max_size=60
    ),
    st.sampled_from([UTC, BERLIN, TOKYO, ZoneInfo("America/Los_Angeles")]),
)
def test_every_answer_in_the_window_is_counted_once(
    offsets: list[tuple[int, bool]], zone: ZoneInfo
) -> None:
    answers = [AnswerFact(NOW - timedelta(minutes=minutes), right) for minutes, right in offsets]
    report = report_for(answers, zone=zone)
    start = report.heatmap_start
    inside = [a for a in answers if a.answered_at.astimezone(zone).date() >= start]
    assert sum(report.daily_answers) == len(inside) == sum(w.answers for w in report.weeks)
    assert sum(w.correct for w in report.weeks) == sum(a.correct for a in inside)
    future = (report.today - start).days + 1
    assert not any(report.daily_answers[future:])

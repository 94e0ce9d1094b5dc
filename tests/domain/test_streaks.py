"""Streaks: consecutive local days with at least one answer."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.streaks import current_streak

TODAY = date(2026, 11, 4)


def days_ago(*offsets: int) -> list[date]:
    return [TODAY - timedelta(days=offset) for offset in offsets]


def test_consecutive_days_ending_today_count() -> None:
    assert current_streak(days_ago(0, 1, 2), TODAY) == 3


def test_a_gap_resets_the_streak() -> None:
    assert current_streak(days_ago(0, 1, 3, 4, 5), TODAY) == 2


def test_today_without_an_answer_still_counts_yesterdays_streak() -> None:
    assert current_streak(days_ago(1, 2, 3, 4), TODAY) == 4


def test_no_answer_today_or_yesterday_is_no_streak() -> None:
    assert current_streak(days_ago(2, 3, 4), TODAY) == 0


def test_no_activity_is_no_streak() -> None:
    assert current_streak([], TODAY) == 0


def test_only_today_is_a_streak_of_one() -> None:
    assert current_streak([TODAY], TODAY) == 1


def test_several_answers_on_one_day_count_once() -> None:
    assert current_streak(days_ago(0, 0, 0, 1, 1), TODAY) == 2


def test_days_after_today_are_ignored() -> None:
    assert current_streak(days_ago(-1, 0, 1), TODAY) == 2


def test_streak_crosses_month_and_year_boundaries() -> None:
    new_year = date(2027, 1, 1)
    active = [new_year - timedelta(days=n) for n in range(40)]
    assert current_streak(active, new_year) == 40


def test_input_may_be_any_iterable_in_any_order() -> None:
    assert current_streak(iter(reversed(days_ago(0, 1, 2))), TODAY) == 3

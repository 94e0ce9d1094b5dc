"""Streaks: consecutive local days on which the learner answered at least once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def current_streak(active_days: Iterable[date], today: date) -> int:
    """Days in a row ending today, or ending yesterday if today has no answer yet."""
    days = set(active_days)
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak

"""Group challenge scoring (Kahoot-style) and ranking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_POINTS = 1000


def challenge_points(correct: bool, seconds: float, open_period: int) -> int:
    """Wrong: 0. Right: 1000 for an instant answer, falling linearly to 500 at the deadline."""
    if not correct:
        return 0
    elapsed = min(max(seconds, 0.0), float(open_period))
    return round(MAX_POINTS * (1 - elapsed / (2 * open_period)))


@dataclass(frozen=True)
class ScoredAnswer:
    user_id: int
    first_name: str
    correct: bool
    points: int
    seconds: float


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    first_name: str
    right: int
    points: int
    seconds: float


@dataclass(frozen=True)
class Tally:
    """One member's totals over a round or a period."""

    user_id: int
    first_name: str
    right: int
    points: int
    seconds: float


def tally(answers: Iterable[ScoredAnswer]) -> list[Tally]:
    totals: dict[int, Tally] = {}
    for answer in answers:
        current = totals.get(answer.user_id, Tally(answer.user_id, answer.first_name, 0, 0, 0.0))
        totals[answer.user_id] = Tally(
            answer.user_id,
            current.first_name,
            current.right + int(answer.correct),
            current.points + answer.points,
            current.seconds + answer.seconds,
        )
    return list(totals.values())


def rank_tallies(tallies: Iterable[Tally]) -> list[Standing]:
    """Most points first; ties go to the lower total answer time, then the lower user id."""
    ordered = sorted(tallies, key=lambda t: (-t.points, t.seconds, t.user_id))
    return [
        Standing(position, t.user_id, t.first_name, t.right, t.points, t.seconds)
        for position, t in enumerate(ordered, start=1)
    ]


def rank(answers: Iterable[ScoredAnswer]) -> list[Standing]:
    return rank_tallies(tally(answers))


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week holding `now` (leaderboards' "this week")."""
    day = now.astimezone(UTC).date() - timedelta(days=now.astimezone(UTC).weekday())
    return datetime(day.year, day.month, day.day, tzinfo=UTC)

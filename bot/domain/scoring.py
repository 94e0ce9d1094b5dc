"""Group challenge scoring (Kahoot-style) and ranking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


def rank(answers: Iterable[ScoredAnswer]) -> list[Standing]:
    """Most points first; ties go to the lower total answer time, then the lower user id."""
    totals: dict[int, tuple[str, int, int, float]] = {}
    for answer in answers:
        name, right, points, seconds = totals.get(answer.user_id, (answer.first_name, 0, 0, 0.0))
        totals[answer.user_id] = (
            name,
            right + int(answer.correct),
            points + answer.points,
            seconds + answer.seconds,
        )
    ordered = sorted(totals.items(), key=lambda entry: (-entry[1][2], entry[1][3], entry[0]))
    return [
        Standing(position, user_id, name, right, points, seconds)
        for position, (user_id, (name, right, points, seconds)) in enumerate(ordered, start=1)
    ]

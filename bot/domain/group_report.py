"""A teacher's view of a group: which challenge questions the class gets wrong, who is missing.

Pure: per-question tallies and member lists in, an ordered report out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionTally:
    """Every challenge answer the group gave to one question."""

    item_id: str
    answers: int
    correct: int
    members: int  # distinct members who answered it

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class QuestionLine:
    item_id: str
    question: str
    answers: int
    correct: int
    members: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class Member:
    user_id: int
    first_name: str


@dataclass(frozen=True)
class GroupReport:
    questions: tuple[QuestionLine, ...]  # hardest first
    members: int  # everyone who ever answered a challenge here
    absent: tuple[Member, ...]  # of those, who has not played this week

    @property
    def empty(self) -> bool:
        return not self.questions


def build_group_report(
    tallies: Iterable[QuestionTally],
    questions: Mapping[str, str],
    members: Iterable[Member],
    played_this_week: Iterable[int],
) -> GroupReport:
    """Questions ordered hardest first: lowest accuracy, then the most answered, then by id.

    `questions` maps item id to its question text; an item no longer in the bank keeps its id.
    """
    lines = sorted(
        (
            QuestionLine(
                item_id=tally.item_id,
                question=questions.get(tally.item_id, tally.item_id),
                answers=tally.answers,
                correct=tally.correct,
                members=tally.members,
            )
            for tally in tallies
            if tally.answers > 0
        ),
        key=lambda line: (line.accuracy, -line.answers, line.item_id),
    )
    everyone = sorted(
        set(members), key=lambda member: (member.first_name.casefold(), member.user_id)
    )
    present = set(played_this_week)
    return GroupReport(
        questions=tuple(lines),
        members=len(everyone),
        absent=tuple(member for member in everyone if member.user_id not in present),
    )

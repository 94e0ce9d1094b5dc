"""A teacher's view of a group: which challenge questions the class gets wrong, who is missing.

Pure: per-question tallies and member lists in, an ordered report out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace


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


def people_in_group(member_count: int, other_bots: int) -> int:
    """People in a group from Telegram's getChatMemberCount, which counts every member,
    bots too: this bot and the other bots seen joining are taken off."""
    return max(0, member_count - 1 - other_bots)


@dataclass(frozen=True)
class GroupReport:
    questions: tuple[QuestionLine, ...]  # hardest first
    # People in the group (Telegram's count less bots); at least the players still in it.
    members: int
    absent: tuple[Member, ...]  # players still in the group who have not played this week
    played: int = 0  # members who played this week
    players: int = 0  # members who ever answered a challenge here

    @property
    def empty(self) -> bool:
        return not self.questions

    @property
    def not_played(self) -> int:
        """Members who have not played this week: the absent players and those never seen."""
        return max(0, self.members - self.played)


def build_group_report(
    tallies: Iterable[QuestionTally],
    questions: Mapping[str, str],
    members: Iterable[Member],
    played_this_week: Iterable[int],
    *,
    group_size: int | None = None,
    departed: Collection[int] = (),
) -> GroupReport:
    """Questions ordered hardest first: lowest accuracy, then the most answered, then by id.

    `questions` maps item id to its question text; an item no longer in the bank keeps its id.
    `members`: everyone who ever answered a challenge here; `departed`: those of them who
    left the group since. `group_size`: the people in the group as Telegram counts them
    (None when unknown: then only the players are known to be members).
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
    gone = set(departed)
    players = sorted(
        {member for member in members if member.user_id not in gone},
        key=lambda member: (member.first_name.casefold(), member.user_id),
    )
    present = set(played_this_week) & {member.user_id for member in players}
    size = max(group_size or 0, len(players))
    return GroupReport(
        # A member who left still counts among a question's answers, not among its members.
        questions=tuple(replace(line, members=min(line.members, size)) for line in lines),
        members=size,
        absent=tuple(member for member in players if member.user_id not in present),
        played=len(present),
        players=len(players),
    )

"""Read-only queries behind /stats, /groupstats and the answer export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from bot.domain.group_report import Member, QuestionTally
from bot.domain.progress import AnswerFact
from bot.storage.challenge_totals import ALL_TIME, period_of
from bot.storage.database import Database, from_db_time, to_db_time

EXPORT_BATCH = 5000


@dataclass(frozen=True)
class ExportedAnswer:
    """One answer with what an export needs to describe it."""

    answer_id: int
    user_id: int
    timezone: str | None
    item_id: str
    chosen_option: int | None  # content order; None for self-graded items
    grade: str
    correct: bool
    answered_at: datetime
    seconds: float | None
    context: str


@dataclass(frozen=True)
class AnswerTotals:
    """Quiz answers (poll votes, the ones accuracy is about) and self-graded reviews
    (flashcards and prompts: no option chosen) counted apart."""

    quiz: int = 0
    right: int = 0  # right quiz answers
    self_graded: int = 0


# A quiz answer names the option chosen; a flashcard or prompt the learner graded does not.
_IS_QUIZ = "chosen_option IS NOT NULL"


class ProgressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def answer_totals(self, user_id: int) -> AnswerTotals:
        """One learner's answers, all time, quiz answers and self-graded reviews apart."""
        row = await self._db.fetch_one(
            f"SELECT COALESCE(SUM(CASE WHEN {_IS_QUIZ} THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN {_IS_QUIZ} THEN correct ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN {_IS_QUIZ} THEN 0 ELSE 1 END), 0)"
            " FROM answers WHERE user_id = ?",
            (user_id,),
        )
        return AnswerTotals(int(row[0]), int(row[1]), int(row[2])) if row else AnswerTotals()

    async def totals_by_item(self, user_id: int) -> dict[str, AnswerTotals]:
        """item id → that item's answers by one learner, quiz and self-graded apart."""
        rows = await self._db.fetch_all(
            f"SELECT item_id, SUM(CASE WHEN {_IS_QUIZ} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {_IS_QUIZ} THEN correct ELSE 0 END),"
            f" SUM(CASE WHEN {_IS_QUIZ} THEN 0 ELSE 1 END)"
            " FROM answers WHERE user_id = ? GROUP BY item_id",
            (user_id,),
        )
        return {
            row[0]: AnswerTotals(int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))
            for row in rows
        }

    async def totals(self, user_id: int) -> tuple[int, int]:
        """(answers, right answers) of one learner, all time."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM answers WHERE user_id = ?",
            (user_id,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def answers_since(self, user_id: int, since: datetime) -> list[AnswerFact]:
        rows = await self._db.fetch_all(
            f"SELECT answered_at, correct, {_IS_QUIZ} FROM answers"
            " WHERE user_id = ? AND answered_at >= ?",
            (user_id, to_db_time(since)),
        )
        return [AnswerFact(from_db_time(row[0]), bool(row[1]), bool(row[2])) for row in rows]

    async def challenge_tallies(self, chat_id: int) -> list[QuestionTally]:
        """Per question: every challenge answer given in this group (running totals)."""
        rows = await self._db.fetch_all(
            'SELECT item_id, SUM(answers), SUM("right"), COUNT(*) FROM challenge_item_totals'
            " WHERE chat_id = ? GROUP BY item_id",
            (chat_id,),
        )
        return [QuestionTally(row[0], int(row[1]), int(row[2]), int(row[3])) for row in rows]

    async def challenge_members(self, chat_id: int) -> list[Member]:
        """Everyone who ever answered a challenge in this group (and was not forgotten since)."""
        rows = await self._db.fetch_all(
            "SELECT u.user_id, u.first_name FROM challenge_totals t"
            " JOIN users u ON u.user_id = t.user_id WHERE t.chat_id = ? AND t.period = ?",
            (chat_id, ALL_TIME),
        )
        return [Member(row[0], row[1]) for row in rows]

    async def challenge_players_in_week(self, chat_id: int, week: datetime) -> set[int]:
        """Who answered a challenge in this group in the week (Monday, UTC) holding `week`."""
        rows = await self._db.fetch_all(
            "SELECT user_id FROM challenge_totals WHERE chat_id = ? AND period = ?",
            (chat_id, period_of(week)),
        )
        return {int(row[0]) for row in rows}

    async def export(
        self, user_id: int | None = None, since: datetime | None = None
    ) -> AsyncIterator[list[ExportedAnswer]]:
        """Answers in the order given, in batches, so a large export stays small in memory."""
        conditions = ["a.id > ?"]
        filters: list[object] = []
        if user_id is not None:
            conditions.append("a.user_id = ?")
            filters.append(user_id)
        if since is not None:
            conditions.append("a.answered_at >= ?")
            filters.append(to_db_time(since))
        sql = (
            "SELECT a.id, a.user_id, u.timezone, a.item_id, a.chosen_option, a.grade, a.correct,"
            " a.answered_at, a.seconds, a.context FROM answers a"
            " JOIN users u ON u.user_id = a.user_id"
            f" WHERE {' AND '.join(conditions)} ORDER BY a.id LIMIT ?"
        )
        after = 0
        while True:
            rows = await self._db.fetch_all(sql, (after, *filters, EXPORT_BATCH))
            if not rows:
                return
            yield [
                ExportedAnswer(
                    answer_id=row[0],
                    user_id=row[1],
                    timezone=row[2],
                    item_id=row[3],
                    chosen_option=row[4],
                    grade=row[5],
                    correct=bool(row[6]),
                    answered_at=from_db_time(row[7]),
                    seconds=row[8],
                    context=row[9],
                )
                for row in rows
            ]
            after = rows[-1][0]

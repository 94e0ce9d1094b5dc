"""Read-only queries behind the Mini App dashboard (bot/flows/dashboard.py).

Portable SQL with `?` placeholders: nothing here is SQLite-only, so the PostgreSQL backend
can run the same statements. Times are integer milliseconds since the epoch (UTC).

Every group query is bounded by a page of students (at most `limit` members) or reads the
running totals (challenge_totals, challenge_item_totals), never every answer of a big group.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.purpose import Purpose
from bot.storage.challenge_totals import ALL_TIME
from bot.storage.database import Database, from_db_time, to_db_time

SortKey = Literal["points", "right", "name"]
EXPORT_BATCH = 5000

_ORDER: dict[tuple[SortKey, bool], str] = {
    ("points", True): "t.points DESC, t.seconds, t.user_id",
    ("points", False): "t.points, t.seconds DESC, t.user_id",
    ("right", True): 't."right" DESC, t.points DESC, t.user_id',
    ("right", False): 't."right", t.points, t.user_id',
    ("name", False): "u.first_name, t.user_id",
    ("name", True): "u.first_name DESC, t.user_id",
}


@dataclass(frozen=True)
class MissedAnswer:
    """An item whose latest answer by this learner was wrong."""

    item_id: str
    misses: int
    last_missed_at: datetime


@dataclass(frozen=True)
class Round:
    id: int
    deck_id: str
    item_ids: tuple[str, ...]
    started_at: datetime


@dataclass(frozen=True)
class StudentRow:
    user_id: int
    first_name: str
    right: int
    points: int


@dataclass(frozen=True)
class Cell:
    answers: int
    right: int


@dataclass(frozen=True)
class WeekTotal:
    period: str  # the week's Monday, YYYY-MM-DD
    right: int
    points: int


@dataclass(frozen=True)
class ResultRow:
    user_id: int
    first_name: str
    item_id: str
    answers: int
    right: int


class DashboardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- a learner ----------------------------------------------------------------------

    async def missed(self, user_id: int, limit: int) -> list[MissedAnswer]:
        """Items the learner got wrong the last time, latest first, with how often missed."""
        rows = await self._db.fetch_all(
            "SELECT a.item_id, a.answered_at, s.misses FROM answers a JOIN"
            " (SELECT item_id, MAX(id) AS last_id, SUM(1 - correct) AS misses FROM answers"
            "  WHERE user_id = ? GROUP BY item_id) s ON a.id = s.last_id"
            " WHERE a.correct = 0 ORDER BY a.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [MissedAnswer(row[0], int(row[2]), from_db_time(row[1])) for row in rows]

    # ---- a group ------------------------------------------------------------------------

    async def rounds(self, chat_id: int) -> list[Round]:
        """Every challenge round the group played, oldest first (a few per week)."""
        rows = await self._db.fetch_all(
            "SELECT id, deck_id, item_ids, started_at FROM challenges WHERE chat_id = ?"
            " ORDER BY started_at, id",
            (chat_id,),
        )
        return [
            Round(row[0], row[1], tuple(json.loads(row[2])), from_db_time(row[3])) for row in rows
        ]

    async def question_totals(self, chat_id: int, period: str | None) -> dict[str, Cell]:
        """Per question, all time or in the week `period`: answers and right answers
        (running totals, a row per question)."""
        rows = await self._db.fetch_all(
            'SELECT item_id, answers, "right" FROM challenge_question_totals'
            " WHERE chat_id = ? AND period = ?",
            (chat_id, period or ALL_TIME),
        )
        return {row[0]: Cell(int(row[1]), int(row[2])) for row in rows}

    async def students(
        self,
        chat_id: int,
        period: str | None,
        sort: SortKey,
        descending: bool,
        offset: int,
        limit: int,
    ) -> tuple[list[StudentRow], int]:
        """A page of the members who played (in the week `period`, or ever), and how many."""
        key = period or ALL_TIME
        rows = await self._db.fetch_all(
            'SELECT t.user_id, u.first_name, t."right", t.points FROM challenge_totals t'
            " JOIN users u ON u.user_id = t.user_id WHERE t.chat_id = ? AND t.period = ?"
            f" ORDER BY {_ORDER[(sort, descending)]} LIMIT ? OFFSET ?",
            (chat_id, key, limit, offset),
        )
        count = await self._db.fetch_one(
            "SELECT COUNT(*) FROM challenge_totals WHERE chat_id = ? AND period = ?",
            (chat_id, key),
        )
        return (
            [StudentRow(row[0], row[1], int(row[2]), int(row[3])) for row in rows],
            int(count[0]) if count else 0,
        )

    async def cells(
        self,
        chat_id: int,
        user_ids: Sequence[int],
        item_ids: Sequence[str],
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[tuple[int, str], Cell]:
        """(member, question) → their challenge answers here, all time or in [since, until)."""
        if not user_ids or not item_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        if since is None or until is None:
            # Every key column named: a seek per (question, member) on the primary key.
            items = ", ".join("?" for _ in item_ids)
            rows = await self._db.fetch_all(
                'SELECT user_id, item_id, answers, "right" FROM challenge_item_totals'
                f" WHERE chat_id = ? AND item_id IN ({items}) AND user_id IN ({marks})",
                (chat_id, *item_ids, *user_ids),
            )
        else:
            rows = await self._db.fetch_all(
                "SELECT user_id, item_id, COUNT(*), SUM(correct) FROM answers"
                f" WHERE user_id IN ({marks}) AND chat_id = ? AND context = ?"
                " AND answered_at >= ? AND answered_at < ? GROUP BY user_id, item_id",
                (*user_ids, chat_id, Purpose.CHALLENGE.value, to_db_time(since), to_db_time(until)),
            )
        return {(row[0], row[1]): Cell(int(row[2]), int(row[3])) for row in rows}

    async def last_active(self, chat_id: int, user_ids: Sequence[int]) -> dict[int, datetime]:
        """Each member's latest challenge answer in this group: per member, their answers
        newest first (answers_user holds them in id order) until one is a challenge answer
        here, instead of every answer they ever gave (3x less work at 150 answers each)."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self._db.fetch_all(
            "SELECT u.user_id, (SELECT a.answered_at FROM answers a WHERE a.user_id = u.user_id"
            "  AND a.chat_id = ? AND a.context = ? ORDER BY a.id DESC LIMIT 1)"
            f" FROM users u WHERE u.user_id IN ({marks})",
            (chat_id, Purpose.CHALLENGE, *user_ids),
        )
        return {row[0]: from_db_time(row[1]) for row in rows if row[1] is not None}

    async def week_totals(self, chat_id: int, user_id: int) -> list[WeekTotal]:
        """One member's challenge totals per week, oldest first."""
        rows = await self._db.fetch_all(
            'SELECT period, "right", points FROM challenge_totals'
            " WHERE chat_id = ? AND user_id = ? AND period <> ? ORDER BY period",
            (chat_id, user_id, ALL_TIME),
        )
        return [WeekTotal(row[0], int(row[1]), int(row[2])) for row in rows]

    async def played(self, chat_id: int, period: str) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM challenge_totals WHERE chat_id = ? AND period = ?",
            (chat_id, period),
        )
        return int(row[0]) if row else 0

    async def is_player(self, chat_id: int, user_id: int) -> str | None:
        """The member's first name if they ever played here, else None."""
        row = await self._db.fetch_one(
            "SELECT u.first_name FROM challenge_totals t JOIN users u ON u.user_id = t.user_id"
            " WHERE t.chat_id = ? AND t.period = ? AND t.user_id = ?",
            (chat_id, ALL_TIME, user_id),
        )
        return str(row[0]) if row else None

    async def results(self, chat_id: int) -> AsyncIterator[list[ResultRow]]:
        """Every (member, question) total of the group, in batches, for the CSV download."""
        after: tuple[int, str] = (0, "")
        while True:
            rows = await self._db.fetch_all(
                'SELECT t.user_id, u.first_name, t.item_id, t.answers, t."right"'
                " FROM challenge_item_totals t JOIN users u ON u.user_id = t.user_id"
                " WHERE t.chat_id = ? AND (t.user_id > ? OR (t.user_id = ? AND t.item_id > ?))"
                " ORDER BY t.user_id, t.item_id LIMIT ?",
                (chat_id, after[0], after[0], after[1], EXPORT_BATCH),
            )
            if not rows:
                return
            yield [ResultRow(row[0], row[1], row[2], int(row[3]), int(row[4])) for row in rows]
            after = (rows[-1][0], rows[-1][2])

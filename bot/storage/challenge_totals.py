"""Running challenge totals, written with each answer: per (group, period, member), read by
the boards, per (group, question, member), read by /groupstats, and per (group, period,
question), read by the Mini App's matrix.

Kept apart from `AnswerRepository.record` so that whatever shape the answer write
takes (one row, or many in one group commit), it calls `add_challenge_answer`
with the same connection inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.purpose import Purpose
from bot.domain.scoring import Standing, week_start
from bot.storage.database import Connection, Database, Row, write_rows
from bot.storage.records import NewAnswer

ALL_TIME = "all"

_ADD = (
    'INSERT INTO challenge_totals (chat_id, period, user_id, "right", points, seconds)'
    " SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6"
    " FROM {rows} WHERE true ON CONFLICT (chat_id, period, user_id) DO UPDATE SET"
    ' "right" = challenge_totals."right" + excluded."right",'
    " points = challenge_totals.points + excluded.points,"
    " seconds = challenge_totals.seconds + excluded.seconds"
)
_ADD_ITEM = (
    'INSERT INTO challenge_item_totals (chat_id, item_id, user_id, answers, "right")'
    " SELECT v.column1, v.column2, v.column3, v.column4, v.column5"
    " FROM {rows} WHERE true ON CONFLICT (chat_id, item_id, user_id) DO UPDATE SET"
    " answers = challenge_item_totals.answers + excluded.answers,"
    ' "right" = challenge_item_totals."right" + excluded."right"'
)
_ADD_QUESTION = (
    'INSERT INTO challenge_question_totals (chat_id, period, item_id, answers, "right")'
    " SELECT v.column1, v.column2, v.column3, v.column4, v.column5"
    " FROM {rows} WHERE true ON CONFLICT (chat_id, period, item_id) DO UPDATE SET"
    " answers = challenge_question_totals.answers + excluded.answers,"
    ' "right" = challenge_question_totals."right" + excluded."right"'
)
# Same order as bot.domain.scoring.rank_tallies.
_ORDER = "t.points DESC, t.seconds, t.user_id"


def period_of(moment: datetime) -> str:
    """The week an answer counts for: its Monday (UTC) as YYYY-MM-DD."""
    return week_start(moment).date().isoformat()


async def add_challenge_answers(db: Connection, answers: Iterable[NewAnswer]) -> None:
    """A group commit's challenge answers, inside the caller's transaction.

    Summed per row first: a group answering one poll adds to the same two question rows
    once per member, and one upsert per key instead of one per answer spares the database
    a new version of that row for every member (on PostgreSQL most of the batch's time).
    """
    totals: dict[tuple[int, str, int], list[float]] = {}
    items: dict[tuple[int, str, int], list[int]] = {}
    questions: dict[tuple[int, str, str], list[int]] = {}
    for answer in answers:
        if answer.context != Purpose.CHALLENGE:
            continue
        right = int(answer.correct)
        week = period_of(answer.answered_at)
        for period in (week, ALL_TIME):
            total = totals.setdefault((answer.chat_id, period, answer.user_id), [0, 0, 0.0])
            total[0] += right
            total[1] += answer.points
            total[2] += answer.seconds or 0.0
            question = questions.setdefault((answer.chat_id, period, answer.item_id), [0, 0])
            question[0] += 1
            question[1] += right
        item = items.setdefault((answer.chat_id, answer.item_id, answer.user_id), [0, 0])
        item[0] += 1
        item[1] += right
    if totals:
        await write_rows(
            db,
            _ADD,
            ("BIGINT", "TEXT", "BIGINT", "INTEGER", "INTEGER", "DOUBLE PRECISION"),
            [(*key, *sums) for key, sums in totals.items()],
        )
        await write_rows(
            db,
            _ADD_ITEM,
            ("BIGINT", "TEXT", "BIGINT", "INTEGER", "INTEGER"),
            [(*key, *sums) for key, sums in items.items()],
        )
        await write_rows(
            db,
            _ADD_QUESTION,
            ("BIGINT", "TEXT", "TEXT", "INTEGER", "INTEGER"),
            [(*key, *sums) for key, sums in questions.items()],
        )


async def board(
    database: Database, chat_id: int, since: datetime | None, caller_id: int, size: int
) -> list[Standing]:
    """The top `size` standings, plus the caller's own when they rank below them."""
    period = ALL_TIME if since is None else period_of(since)
    rows = await database.fetch_all(
        'SELECT t.user_id, u.first_name, t."right", t.points, t.seconds FROM challenge_totals t'
        " JOIN users u ON u.user_id = t.user_id WHERE t.chat_id = ? AND t.period = ?"
        f" ORDER BY {_ORDER} LIMIT ?",
        (chat_id, period, size),
    )
    standings = [
        Standing(
            rank, row["user_id"], row["first_name"], row["right"], row["points"], row["seconds"]
        )
        for rank, row in enumerate(rows, start=1)
    ]
    if len(standings) < size or any(s.user_id == caller_id for s in standings):
        return standings
    mine = await database.fetch_one(
        'SELECT t.user_id, u.first_name, t."right", t.points, t.seconds,'
        " (SELECT COUNT(*) FROM challenge_totals o WHERE o.chat_id = t.chat_id"
        "  AND o.period = t.period AND (o.points > t.points OR (o.points = t.points"
        "  AND (o.seconds < t.seconds OR (o.seconds = t.seconds AND o.user_id < t.user_id)))))"
        " AS ahead FROM challenge_totals t JOIN users u ON u.user_id = t.user_id"
        " WHERE t.chat_id = ? AND t.period = ? AND t.user_id = ?",
        (chat_id, period, caller_id),
    )
    if mine is not None:
        standings.append(_standing(mine["ahead"] + 1, mine))
    return standings


def _standing(rank: int, row: Row) -> Standing:
    return Standing(
        rank, row["user_id"], row["first_name"], row["right"], row["points"], row["seconds"]
    )

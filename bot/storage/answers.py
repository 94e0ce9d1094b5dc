"""Answers are facts, written once: (poll, user) is unique.

Answers arrive in bursts (a group of thousands answering one poll), and SQLite pays per
transaction and per hop to aiosqlite's thread, not per row. So `write` is a group commit:
every answer submitted while the previous batch was being written goes into the next
batch, one transaction that registers the learners, reads their retention and memory
states, and inserts every answer, memory state and challenge total with one statement
each. Each caller's `write` returns only once its batch is committed: an update is never
marked handled before its answer is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import aiosqlite

from bot.domain.memory import DEFAULT_RETENTION, MemoryState
from bot.storage.challenge_totals import add_challenge_answers
from bot.storage.database import Database, from_db_time, rows_for_pairs, to_db_time
from bot.storage.records import Answer, NewAnswer
from bot.storage.reviews import memories_of, upsert_memories
from bot.storage.users import ensure_users, retentions_of

log = logging.getLogger(__name__)

# Answers per transaction: bounded so one batch never holds the write lock for long.
MAX_BATCH = 1000

# Given the learner's memory of the item before this answer (None: first time) and their
# desired retention: the grade to store and the memory state the answer leads to.
Decision = Callable[[MemoryState | None, float], tuple[str, MemoryState | None]]


@dataclass(frozen=True)
class AnswerWrite:
    """One answer to store; `answer.grade` is replaced by what `decide` says."""

    answer: NewAnswer
    decide: Decision
    # Registers the learner (or refreshes their names) in the same transaction; None when
    # the learner is known to exist.
    learner: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class Recorded:
    stored: bool  # False: stored before (a redelivered update, a graded message's 2nd press)
    memory: MemoryState | None = None


def _params(answer: NewAnswer) -> tuple[object, ...]:
    return (
        answer.user_id,
        answer.item_id,
        answer.chat_id,
        answer.poll_id,  # twice: the poll key's lookup tests it, then reads it
        answer.poll_id,
        answer.chosen_option,
        answer.grade,
        int(answer.correct),
        to_db_time(answer.answered_at),
        answer.seconds,
        answer.context,
        answer.session_id,
        answer.points,
        answer.message_id,
    )


# The sent poll's key, by Telegram's poll id. A poll id we never stored gives 0, which no
# sent poll has: the foreign key then refuses the answer loudly instead of storing it
# without the (poll, user) uniqueness that keeps a redelivered answer from counting twice.
_POLL_REF = (
    "CASE WHEN ? IS NULL THEN NULL"
    " ELSE COALESCE((SELECT id FROM sent_polls WHERE poll_id = ?), 0) END"
)
_INSERT = (
    "INSERT INTO answers (user_id, item_id, chat_id, poll_ref, chosen_option, grade,"
    " correct, answered_at, seconds, context, session_id, points, message_id)"
    f" VALUES (?, ?, ?, {_POLL_REF}, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "user_id, item_id, chat_id, correct, answered_at, context, session_id, seconds, points"


def _answer(row: aiosqlite.Row) -> Answer:
    return Answer(
        user_id=row["user_id"],
        item_id=row["item_id"],
        chat_id=row["chat_id"],
        correct=bool(row["correct"]),
        answered_at=from_db_time(row["answered_at"]),
        context=row["context"],
        session_id=row["session_id"],
        seconds=row["seconds"],
        points=row["points"],
    )


class AnswerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[AnswerWrite, asyncio.Future[Recorded]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, item: AnswerWrite) -> Recorded:
        """Store one answer with the memory state it leads to, in the next group commit."""
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="answer-writer")
        return await future

    async def flush(self) -> None:
        """Wait until every answer submitted so far is committed (before scoring a round)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                outcomes = await self._write_batch([item for item, _ in batch])
            except Exception as error:  # the whole transaction failed: every caller sees why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _write_batch(self, items: Sequence[AnswerWrite]) -> list[Recorded | Exception]:
        async with self._db.transaction() as db:
            learners = {
                item.answer.user_id: (item.answer.user_id, *item.learner)
                for item in items
                if item.learner is not None
            }
            if learners:
                now = max(item.answer.answered_at for item in items)
                await ensure_users(db, list(learners.values()), now)
            already = await _stored_poll_answers(
                db,
                {
                    (item.answer.poll_id, item.answer.user_id)
                    for item in items
                    if item.answer.poll_id is not None
                },
            )
            graded = await _graded_messages(
                db,
                {
                    (item.answer.chat_id, item.answer.message_id)
                    for item in items
                    if item.answer.message_id is not None
                },
            )
            retention = await retentions_of(db, {item.answer.user_id for item in items})
            memories = await memories_of(
                db, {(item.answer.user_id, item.answer.item_id) for item in items}
            )
            outcomes: list[Recorded | Exception] = []
            answers: list[NewAnswer] = []
            changed: dict[tuple[int, str], MemoryState] = {}
            for item in items:
                answer = item.answer
                if answer.poll_id is not None:
                    key = (answer.poll_id, answer.user_id)
                    if key in already:
                        outcomes.append(Recorded(stored=False))
                        continue
                    already.add(key)
                if answer.message_id is not None:
                    message = (answer.chat_id, answer.message_id)
                    if message in graded:
                        outcomes.append(Recorded(stored=False))
                        continue
                    graded.add(message)
                pair = (answer.user_id, answer.item_id)
                try:
                    grade, memory = item.decide(
                        memories.get(pair), retention.get(answer.user_id, DEFAULT_RETENTION)
                    )
                except Exception as error:  # one answer's bug must not lose the batch
                    log.exception("could not grade answer of %s to %s", *pair)
                    outcomes.append(error)
                    continue
                answers.append(replace(answer, grade=grade))
                if memory is not None:
                    memories[pair] = changed[pair] = memory
                outcomes.append(Recorded(stored=True, memory=memory))
            if answers:
                await db.executemany(_INSERT, [_params(answer) for answer in answers])
                await add_challenge_answers(db, answers)
            if changed:
                await upsert_memories(
                    db, [(user_id, memory) for (user_id, _), memory in changed.items()]
                )
        return outcomes

    async def record(self, answer: NewAnswer, memory: MemoryState | None) -> bool:
        """Store an answer already graded, with the memory state it produced (the same group
        commit as `write`). False (and nothing changed) when this poll answer was stored before.
        """
        recorded = await self.write(
            AnswerWrite(answer, lambda previous, retention: (answer.grade, memory))
        )
        return recorded.stored

    async def message_graded(self, chat_id: int, message_id: int) -> bool:
        """Whether a flashcard or prompt message was graded (its answer is stored)."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM answers WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return row is not None

    async def for_session(self, user_id: int, session_id: int) -> list[Answer]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM answers WHERE user_id = ? AND session_id = ? ORDER BY id",
            (user_id, session_id),
        )
        return [_answer(row) for row in rows]

    async def for_user(self, user_id: int) -> list[Answer]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM answers WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_answer(row) for row in rows]

    async def totals_by_item(self, user_id: int) -> dict[str, tuple[int, int]]:
        """item id → (answers, right answers) for one learner."""
        rows = await self._db.fetch_all(
            "SELECT item_id, COUNT(*) AS answers, SUM(correct) AS right FROM answers"
            " WHERE user_id = ? GROUP BY item_id",
            (user_id,),
        )
        return {row["item_id"]: (row["answers"], row["right"] or 0) for row in rows}

    async def answer_times_since(self, user_id: int, since: datetime) -> list[datetime]:
        rows = await self._db.fetch_all(
            "SELECT answered_at FROM answers WHERE user_id = ? AND answered_at >= ?"
            " ORDER BY answered_at",
            (user_id, to_db_time(since)),
        )
        return [from_db_time(row["answered_at"]) for row in rows]

    async def missed_since(self, user_id: int, since: datetime) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT item_id FROM answers WHERE user_id = ? AND correct = 0"
            " AND answered_at >= ?",
            (user_id, to_db_time(since)),
        )
        return {row["item_id"] for row in rows}

    async def new_items_since(self, user_id: int, since: datetime) -> int:
        """How many items the learner met for the first time at or after `since`."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM (SELECT MIN(answered_at) AS first FROM answers"
            " WHERE user_id = ? GROUP BY item_id) WHERE first >= ?",
            (user_id, to_db_time(since)),
        )
        return int(row[0]) if row else 0


async def _graded_messages(
    db: aiosqlite.Connection, keys: set[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Which of these (chat, message) card or prompt messages are graded already."""
    rows = await rows_for_pairs(
        db,
        "SELECT v.column1, v.column2 FROM {pairs} CROSS JOIN answers a"
        " ON a.chat_id = v.column1 AND a.message_id = v.column2 WHERE a.message_id IS NOT NULL",
        keys,
    )
    return {(int(row[0]), int(row[1])) for row in rows}


async def _stored_poll_answers(
    db: aiosqlite.Connection, keys: set[tuple[str, int]]
) -> set[tuple[str, int]]:
    """Which of these (poll, user) answers are stored already, inside the caller's transaction."""
    rows = await rows_for_pairs(
        db,
        "SELECT v.column1, v.column2 FROM {pairs}"
        " CROSS JOIN sent_polls s ON s.poll_id = v.column1"
        " CROSS JOIN answers a ON a.poll_ref = s.id AND a.user_id = v.column2",
        keys,
    )
    return {(str(row[0]), int(row[1])) for row in rows}

"""The group commit: every answer is written by one writer, in batches.

Answers arrive in bursts (a group of thousands answering one poll), and a database pays
per transaction and per round trip, not per row. So `write` queues the answer, and one
task writes everything queued while the previous batch was being committed as the next
batch: one transaction that registers the learners, reads what the answers depend on, and
inserts every answer, memory state and challenge total with one statement per table. Each
caller's `write` returns only once its batch is committed: an update is never marked
handled before its answer is durable.

Grading is passed in as a function (`AnswerWrite.decide`), called inside the batch's
transaction with the learner's memory of the item as read there, after the answers before
it in the same batch: two answers to one item in one batch chain, and on PostgreSQL no
other worker's answer interleaves between the read and the write (the transaction takes
the "answers" lock, see `Database.transaction`). Grading therefore must be pure and quick:
it runs with the database's write lock held.

Each table has its own small function below; `AnswerRepository` only reads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.domain.memory import DEFAULT_RETENTION, MemoryState
from bot.storage.challenge_totals import add_challenge_answers
from bot.storage.database import Connection, Database, rows_for_pairs, to_db_time, write_rows
from bot.storage.records import NewAnswer
from bot.storage.reviews import memories_of, upsert_memories
from bot.storage.users import ensure_users, retentions_of

log = logging.getLogger(__name__)

# Answers per transaction: bounded so one batch never holds the write lock for long.
MAX_BATCH = 1000
# The advisory lock every worker's answer batches share on PostgreSQL.
WRITER_LOCK = "answers"

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


class AnswerWriter:
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

    async def record(self, answer: NewAnswer, memory: MemoryState | None) -> bool:
        """Store an answer already graded, with the memory state it produced (the same group
        commit as `write`). False (and nothing changed) when this poll answer was stored before.
        """
        recorded = await self.write(
            AnswerWrite(answer, lambda previous, retention: (answer.grade, memory))
        )
        return recorded.stored

    async def flush(self) -> None:
        """Wait until every answer submitted so far is committed (before scoring a round)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                async with self._db.transaction(lock=WRITER_LOCK) as db:
                    outcomes = await write_batch(db, [item for item, _ in batch])
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


@dataclass
class _Graded:
    """What grading a batch decided: one outcome per item, and the rows to write."""

    outcomes: list[Recorded | Exception] = field(default_factory=list)
    answers: list[NewAnswer] = field(default_factory=list)
    memories: dict[tuple[int, str], MemoryState] = field(default_factory=dict)


async def write_batch(db: Connection, items: Sequence[AnswerWrite]) -> list[Recorded | Exception]:
    """One batch inside the caller's transaction: read, grade, then write table by table."""
    await _register_learners(db, items)
    already = await _stored_poll_answers(
        db,
        {(i.answer.poll_id, i.answer.user_id) for i in items if i.answer.poll_id is not None},
    )
    graded_messages = await _graded_messages(
        db,
        {(i.answer.chat_id, i.answer.message_id) for i in items if i.answer.message_id is not None},
    )
    retention = await retentions_of(db, {item.answer.user_id for item in items})
    memories = await memories_of(db, {(i.answer.user_id, i.answer.item_id) for i in items})
    graded = _grade(items, already, graded_messages, retention, memories)
    await _insert_answers(db, graded.answers)
    await add_challenge_answers(db, graded.answers)
    await upsert_memories(
        db, [(user_id, memory) for (user_id, _), memory in graded.memories.items()]
    )
    return graded.outcomes


def _grade(
    items: Sequence[AnswerWrite],
    already: set[tuple[str, int]],
    graded_messages: set[tuple[int, int]],
    retention: dict[int, float],
    memories: dict[tuple[int, str], MemoryState],
) -> _Graded:
    """Decide each answer in order; a duplicate in the store or earlier in the batch is
    not stored again. Pure: no I/O."""
    graded = _Graded()
    for item in items:
        answer = item.answer
        if answer.poll_id is not None:
            key = (answer.poll_id, answer.user_id)
            if key in already:
                graded.outcomes.append(Recorded(stored=False))
                continue
            already.add(key)
        if answer.message_id is not None:
            message = (answer.chat_id, answer.message_id)
            if message in graded_messages:
                graded.outcomes.append(Recorded(stored=False))
                continue
            graded_messages.add(message)
        pair = (answer.user_id, answer.item_id)
        try:
            grade, memory = item.decide(
                memories.get(pair), retention.get(answer.user_id, DEFAULT_RETENTION)
            )
        except Exception as error:  # one answer's bug must not lose the batch
            log.exception("could not grade answer of %s to %s", *pair)
            graded.outcomes.append(error)
            continue
        graded.answers.append(replace(answer, grade=grade))
        if memory is not None:
            memories[pair] = graded.memories[pair] = memory
        graded.outcomes.append(Recorded(stored=True, memory=memory))
    return graded


async def _register_learners(db: Connection, items: Sequence[AnswerWrite]) -> None:
    """users: the learners these answers come from exist and carry their current names."""
    learners = {
        item.answer.user_id: (item.answer.user_id, *item.learner)
        for item in items
        if item.learner is not None
    }
    if learners:
        now: datetime = max(item.answer.answered_at for item in items)
        await ensure_users(db, list(learners.values()), now)


# The sent poll's key, by Telegram's poll id. A poll id we never stored gives 0, which no
# sent poll has: the foreign key then refuses the answer loudly instead of storing it
# without the (poll, user) uniqueness that keeps a redelivered answer from counting twice.
_INSERT = (
    "INSERT INTO answers (user_id, item_id, chat_id, poll_ref, chosen_option, grade,"
    " correct, answered_at, seconds, context, session_id, points, message_id)"
    " SELECT v.column1, v.column2, v.column3, CASE WHEN v.column4 IS NULL THEN NULL"
    " ELSE COALESCE((SELECT s.id FROM sent_polls s WHERE s.poll_id = v.column4), 0) END,"
    " v.column5, v.column6, v.column7, v.column8, v.column9, v.column10, v.column11,"
    " v.column12, v.column13 FROM {rows} WHERE true"
)
_TYPES = (
    "BIGINT",  # user_id
    "TEXT",  # item_id
    "BIGINT",  # chat_id
    "TEXT",  # poll_id, looked up as poll_ref
    "INTEGER",  # chosen_option
    "TEXT",  # grade
    "INTEGER",  # correct
    "BIGINT",  # answered_at
    "DOUBLE PRECISION",  # seconds
    "TEXT",  # context
    "BIGINT",  # session_id
    "INTEGER",  # points
    "BIGINT",  # message_id
)


def _params(answer: NewAnswer) -> tuple[object, ...]:
    return (
        answer.user_id,
        answer.item_id,
        answer.chat_id,
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


async def _insert_answers(db: Connection, answers: Sequence[NewAnswer]) -> None:
    """answers: every new answer, one statement for the batch."""
    await write_rows(db, _INSERT, _TYPES, [_params(answer) for answer in answers])


async def _graded_messages(db: Connection, keys: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (chat, message) card or prompt messages are graded already."""
    rows = await rows_for_pairs(
        db,
        "SELECT v.column1, v.column2 FROM {pairs} {join} answers a"
        " ON a.chat_id = v.column1 AND a.message_id = v.column2 WHERE a.message_id IS NOT NULL",
        keys,
    )
    return {(int(row[0]), int(row[1])) for row in rows}


async def _stored_poll_answers(db: Connection, keys: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these (poll, user) answers are stored already.

    The polls' keys are looked up first, so that both columns of the (poll_ref, user_id)
    index come from the key list. Joined through sent_polls in one statement, PostgreSQL's
    cached generic plan (made while the table was small) searched the index by poll_ref
    alone and filtered on the user: every member's answer to a group poll read every other
    member's, 0.5 s per batch at 3,000 members, growing with the square of the group.
    """
    if not keys:
        return set()
    condition, params = db.dialect.any_of("poll_id", sorted({poll_id for poll_id, _ in keys}))
    poll_of = {
        int(row[0]): str(row[1])
        for row in await db.fetch_all(
            f"SELECT id, poll_id FROM sent_polls WHERE {condition}", params
        )
    }
    ref_of = {poll_id: ref for ref, poll_id in poll_of.items()}
    rows = await rows_for_pairs(
        db,
        "SELECT v.column1, v.column2 FROM {pairs}"
        " {join} answers a ON a.poll_ref = v.column1 AND a.user_id = v.column2",
        {(ref_of[poll_id], user_id) for poll_id, user_id in keys if poll_id in ref_of},
    )
    return {(poll_of[int(row[0])], int(row[1])) for row in rows}

"""Quiz polls the bot has sent: stored before the handler returns, so late answers still count."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.database import Database, from_db_time, to_db_time
from bot.storage.records import SentPoll

_COLUMNS = (
    "poll_id, chat_id, message_id, item_id, option_order, sent_at, context, session_id, open_period"
)


def _poll(row: aiosqlite.Row) -> SentPoll:
    return SentPoll(
        poll_id=row["poll_id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        item_id=row["item_id"],
        option_order=tuple(json.loads(row["option_order"])),
        sent_at=from_db_time(row["sent_at"]),
        context=row["context"],
        session_id=row["session_id"],
        open_period=row["open_period"],
    )


class PollRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, poll: SentPoll) -> None:
        async with self._db.transaction() as db:
            await _insert_poll(db, poll, replace=False)

    async def get(self, poll_id: str) -> SentPoll | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE poll_id = ?", (poll_id,)
        )
        return _poll(row) if row else None

    async def by_message(self, chat_id: int, message_id: int) -> SentPoll | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return _poll(row) if row else None

    async def latest_in_chat(self, chat_id: int, context: str | None = None) -> SentPoll | None:
        query = f"SELECT {_COLUMNS} FROM sent_polls WHERE chat_id = ?"
        params: tuple[object, ...] = (chat_id,)
        if context is not None:
            query += " AND context = ?"
            params += (context,)
        row = await self._db.fetch_one(query + " ORDER BY sent_at DESC, rowid DESC LIMIT 1", params)
        return _poll(row) if row else None

    async def for_session(self, session_id: int, context: str) -> list[SentPoll]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE session_id = ? AND context = ?"
            " ORDER BY sent_at, rowid",
            (session_id, context),
        )
        return [_poll(row) for row in rows]


@dataclass(frozen=True)
class PollIntent:
    """A quiz poll about to be sent: enough to store it once Telegram says its id."""

    id: int
    chat_id: int
    item_id: str
    option_order: tuple[int, ...]
    created_at: datetime
    context: str
    session_id: int | None
    open_period: int | None

    def sent_poll(self, poll_id: str, message_id: int, sent_at: datetime) -> SentPoll:
        return SentPoll(
            poll_id=poll_id,
            chat_id=self.chat_id,
            message_id=message_id,
            item_id=self.item_id,
            option_order=self.option_order,
            sent_at=sent_at,
            context=self.context,
            session_id=self.session_id,
            open_period=self.open_period,
        )


@dataclass(frozen=True)
class ParkedAnswer:
    poll_id: str
    user_id: int
    payload: str  # the poll_answer update's JSON


_INTENT_COLUMNS = "id, chat_id, item_id, option_order, created_at, context, session_id, open_period"


def _intent(row: aiosqlite.Row) -> PollIntent:
    return PollIntent(
        id=row["id"],
        chat_id=row["chat_id"],
        item_id=row["item_id"],
        option_order=tuple(json.loads(row["option_order"])),
        created_at=from_db_time(row["created_at"]),
        context=row["context"],
        session_id=row["session_id"],
        open_period=row["open_period"],
    )


class PollIntentRepository:
    """Polls whose sendPoll has not answered (yet), and answers waiting for their poll."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        chat_id: int,
        item_id: str,
        option_order: Sequence[int],
        now: datetime,
        context: str,
        session_id: int | None,
        open_period: int | None,
    ) -> PollIntent:
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO poll_intents (chat_id, item_id, option_order, created_at, context,"
                " session_id, open_period) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    item_id,
                    json.dumps(list(option_order)),
                    to_db_time(now),
                    context,
                    session_id,
                    open_period,
                ),
            )
            intent_id = int(cursor.lastrowid or 0)
        return PollIntent(
            intent_id, chat_id, item_id, tuple(option_order), now, context, session_id, open_period
        )

    async def confirm(self, intent: PollIntent, poll: SentPoll) -> None:
        """Telegram answered sendPoll: the poll is stored and the intent is gone, atomically."""
        async with self._db.transaction() as db:
            await _insert_poll(db, poll, replace=True)
            await db.execute("DELETE FROM poll_intents WHERE id = ?", (intent.id,))

    async def adopt(
        self, poll_id: str, item_id: str, option_order: Sequence[int], now: datetime
    ) -> SentPoll | None:
        """Match a poll Telegram told us about to the oldest unconfirmed send of that item.

        The poll's question names the item and its option texts the shuffle, which the
        intent recorded before sending; the stored poll then takes the intent's chat,
        purpose and session (its message id is unknown: 0).
        """
        async with self._db.transaction() as db:
            async with db.execute(
                f"SELECT {_INTENT_COLUMNS} FROM poll_intents WHERE item_id = ?"
                " AND option_order = ? ORDER BY created_at, id LIMIT 1",
                (item_id, json.dumps(list(option_order))),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            intent = _intent(row)
            poll = intent.sent_poll(poll_id, 0, intent.created_at)
            await _insert_poll(db, poll, replace=False)
            await db.execute("DELETE FROM poll_intents WHERE id = ?", (intent.id,))
        return poll

    async def discard(self, intent: PollIntent) -> None:
        """Telegram refused the send for good: no poll will ever match this intent."""
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM poll_intents WHERE id = ?", (intent.id,))

    async def park_answer(self, poll_id: str, user_id: int, payload: str, now: datetime) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO parked_answers (poll_id, user_id, payload, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (poll_id, user_id) DO NOTHING",
                (poll_id, user_id, payload, to_db_time(now)),
            )

    async def parked_for(self, poll_id: str) -> list[ParkedAnswer]:
        rows = await self._db.fetch_all(
            "SELECT poll_id, user_id, payload FROM parked_answers WHERE poll_id = ?"
            " ORDER BY received_at",
            (poll_id,),
        )
        return [ParkedAnswer(row["poll_id"], row["user_id"], row["payload"]) for row in rows]

    async def unpark(self, poll_id: str, user_id: int) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "DELETE FROM parked_answers WHERE poll_id = ? AND user_id = ?", (poll_id, user_id)
            )

    async def expire(self, older_than: datetime) -> int:
        """Forget intents for sends that are long settled (they never reached anybody)."""
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM poll_intents WHERE created_at < ?", (to_db_time(older_than),)
            )
            return int(cursor.rowcount)


async def _insert_poll(db: aiosqlite.Connection, poll: SentPoll, *, replace: bool) -> None:
    conflict = "REPLACE" if replace else "IGNORE"
    await db.execute(
        f"INSERT OR {conflict} INTO sent_polls ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            poll.poll_id,
            poll.chat_id,
            poll.message_id,
            poll.item_id,
            json.dumps(list(poll.option_order)),
            to_db_time(poll.sent_at),
            poll.context,
            poll.session_id,
            poll.open_period,
        ),
    )

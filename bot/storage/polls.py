"""Quiz polls the bot has sent: stored before the handler returns, so late answers still count."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.storage.database import Connection, Database, Row, from_db_time, to_db_time
from bot.storage.records import SentPoll

_COLUMNS = (
    "poll_id, chat_id, message_id, item_id, option_order, sent_at, context, session_id, open_period"
)


def _poll(row: Row) -> SentPoll:
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


# Recently sent polls kept in memory: a poll never changes once stored, and every vote
# on it (thousands in a group round) and every `poll` update looks it up.
CACHED_POLLS = 4096


class PollRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._recent: OrderedDict[str, SentPoll] = OrderedDict()

    def remember(self, poll: SentPoll) -> None:
        # As a read from the file would give it back: UTC, whatever zone it was written in.
        poll = replace(poll, sent_at=poll.sent_at.astimezone(UTC))
        self._recent[poll.poll_id] = poll
        self._recent.move_to_end(poll.poll_id)
        while len(self._recent) > CACHED_POLLS:
            self._recent.popitem(last=False)

    def cached(self, poll_id: str) -> SentPoll | None:
        """The poll if it is in memory; None says nothing about whether it is stored."""
        return self._recent.get(poll_id)

    def forget_chat(self, chat_id: int) -> None:
        """The chat's polls were deleted (a learner's /forget)."""
        for poll_id in [key for key, poll in self._recent.items() if poll.chat_id == chat_id]:
            del self._recent[poll_id]

    async def add(self, poll: SentPoll) -> None:
        async with self._db.transaction() as db:
            await _insert_poll(db, poll)
        self.remember(poll)

    async def get(self, poll_id: str) -> SentPoll | None:
        cached = self._recent.get(poll_id)
        if cached is not None:
            return cached
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE poll_id = ?", (poll_id,)
        )
        if row is None:
            return None  # not remembered: it may be stored a moment from now
        poll = _poll(row)
        self.remember(poll)
        return poll

    async def by_message(self, chat_id: int, message_id: int) -> SentPoll | None:
        """A group's poll by its message (`chat_id < 0` lets SQLite use the groups' index)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE chat_id = ? AND chat_id < 0"
            " AND message_id = ?",
            (chat_id, message_id),
        )
        return _poll(row) if row else None

    async def latest_in_chat(self, chat_id: int, context: str | None = None) -> SentPoll | None:
        """A group's latest poll (private chats' polls are only looked up by poll id)."""
        query = f"SELECT {_COLUMNS} FROM sent_polls WHERE chat_id = ? AND chat_id < 0"
        params: tuple[object, ...] = (chat_id,)
        if context is not None:
            query += " AND context = ?"
            params += (context,)
        row = await self._db.fetch_one(query + " ORDER BY sent_at DESC, id DESC LIMIT 1", params)
        return _poll(row) if row else None

    async def for_session(self, session_id: int, context: str) -> list[SentPoll]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE session_id = ? AND context = ?"
            " ORDER BY sent_at, id",
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


def _intent(row: Row) -> PollIntent:
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

    def __init__(self, db: Database, polls: PollRepository) -> None:
        self._db = db
        self._polls = polls

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
            row = await db.fetch_one(
                "INSERT INTO poll_intents (chat_id, item_id, option_order, created_at, context,"
                " session_id, open_period) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            assert row is not None
            intent_id = int(row[0])
        return PollIntent(
            intent_id, chat_id, item_id, tuple(option_order), now, context, session_id, open_period
        )

    async def confirm(self, intent: PollIntent, poll: SentPoll) -> None:
        """Telegram answered sendPoll: the poll is stored and the intent is gone, atomically."""
        async with self._db.transaction() as db:
            await _insert_poll(db, poll)
            await db.execute("DELETE FROM poll_intents WHERE id = ?", (intent.id,))
        self._polls.remember(poll)

    async def unconfirmed_chats(self, item_id: str, option_order: Sequence[int]) -> list[int]:
        """Chats with an unconfirmed send of this item in this shuffle, oldest send first."""
        rows = await self._db.fetch_all(
            "SELECT chat_id FROM poll_intents WHERE item_id = ? AND option_order = ?"
            " ORDER BY created_at, id",
            (item_id, json.dumps(list(option_order))),
        )
        return [int(row["chat_id"]) for row in rows]

    async def adopt(
        self,
        poll_id: str,
        item_id: str,
        option_order: Sequence[int],
        now: datetime,
        chat_id: int | None = None,
    ) -> SentPoll | None:
        """Match a poll Telegram told us about to the oldest unconfirmed send of that item
        (to `chat_id`, when given).

        The poll's question names the item and its option texts the shuffle, which the
        intent recorded before sending; the stored poll then takes the intent's chat,
        purpose and session (its message id is unknown: 0).

        A poll stored meanwhile (its sendPoll answered after the caller looked) is returned
        as stored and no intent is touched: the intent left to match would be another
        chat's failed send of the same question, and adopting it would credit this poll's
        answers to that chat.
        """
        in_chat = "" if chat_id is None else " AND chat_id = ?"
        params: tuple[object, ...] = (item_id, json.dumps(list(option_order)))
        if chat_id is not None:
            params += (chat_id,)
        async with self._db.transaction() as db:
            stored = await db.fetch_one(
                f"SELECT {_COLUMNS} FROM sent_polls WHERE poll_id = ?", (poll_id,)
            )
            if stored is not None:
                poll = _poll(stored)
                self._polls.remember(poll)
                return poll
            row = await db.fetch_one(
                f"SELECT {_INTENT_COLUMNS} FROM poll_intents WHERE item_id = ?"
                f" AND option_order = ?{in_chat} ORDER BY created_at, id LIMIT 1",
                params,
            )
            if row is None:
                return None
            intent = _intent(row)
            poll = intent.sent_poll(poll_id, 0, intent.created_at)
            await _insert_poll(db, poll)
            await db.execute("DELETE FROM poll_intents WHERE id = ?", (intent.id,))
        self._polls.remember(poll)
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
            changed = await db.execute(
                "DELETE FROM poll_intents WHERE created_at < ?", (to_db_time(older_than),)
            )
            return changed


async def _insert_poll(db: Connection, poll: SentPoll) -> None:
    """A poll already stored (a replayed send) stays as it was: answers refer to its key."""
    await db.execute(
        f"INSERT INTO sent_polls ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (poll_id) DO NOTHING",
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

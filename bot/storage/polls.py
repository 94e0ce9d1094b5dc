"""Quiz polls the bot has sent: stored before the handler returns, so late answers still count."""

from __future__ import annotations

import json

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
            await db.execute(
                f"INSERT INTO sent_polls ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    async def get(self, poll_id: str) -> SentPoll | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE poll_id = ?", (poll_id,)
        )
        return _poll(row) if row else None

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
        row = await self._db.fetch_one(query + " ORDER BY sent_at DESC, rowid DESC LIMIT 1", params)
        return _poll(row) if row else None

    async def for_session(self, session_id: int, context: str) -> list[SentPoll]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM sent_polls WHERE session_id = ? AND context = ?"
            " ORDER BY sent_at, rowid",
            (session_id, context),
        )
        return [_poll(row) for row in rows]

"""A group's membership as Telegram tells it: the number of people (getChatMemberCount,
adjusted by join and leave service messages), the other bots in it, the learners who left."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class GroupSize:
    members: int  # people, bots excluded
    counted_at: datetime


class GroupMemberRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def size(self, chat_id: int) -> GroupSize | None:
        row = await self._db.fetch_one(
            "SELECT members, counted_at FROM group_sizes WHERE chat_id = ?", (chat_id,)
        )
        return GroupSize(int(row[0]), from_db_time(row[1])) if row else None

    async def set_size(self, chat_id: int, members: int, now: datetime) -> None:
        """The number of people Telegram just reported (bots already taken off)."""
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO group_sizes (chat_id, members, counted_at) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET members = excluded.members,"
                " counted_at = excluded.counted_at",
                (chat_id, members, to_db_time(now)),
            )

    async def other_bots(self, chat_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM group_bots WHERE chat_id = ?", (chat_id,)
        )
        return int(row[0]) if row else 0

    async def departed(self, chat_id: int) -> set[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM group_departures WHERE chat_id = ?", (chat_id,)
        )
        return {int(row[0]) for row in rows}

    async def joined(
        self,
        chat_id: int,
        message_id: int,
        people: Sequence[int],
        bots: Sequence[int],
        now: datetime,
    ) -> None:
        """A join service message: people add to a known count (once per message), bots are
        remembered, and a learner who had left is a member again."""
        async with self._db.transaction() as db:
            if people:
                await db.execute(
                    "UPDATE group_sizes SET members = members + ?, counted_at = ?,"
                    " last_message_id = ? WHERE chat_id = ? AND last_message_id < ?",
                    (len(people), to_db_time(now), message_id, chat_id, message_id),
                )
                await db.executemany(
                    "DELETE FROM group_departures WHERE chat_id = ? AND user_id = ?",
                    [(chat_id, user_id) for user_id in people],
                )
            await db.executemany(
                "INSERT INTO group_bots (chat_id, user_id) VALUES (?, ?)"
                " ON CONFLICT (chat_id, user_id) DO NOTHING",
                [(chat_id, user_id) for user_id in bots],
            )

    async def left(
        self, chat_id: int, message_id: int, user_id: int, is_bot: bool, now: datetime
    ) -> None:
        """A leave service message: a person is taken off a known count (once per message)
        and, if a learner, remembered as gone; a bot is forgotten."""
        async with self._db.transaction() as db:
            if is_bot:
                await db.execute(
                    "DELETE FROM group_bots WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
                )
                return
            stamp = to_db_time(now)
            await db.execute(
                "UPDATE group_sizes SET"
                " members = CASE WHEN members > 0 THEN members - 1 ELSE 0 END,"
                " counted_at = ?, last_message_id = ? WHERE chat_id = ? AND last_message_id < ?",
                (stamp, message_id, chat_id, message_id),
            )
            await db.execute(
                "INSERT INTO group_departures (chat_id, user_id, left_at)"
                " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE user_id = ?)"
                " ON CONFLICT (chat_id, user_id) DO UPDATE SET left_at = excluded.left_at",
                (chat_id, user_id, stamp, user_id),
            )

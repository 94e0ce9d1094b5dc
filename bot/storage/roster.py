"""Who is in a group, as far as Telegram tells the bot (migration 012): members seen joining
or leaving through service messages. The head count itself comes from getChatMemberCount;
members who never joined while the bot watched and never played are only counted, not named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.challenge_totals import ALL_TIME
from bot.storage.database import Database, to_db_time


@dataclass(frozen=True)
class KnownMember:
    user_id: int
    first_name: str


class RosterRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def joined(self, chat_id: int, members: list[KnownMember], at: datetime) -> None:
        """Members a join service message named (back again if they had left)."""
        if not members:
            return
        async with self._db.transaction() as db:
            await db.executemany(
                "INSERT INTO group_members (chat_id, user_id, first_name, joined_at, left_at)"
                " VALUES (?, ?, ?, ?, NULL) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
                " first_name = excluded.first_name, left_at = NULL",
                [(chat_id, m.user_id, m.first_name, to_db_time(at)) for m in members],
            )

    async def left(self, chat_id: int, member: KnownMember, at: datetime) -> None:
        """A member a leave service message named (kept, marked gone)."""
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO group_members (chat_id, user_id, first_name, joined_at, left_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
                " left_at = excluded.left_at",
                (chat_id, member.user_id, member.first_name, to_db_time(at), to_db_time(at)),
            )

    async def never_played(self, chat_id: int, limit: int) -> tuple[list[KnownMember], int]:
        """Members seen joining (and not leaving) who never answered a challenge here:
        the first `limit` by name, and how many there are."""
        where = (
            " FROM group_members m WHERE m.chat_id = ? AND m.left_at IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM challenge_totals t WHERE t.chat_id = m.chat_id AND t.period = ?"
            "  AND t.user_id = m.user_id)"
        )
        rows = await self._db.fetch_all(
            f"SELECT m.user_id, m.first_name{where} ORDER BY m.first_name, m.user_id LIMIT ?",
            (chat_id, ALL_TIME, limit),
        )
        count = await self._db.fetch_one(f"SELECT COUNT(*){where}", (chat_id, ALL_TIME))
        return [KnownMember(row[0], row[1]) for row in rows], int(count[0]) if count else 0

    async def left_players(self, chat_id: int) -> int:
        """Players (they answered a challenge here) seen leaving since."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM group_members m JOIN challenge_totals t"
            " ON t.chat_id = m.chat_id AND t.period = ? AND t.user_id = m.user_id"
            " WHERE m.chat_id = ? AND m.left_at IS NOT NULL",
            (ALL_TIME, chat_id),
        )
        return int(row[0]) if row else 0

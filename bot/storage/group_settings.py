"""Settings each group's admins choose for their group."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class GroupSettings:
    challenge_admins_only: bool = False  # only the group's admins may start a round


class GroupSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, chat_id: int) -> GroupSettings:
        """The group's settings; the defaults for a group that never changed them."""
        row = await self._db.fetch_one(
            "SELECT challenge_admins_only FROM group_settings WHERE chat_id = ?", (chat_id,)
        )
        return GroupSettings(bool(row["challenge_admins_only"])) if row else GroupSettings()

    async def set_challenge_admins_only(self, chat_id: int, admins_only: bool) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO group_settings (chat_id, challenge_admins_only) VALUES (?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE"
                " SET challenge_admins_only = excluded.challenge_admins_only",
                (chat_id, int(admins_only)),
            )

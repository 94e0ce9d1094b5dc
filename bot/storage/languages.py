"""Interface languages: each learner's /language choice and Telegram's language_code, and
each group's, chosen by its admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, to_db_time


@dataclass(frozen=True)
class LanguagePrefs:
    chosen: str | None = None  # from /language; None: follow Telegram
    telegram: str | None = None  # the last supported language_code seen from Telegram


class LanguageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> LanguagePrefs | None:
        """None for a user who is not registered."""
        row = await self._db.fetch_one(
            "SELECT language, telegram_language FROM users WHERE user_id = ?", (user_id,)
        )
        return LanguagePrefs(row["language"], row["telegram_language"]) if row else None

    async def choose(self, user_id: int, language: str | None, now: datetime) -> bool:
        """Store the learner's choice (None: back to Telegram's); False for an unknown user."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE users SET language = ?, updated_at = ? WHERE user_id = ?",
                (language, to_db_time(now), user_id),
            )
            return changed == 1

    async def seen_on_telegram(self, user_id: int, language: str | None) -> bool:
        """Remember Telegram's language for this learner; False for an unknown user."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE users SET telegram_language = ? WHERE user_id = ?", (language, user_id)
            )
            return changed == 1

    async def for_group(self, chat_id: int) -> str | None:
        """The language a group's admins chose; None: the default."""
        row = await self._db.fetch_one(
            "SELECT language FROM group_languages WHERE chat_id = ?", (chat_id,)
        )
        return str(row["language"]) if row else None

    async def choose_for_group(self, chat_id: int, language: str | None) -> None:
        """Store a group's language (None: back to the default)."""
        async with self._db.transaction() as db:
            if language is None:
                await db.execute("DELETE FROM group_languages WHERE chat_id = ?", (chat_id,))
            else:
                await db.execute(
                    "INSERT INTO group_languages (chat_id, language) VALUES (?, ?)"
                    " ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
                    (chat_id, language),
                )

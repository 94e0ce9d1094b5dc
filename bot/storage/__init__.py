"""Storage: the only package with SQL. One repository per aggregate, over one `Database`
(SQLite by default, PostgreSQL for a `postgresql://` URL); answers are written by the
group-commit `AnswerWriter`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.storage.answer_writer import AnswerWriter
from bot.storage.answers import AnswerRepository
from bot.storage.challenges import ChallengeRepository
from bot.storage.daily import DailyScheduleRepository
from bot.storage.dashboard import DashboardRepository
from bot.storage.database import Database, database_for
from bot.storage.group_settings import GroupSettingsRepository
from bot.storage.groups import GroupMemberRepository
from bot.storage.inbox import InboxRepository
from bot.storage.languages import LanguageRepository
from bot.storage.memory_fits import MemoryFitRepository
from bot.storage.polls import PollIntentRepository, PollRepository
from bot.storage.progress import ProgressRepository
from bot.storage.reviews import ReviewRepository
from bot.storage.roster import RosterRepository
from bot.storage.sessions import SessionRepository
from bot.storage.users import UserRepository


class Storage:
    """The repositories over one database: a SQLite file path, a `postgresql://` URL, or an
    already built `Database`. `options` go to the PostgreSQL driver (pool_size, …)."""

    def __init__(self, target: Path | str | Database, **options: Any) -> None:
        self.db = database_for(target, **options)
        self.polls = PollRepository(self.db)
        self.users = UserRepository(self.db, on_forget=self.polls.forget_chat)
        self.poll_intents = PollIntentRepository(self.db, self.polls)
        self.inbox = InboxRepository(self.db)
        self.writer = AnswerWriter(self.db)
        self.answers = AnswerRepository(self.db, self.writer)
        self.reviews = ReviewRepository(self.db)
        self.sessions = SessionRepository(self.db)
        self.challenges = ChallengeRepository(self.db)
        self.daily = DailyScheduleRepository(self.db)
        self.progress = ProgressRepository(self.db)
        self.languages = LanguageRepository(self.db)
        self.memory_fits = MemoryFitRepository(self.db)
        self.group_settings = GroupSettingsRepository(self.db)
        self.groups = GroupMemberRepository(self.db)
        self.dashboard = DashboardRepository(self.db)
        self.roster = RosterRepository(self.db)

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.writer.flush()
        await self.db.close()


__all__ = ["Storage"]

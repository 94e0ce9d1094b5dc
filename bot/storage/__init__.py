"""Storage: the only package with SQL. One repository per aggregate."""

from __future__ import annotations

from pathlib import Path

from bot.storage.answers import AnswerRepository
from bot.storage.challenges import ChallengeRepository
from bot.storage.daily import DailyScheduleRepository
from bot.storage.dashboard import DashboardRepository
from bot.storage.database import Database
from bot.storage.inbox import InboxRepository
from bot.storage.languages import LanguageRepository
from bot.storage.polls import PollIntentRepository, PollRepository
from bot.storage.progress import ProgressRepository
from bot.storage.reviews import ReviewRepository
from bot.storage.roster import RosterRepository
from bot.storage.sessions import SessionRepository
from bot.storage.users import UserRepository


class Storage:
    """The repositories over one database connection."""

    def __init__(self, path: Path | str) -> None:
        self.db = Database(path)
        self.polls = PollRepository(self.db)
        self.users = UserRepository(self.db, on_forget=self.polls.forget_chat)
        self.poll_intents = PollIntentRepository(self.db, self.polls)
        self.inbox = InboxRepository(self.db)
        self.answers = AnswerRepository(self.db)
        self.reviews = ReviewRepository(self.db)
        self.sessions = SessionRepository(self.db)
        self.challenges = ChallengeRepository(self.db)
        self.daily = DailyScheduleRepository(self.db)
        self.progress = ProgressRepository(self.db)
        self.languages = LanguageRepository(self.db)
        self.dashboard = DashboardRepository(self.db)
        self.roster = RosterRepository(self.db)

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()


__all__ = ["Storage"]

"""Typed handler context: `context.storage`, `context.bank`, … instead of string keys."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content.models import CardItem, ContentBank, McqItem, PromptItem
from bot.domain.clock import Clock
from bot.handlers.daily_queue import DailyQueue
from bot.storage import Storage
from bot.storage.languages import LanguagePrefs

SETTLE_SECONDS = 10.0


class PollsInFlight:
    """Polls sent to Telegram but not yet stored.

    A quick learner's answer can arrive between `sendPoll` returning and the poll
    row being written (a job sends while updates are handled); the answer handler
    waits for in-flight polls to be stored instead of dropping the answer.
    """

    def __init__(self) -> None:
        self._count = 0
        self._settled = asyncio.Event()
        self._settled.set()

    @contextlib.asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        self._count += 1
        self._settled.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._settled.set()

    async def settled(self) -> None:
        """Wait (at most SETTLE_SECONDS) until every poll being sent has been stored."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_SECONDS):
                await self._settled.wait()


@dataclass
class Services:
    """What every handler needs, built once in `bot.app.build_application`."""

    settings: Settings
    storage: Storage
    bank: ContentBank
    clock: Clock
    rng: random.Random = field(default_factory=random.Random)
    polls_in_flight: PollsInFlight = field(default_factory=PollsInFlight)
    daily_queue: DailyQueue = field(default_factory=DailyQueue)
    # Items dropped by a reload, so answers to polls already sent are still graded.
    retired_items: dict[str, McqItem | CardItem | PromptItem] = field(default_factory=dict)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Learners' language preferences, read once per process (see bot/handlers/language.py).
    languages: dict[int, LanguagePrefs] = field(default_factory=dict)
    # Groups' languages (None: the default), read once per process per group.
    group_languages: dict[int, str | None] = field(default_factory=dict)
    # Updates left pending by the last run and handled again now (see bot/handlers/buttons.py).
    replayed_updates: set[int] = field(default_factory=set)

    def swap_bank(self, bank: ContentBank) -> None:
        """Replace the bank in one step; no await here, so no update sees half of it."""
        old = self.bank
        retired = {key: item for key, item in self.retired_items.items() if not bank.item(key)}
        for deck in old.decks:
            for item in deck.items:
                if bank.item(item.id) is None:
                    retired[item.id] = item
        self.retired_items = retired
        self.bank = bank


class FailureSink(Protocol):
    @property
    def busy(self) -> bool: ...

    def record_failure(self, update: object, error: BaseException) -> None: ...


class Lifecycle(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class BotData:
    """`bot_data` of the Application: holds the services and nothing that must survive a restart."""

    services: Services
    # The update processor, told by the error handler which update failed (and so is retried).
    processor: FailureSink
    # The Mini App's web server (bot/web), when MINIAPP_URL is set.
    mini_app: Lifecycle | None = None


class TutorContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._bank: ContentBank | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def storage(self) -> Storage:
        return self.bot_data.services.storage

    @property
    def bank(self) -> ContentBank:
        """The bank as it was when this update (or job run) first looked: a reload in the
        middle of a handler never mixes two banks in one reply."""
        if self._bank is None:
            self._bank = self.bot_data.services.bank
        return self._bank

    @property
    def settings(self) -> Settings:
        return self.bot_data.services.settings

    @property
    def clock(self) -> Clock:
        return self.bot_data.services.clock

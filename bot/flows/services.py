"""What every flow needs, built once in `bot.app.build_application`: settings, storage,
the content bank, the clock, and the little in-process coordination the flows share."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.config import Settings
from bot.content.models import CardItem, ContentBank, McqItem, PromptItem
from bot.domain.clock import Clock
from bot.flows.daily_queue import DailyQueue
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

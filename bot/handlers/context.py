"""Typed handler context: `context.storage`, `context.bank`, … instead of string keys.

The services themselves (`bot.flows.services.Services`) belong to the application layer:
flows, jobs, the CLI and bench/ use them without PTB."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content.models import ContentBank
from bot.domain.clock import Clock
from bot.flows.services import Services
from bot.storage import Storage


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
    # post_init while it runs: cancelled if a stop signal comes first (bot/app.py).
    start_up: asyncio.Task[Any] | None = None


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

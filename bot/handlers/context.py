"""Typed handler context: `context.storage`, `context.bank`, … instead of string keys."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content.models import ContentBank
from bot.domain.clock import Clock
from bot.storage import Storage


@dataclass
class Services:
    """What every handler needs, built once in `bot.app.build_application`."""

    settings: Settings
    storage: Storage
    bank: ContentBank
    clock: Clock
    rng: random.Random = field(default_factory=random.Random)


class BotData:
    """`bot_data` of the Application: holds the services and nothing that must survive a restart."""

    services: Services


class TutorContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def storage(self) -> Storage:
        return self.bot_data.services.storage

    @property
    def bank(self) -> ContentBank:
        return self.bot_data.services.bank

    @property
    def settings(self) -> Settings:
        return self.bot_data.services.settings

    @property
    def clock(self) -> Clock:
        return self.bot_data.services.clock

"""Reload the decks without a restart: `/reload` from an admin, or SIGHUP to the process.

The new bank is loaded and validated off the event loop, then swapped in one step
(`Services.swap_bank`); on any problem the bank in use stays and the admin gets the list.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, BaseHandler, CommandHandler

from bot import render
from bot.content.loader import ContentError, load_bank
from bot.flows.services import Services
from bot.handlers.common import reply
from bot.handlers.context import BotData, TutorContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadOutcome:
    problems: tuple[str, ...] = ()
    decks: int = 0
    items: int = 0
    added: int = 0
    removed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        if self.problems:
            return render.reload_failed(self.problems)
        return render.reload_done(self.decks, self.items, self.added, self.removed)


async def reload_bank(services: Services) -> ReloadOutcome:
    """Load the content folder again and swap it in, or keep the old bank and say why."""
    async with services.reload_lock:
        try:
            # YAML parsing of every deck takes a while: keep the loop answering meanwhile.
            bank = await asyncio.to_thread(load_bank, services.settings.content_dir)
        except ContentError as error:
            return ReloadOutcome(problems=tuple(str(problem) for problem in error.problems))
        old_ids = {item.id for deck in services.bank.decks for item in deck.items}
        new_ids = {item.id for deck in bank.decks for item in deck.items}
        services.swap_bank(bank)
    return ReloadOutcome(
        decks=len(bank.decks),
        items=len(new_ids),
        added=len(new_ids - old_ids),
        removed=len(old_ids - new_ids),
    )


async def reload_command(update: Update, context: TutorContext) -> None:
    user = update.effective_user
    if user is None or user.id not in context.settings.admin_user_ids:
        await reply(update, render.reload_refused())
        return
    outcome = await reload_bank(context.services)
    _log(outcome, f"/reload by {user.id}")
    await reply(update, outcome.message())


async def reload_on_signal(application: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """SIGHUP: reload, log the outcome, and tell the admins when the decks were refused."""
    outcome = await reload_bank(application.bot_data.services)
    _log(outcome, "SIGHUP")
    if outcome.ok:
        return
    for admin_id in sorted(application.bot_data.services.settings.admin_user_ids):
        try:
            await application.bot.send_message(admin_id, outcome.message(), parse_mode="HTML")
        except (Forbidden, BadRequest) as error:  # never started the bot, or blocked it
            log.warning("could not tell admin %s about the refused reload: %s", admin_id, error)


def install_reload_signal(application: Application[Any, Any, Any, Any, BotData, Any]) -> bool:
    """Reload on SIGHUP; False where the platform has no SIGHUP (Windows)."""
    if not hasattr(signal, "SIGHUP"):
        return False
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGHUP,
        lambda: application.create_task(reload_on_signal(application), name="reload-decks"),
    )
    return True


def remove_reload_signal() -> None:
    if hasattr(signal, "SIGHUP"):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def _log(outcome: ReloadOutcome, cause: str) -> None:
    if outcome.ok:
        log.info(
            "%s: decks reloaded: %d decks, %d items (%d new, %d removed)",
            cause,
            outcome.decks,
            outcome.items,
            outcome.added,
            outcome.removed,
        )
    else:
        log.error(
            "%s: reload refused, the old decks stay:\n  %s", cause, "\n  ".join(outcome.problems)
        )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CommandHandler("reload", reload_command)]

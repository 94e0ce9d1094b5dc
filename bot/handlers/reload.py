"""Reload the decks without a restart: `/reload` from an admin, or SIGHUP to the process.

The new bank is loaded and validated off the event loop, then swapped in one step
(`Services.swap_bank`); on any problem the bank in use stays and the admin gets the list.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, BaseHandler, CommandHandler

from bot import render
from bot.flows.reload import ReloadOutcome, reload_bank
from bot.handlers.common import reply
from bot.handlers.context import BotData, TutorContext

log = logging.getLogger(__name__)


def _message(outcome: ReloadOutcome) -> str:
    if outcome.problems:
        return render.reload_failed(outcome.problems)
    return render.reload_done(outcome.decks, outcome.items, outcome.added, outcome.removed)


async def reload_command(update: Update, context: TutorContext) -> None:
    user = update.effective_user
    if user is None or user.id not in context.settings.admin_user_ids:
        await reply(update, render.reload_refused())
        return
    outcome = await reload_bank(context.services)
    _log(outcome, f"/reload by {user.id}")
    await reply(update, _message(outcome))


async def reload_on_signal(application: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """SIGHUP: reload, log the outcome, and tell the admins when the decks were refused."""
    outcome = await reload_bank(application.bot_data.services)
    _log(outcome, "SIGHUP")
    if outcome.ok:
        return
    for admin_id in sorted(application.bot_data.services.settings.admin_user_ids):
        try:
            await application.bot.send_message(admin_id, _message(outcome), parse_mode="HTML")
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

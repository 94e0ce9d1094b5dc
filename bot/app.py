"""The one place where PTB, storage, content and jobs are wired together."""

from __future__ import annotations

import gc
import logging
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes
from telegram.request import BaseRequest

from bot.config import Settings
from bot.content.loader import load_bank
from bot.domain.clock import Clock, SystemClock
from bot.handlers import (
    cards,
    challenge,
    decks,
    exam,
    explain,
    forget,
    membership,
    prompts,
    quiz,
    reload,
    reminders,
    start,
    stats,
)
from bot.handlers.context import BotData, Services, TutorContext
from bot.handlers.errors import on_error
from bot.pacing import paced_rate_limiter
from bot.storage import Storage

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.POLL_ANSWER,
    Update.POLL,
    Update.MY_CHAT_MEMBER,
]
# RetryAfter (HTTP 429) is retried this many times by AIORateLimiter before giving up.
SEND_RETRIES = 5

TutorApplication = Application[Any, TutorContext, Any, Any, BotData, Any]


def rate_limiter(settings: Settings) -> AIORateLimiter:
    return paced_rate_limiter(
        settings.overall_max_rate, settings.group_max_rate_per_minute, SEND_RETRIES
    )


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    services: Services | None = None,
) -> TutorApplication:
    """Build the Application; content is loaded (and refused if invalid) right here."""
    if services is None:
        services = Services(
            settings=settings,
            storage=Storage(settings.database_path),
            bank=load_bank(settings.content_dir),
            clock=clock or SystemClock(),
        )
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.base_file_url)
        .context_types(ContextTypes(context=TutorContext, bot_data=BotData))
        .rate_limiter(rate_limiter(settings))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: TutorApplication = builder.build()
    application.bot_data.services = services
    for module in (
        start,
        decks,
        quiz,
        reminders,
        cards,
        prompts,
        explain,
        exam,
        stats,
        forget,
        membership,
        challenge,
        reload,
    ):
        application.add_handlers(module.handlers())
    application.add_handlers(start.fallback_handlers())
    application.add_error_handler(on_error)
    return application


async def _post_init(application: TutorApplication) -> None:
    services = application.bot_data.services
    await services.storage.open()
    await application.bot.set_my_commands(start.bot_commands())
    reload.install_reload_signal(application)
    if application.job_queue is not None:
        context = TutorContext(application)
        await reminders.rebuild_daily_jobs(application.job_queue, context)
        await challenge.resume_rounds(application.job_queue, context)
    # Everything loaded so far (PTB, the content bank) lives for the whole process:
    # keep it out of the collector's sweeps, whose pauses would bunch up sends.
    gc.freeze()
    log.info(
        "ready: %d decks, %d items, database %s",
        len(services.bank.decks),
        sum(len(deck.items) for deck in services.bank.decks),
        services.settings.database_path,
    )


async def _post_shutdown(application: TutorApplication) -> None:
    reload.remove_reload_signal()
    await application.bot_data.services.storage.close()


def run(settings: Settings) -> None:
    application = build_application(settings)
    if settings.webhook_url:
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path="telegram",
            webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
            secret_token=(
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            ),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)

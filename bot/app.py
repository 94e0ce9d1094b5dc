"""The one place where PTB, storage, content and jobs are wired together."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.content.loader import load_bank
from bot.domain.clock import Clock, SystemClock
from bot.flows.services import Services
from bot.handlers import (
    cards,
    challenge,
    chat_rules,
    dashboard,
    decks,
    exam,
    explain,
    export,
    forget,
    group_settings,
    groupstats,
    language,
    membership,
    menus,
    prompts,
    quiz,
    reload,
    reminders,
    review,
    start,
    stats,
)
from bot.handlers.context import BotData, TutorContext
from bot.handlers.errors import on_error
from bot.jobs import refit
from bot.jobs.queue import DrainingJobQueue
from bot.pacing import PacedRateLimiter, paced_rate_limiter
from bot.pipeline import (
    ChatOrderedProcessor,
    DurableUpdateQueue,
    InboxFirstRequest,
    UpdateInbox,
    is_transient,
)
from bot.pipeline.workers import WorkerCoordinator, coordinator_of
from bot.storage import Storage
from bot.storage.postgres import PostgresDatabase
from bot.web.runner import MiniAppServer

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.POLL_ANSWER,
    Update.POLL,
    Update.MY_CHAT_MEMBER,
]
# A sendPoll that timed out is matched to its `poll` update within this time, or never.
POLL_INTENT_LIFETIME = timedelta(days=2)
# RetryAfter (HTTP 429) is retried this many times by AIORateLimiter before giving up.
SEND_RETRIES = 5

TutorApplication = Application[Any, TutorContext, Any, Any, BotData, Any]


class StopAwareApplication(Application[Any, TutorContext, Any, Any, BotData, Any]):
    """An Application that cancels a start-up a stop signal interrupted, before shutting down.

    PTB runs post_init with `run_until_complete`; SIGTERM raises SystemExit out of it and
    leaves the post_init task running while `shutdown` closes the HTTP client under it:
    its next call failed with "This HTTPXRequest is not initialized!" and asyncio logged
    "Task exception was never retrieved" (a worker stopped while registering its command
    menus, as a deploy may do). What post_init had opened is closed by post_shutdown.
    """

    async def shutdown(self) -> None:
        start_up = self.bot_data.start_up
        if start_up is not None and not start_up.done():
            start_up.cancel()
            await asyncio.gather(start_up, return_exceptions=True)
            log.info("stopped during start-up")
        await super().shutdown()


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
        services = build_services(settings, clock or SystemClock())
    inbox = UpdateInbox(services.storage.inbox, services.clock)
    processor = ChatOrderedProcessor(inbox)
    get_updates = inbox_first_get_updates(services, inbox, request)
    application = build_pipeline(settings, inbox, processor, request, get_updates)
    processor.application = application
    application.bot_data.services = services
    application.bot_data.processor = processor
    if isinstance(services.storage.db, PostgresDatabase):
        join_workers(application, services.storage.db, inbox, processor, get_updates)
    register_handlers(application)
    if settings.miniapp_url:
        attach_mini_app(application, settings, services)
    return application


def build_services(settings: Settings, clock: Clock) -> Services:
    """Storage (not opened yet: that is post_init's), the content bank, the clock."""
    return Services(
        settings=settings,
        storage=Storage(settings.database_target, pool_size=settings.database_pool_size),
        bank=load_bank(settings.content_dir),
        clock=clock,
    )


def inbox_first_get_updates(
    services: Services, inbox: UpdateInbox, request: BaseRequest | None
) -> InboxFirstRequest:
    """getUpdates through the inbox: each update is stored before Telegram hears the offset."""
    polls = services.storage.polls
    return InboxFirstRequest(
        # Two connections: on shutdown PTB calls getUpdates once more to confirm the offset,
        # and a long poll being cancelled may still hold the first one (with one, that final
        # call failed with "Pool timeout" and an ERROR in the log).
        request or HTTPXRequest(connection_pool_size=2),
        inbox,
        # A `poll` update only matters for a poll whose sendPoll never answered.
        ignorable=lambda raw: (
            "poll" in raw and polls.cached(str(raw["poll"].get("id"))) is not None
        ),
    )


def build_pipeline(
    settings: Settings,
    inbox: UpdateInbox,
    processor: ChatOrderedProcessor,
    request: BaseRequest | None,
    get_updates: InboxFirstRequest,
) -> TutorApplication:
    """The Application with the request/update pipeline: the durable inbox as its update
    queue, per-chat ordered processing, paced sends, a job queue that drains at stop."""
    builder = (
        Application.builder()
        .application_class(StopAwareApplication)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.base_file_url)
        .context_types(ContextTypes(context=TutorContext, bot_data=BotData))
        .rate_limiter(rate_limiter(settings))
        # Jobs still running at stop finish before the HTTP client closes: bot/jobs/queue.py.
        .job_queue(DrainingJobQueue())
        .update_queue(DurableUpdateQueue(inbox))
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    application: TutorApplication = builder.get_updates_request(get_updates).build()
    return application


def join_workers(
    application: TutorApplication,
    database: PostgresDatabase,
    inbox: UpdateInbox,
    processor: ChatOrderedProcessor,
    get_updates: InboxFirstRequest,
) -> None:
    """On PostgreSQL every process on the database is a worker (bot/pipeline/workers.py):
    partitions, leases (polling among them) and the send budget are shared."""
    limiter = application.bot.rate_limiter
    workers = WorkerCoordinator(
        database.url,
        inbox,
        processor,
        _queue(application),
        share_budget=(
            limiter.pacer.share if isinstance(limiter, PacedRateLimiter) else lambda f: None
        ),
        demand=(
            (lambda: limiter.pacer.demand) if isinstance(limiter, PacedRateLimiter) else (lambda: 0)
        ),
        replayed=application.bot_data.services.replayed_updates,
    )
    setattr(application.bot_data, "workers", workers)  # noqa: B010 (read by coordinator_of)
    get_updates.may_poll = lambda: workers.hold_lease("polling")


# Each feature's handlers, in the order PTB tries them (group 0).
FEATURES = (
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
    groupstats,
    group_settings,
    export,
    review,
    reload,
    language,
    dashboard,
)


def register_handlers(application: TutorApplication) -> None:
    """Every feature's handlers, then "wrong chat" replies and the fallbacks; the language
    handlers around them all; the error handler."""
    for module in FEATURES:
        application.add_handlers(module.handlers())
    application.add_handlers(chat_rules.wrong_chat_handlers())
    # Before every other handler: the language this update is answered in.
    application.add_handler(language.language_handler(), group=language.BEFORE_ALL_HANDLERS)
    application.add_handler(language.remember_language_handler(), group=language.AFTER_ALL_HANDLERS)
    application.add_handlers(start.fallback_handlers())
    application.add_error_handler(_on_error)


def attach_mini_app(application: TutorApplication, settings: Settings, services: Services) -> None:
    """The Mini App's web server (bot/web), started in post_init beside the bot."""
    application.bot_data.mini_app = MiniAppServer(
        host=settings.miniapp_listen,
        port=settings.dashboard_port,
        storage=services.storage,
        bank=lambda: application.bot_data.services.bank,
        clock=services.clock,
        bot_token=settings.telegram_bot_token.get_secret_value(),
        actions=dashboard.TelegramChatActions(application),
    )


async def _on_error(update: object, context: TutorContext) -> None:
    """Tell the pipeline which update failed; transient failures are retried, not reported."""
    error = context.error
    if error is not None:
        context.bot_data.processor.record_failure(update, error)
    if is_transient(error):
        log.warning("update handling hit a transient failure, will retry: %r", error)
        return
    await on_error(update, context)


def _queue(application: TutorApplication) -> DurableUpdateQueue:
    queue = application.update_queue
    assert isinstance(queue, DurableUpdateQueue)
    return queue


async def _post_init(application: TutorApplication) -> None:
    application.bot_data.start_up = asyncio.current_task()
    services = application.bot_data.services
    await services.storage.open()
    queue = _queue(application)
    workers = coordinator_of(application)
    # Updates received before a crash or stop and not handled go first, in their order.
    # Several workers: each replays its own partitions' as it takes them.
    pending = [] if workers else await queue.inbox.pending(application.bot)
    for update in pending:
        services.replayed_updates.add(update.update_id)
        queue.put_pending(update)
    if pending:
        log.info("replaying %d updates left pending by the last run", len(pending))
    await services.storage.poll_intents.expire(services.clock.now() - POLL_INTENT_LIFETIME)
    reload.install_reload_signal(application)
    if application.job_queue is not None:
        context = TutorContext(application)
        await reminders.rebuild_daily_jobs(application.job_queue, context)
        if workers is None:
            await challenge.resume_rounds(application.job_queue, context)
        else:
            job_queue = application.job_queue
            # A round's timer follows its chat's owner: resumed by whoever takes the chat.
            workers.on_acquired(
                lambda taken: challenge.resume_rounds(
                    job_queue, context, only=lambda chat_id: workers.owns_chat(chat_id)
                )
            )
        refit.schedule(
            application.job_queue,
            services.storage.memory_fits,
            lambda: services.bank.decks,
            services.clock,
        )
    if workers is not None:
        await workers.start(application)
    if application.bot_data.mini_app is not None:
        await application.bot_data.mini_app.start()
    # Last: registering the command menus is what tells the tests (and operators) we are up.
    await menus.register_menus_or_retry(application.bot, application.job_queue)
    queue.inbox.start_flusher()
    # Everything loaded so far (PTB, the content bank) lives for the whole process:
    # keep it out of the collector's sweeps, whose pauses would bunch up sends.
    gc.freeze()
    log.info(
        "ready: %d decks, %d items, database %s",
        len(services.bank.decks),
        sum(len(deck.items) for deck in services.bank.decks),
        services.settings.database_description,
    )


async def _post_stop(application: TutorApplication) -> None:
    # Prompts being sent finish while the HTTP client is still open (it closes at shutdown).
    await application.bot_data.services.daily_queue.close()
    # Every update handled so far is written down, so a clean restart replays nothing.
    await _queue(application).inbox.stop_flusher()
    # Then this worker's partitions and leases go to the others.
    workers = coordinator_of(application)
    if workers is not None:
        await workers.stop()


async def _post_shutdown(application: TutorApplication) -> None:
    reload.remove_reload_signal()
    if application.bot_data.mini_app is not None:
        await application.bot_data.mini_app.stop()
    # post_stop does not run when start-up was interrupted (a signal during post_init).
    await _queue(application).inbox.stop_flusher()
    workers = coordinator_of(application)
    if workers is not None:
        await workers.stop()
    await application.bot_data.services.storage.close()


def run(settings: Settings) -> None:
    application = build_application(settings)
    if settings.webhook_url:
        # PTB answers Telegram's POST with 200 once the update is queued: make that durable.
        _queue(application).flush_on_put = True
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

"""Updates of one chat in order, different chats at once; transient failures retried.

PTB's `concurrent_updates=True` runs everything at once and loses each chat's order;
the default runs one update at a time, so one slow call (a Telegram timeout) freezes
every learner. Here each update waits only for the earlier updates of its own chat (or
user, for poll answers), and a handler that failed for a transient reason (a locked
database, Telegram 5xx or timeout) runs again with backoff before the chat moves on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.failures import is_transient
from bot.pipeline.inbox import UpdateInbox

log = logging.getLogger(__name__)

# Updates handled at the same moment. Most of them wait: on the database, or on a send
# slot when replies outpace Telegram's 30 messages/s. Waiting coroutines are cheap, and a
# low cap would make new answers queue behind replies still waiting to be sent.
MAX_RUNNING = 4096
# Updates PTB may hand over before we accept no more: the ones waiting for their chat's turn.
MAX_ACCEPTED = 100_000
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
# After this long an update still failing for a transient reason is left pending in
# SQLite (handled again at the next start) so its chat can move on.
GIVE_UP_AFTER_SECONDS = 600.0


def ordering_key(update: object) -> int | None:
    """Updates with the same key are handled in order: the chat, else the user.

    A private chat's id is its user's id, so a learner's poll answers stay in order with
    their messages and button presses. Poll updates carry neither and need no order.
    """
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, inbox: UpdateInbox, max_running: int = MAX_RUNNING) -> None:
        super().__init__(max_concurrent_updates=MAX_ACCEPTED)
        self._inbox = inbox
        self._running = asyncio.Semaphore(max_running)
        self._turns: dict[int, _Turn] = {}
        self._failures: dict[int, BaseException] = {}
        self._active = 0
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def busy(self) -> bool:
        """True while any update is being handled or waits for its chat's turn."""
        return self._active > 0

    def record_failure(self, update: object, error: BaseException) -> None:
        """Called by the error handler: the handler of `update` raised `error`."""
        if isinstance(update, Update):
            self._failures[update.update_id] = error

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self._active += 1
        try:
            await self._in_turn(update, coroutine)
        finally:
            self._active -= 1

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        # Taken before the first await: tasks reach this line in the order PTB fetched them,
        # and asyncio.Lock wakes its waiters in that order.
        turn = self._turns.setdefault(key, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                await self._run(update, coroutine)
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self._running:
                await coroutine
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            async with self._running:
                await coroutine
            error = self._failures.pop(update.update_id, None)
            if error is None:
                self._inbox.handled(update.update_id)
                return
            if not is_transient(error):
                self._inbox.failed(update.update_id, f"{type(error).__name__}: {error}"[:2000])
                return
            if loop.time() - started > GIVE_UP_AFTER_SECONDS:
                log.warning(
                    "update %s still fails (%s) after %.0f s; left pending for the next start",
                    update.update_id,
                    error,
                    loop.time() - started,
                )
                self._inbox.given_up(update.update_id)
                return
            attempt += 1
            delay = min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS)
            delay *= random.uniform(0.8, 1.2)
            log.warning(
                "update %s failed (%s: %s); retry %d in %.1f s",
                update.update_id,
                type(error).__name__,
                error,
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
            assert self.application is not None, "wired in bot.app.build_application"
            coroutine = self.application.process_update(update)

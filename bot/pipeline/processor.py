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
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.failures import is_transient
from bot.pipeline.inbox import UpdateInbox
from bot.pipeline.partitions import ordering_key, partition_of

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
        # Several workers (PostgreSQL): whether this worker still owns the update's partition.
        # Asked when the update's turn comes (and before each retry): one whose partition
        # was lost meanwhile is left pending in the inbox for its new owner.
        self.gate: Callable[[int], bool] | None = None
        self._by_partition: Counter[int] = Counter()

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

    def active_in(self, partition: int) -> int:
        """Updates of `partition` being handled or waiting for their turn."""
        return self._by_partition[partition]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self._active += 1
        partition = partition_of(update) if isinstance(update, Update) else None
        if partition is not None:
            self._by_partition[partition] += 1
        try:
            await self._in_turn(update, coroutine)
        finally:
            self._active -= 1
            if partition is not None:
                self._by_partition[partition] -= 1
                if not self._by_partition[partition]:
                    del self._by_partition[partition]

    def _admitted(self, update: Update, coroutine: Awaitable[Any]) -> bool:
        if self.gate is None or self.gate(partition_of(update)):
            return True
        log.info("update %s: its partition moved to another worker; left to it", update.update_id)
        if asyncio.iscoroutine(coroutine):
            coroutine.close()
        self._inbox.given_up(update.update_id)
        return False

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
            if not self._admitted(update, coroutine):
                return
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

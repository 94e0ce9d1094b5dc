"""Updates are written to SQLite before Telegram hears they were received.

Polling: PTB's Updater puts a fetched batch in the update queue, then confirms it with
the offset of its next getUpdates. `InboxFirstRequest` flushes the inbox before every
getUpdates goes out, so the confirmation never overtakes the rows. Webhook: PTB answers
200 once `put` returns, so there `put` itself waits for the flush. Flushes are group
commits: every update received and every update handled since the last one, in one
transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.domain.clock import Clock
from bot.storage.inbox import InboxEntry, InboxRepository

log = logging.getLogger(__name__)

# Handled marks are written lazily: losing them in a crash only means a replay, which
# changes nothing (answers are unique, prompts and rounds are claimed in SQLite).
HANDLED_FLUSH_SECONDS = 0.1


class UpdateInbox:
    """What has been received, handled or failed since the last flush, and the flush itself."""

    def __init__(self, repository: InboxRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock
        self._received: list[InboxEntry] = []
        self._handled: list[int] = []
        self._failed: list[tuple[int, str]] = []
        self._in_flight: set[int] = set()
        self._flush_lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None

    def receive(self, update: Update) -> bool:
        """Note a new update for the next flush; False when it is already being handled."""
        if update.update_id in self._in_flight:
            return False
        self._in_flight.add(update.update_id)
        self._received.append(InboxEntry(update.update_id, json.dumps(update.to_dict())))
        return True

    def resume(self, update_id: int) -> None:
        """An update replayed from the inbox at start-up: stored already, in flight again."""
        self._in_flight.add(update_id)

    def handled(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self._handled.append(update_id)

    def failed(self, update_id: int, error: str) -> None:
        self._in_flight.discard(update_id)
        self._failed.append((update_id, error))

    def given_up(self, update_id: int) -> None:
        """Still failing for a transient reason: left pending in SQLite for the next start."""
        self._in_flight.discard(update_id)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def flush(self) -> None:
        """Write everything noted so far; concurrent callers share one transaction."""
        async with self._flush_lock:
            received, self._received = self._received, []
            handled, self._handled = self._handled, []
            failed, self._failed = self._failed, []
            try:
                await self._repository.apply(received, handled, failed, self._clock.now())
            except BaseException:
                # Not written: keep them for the next flush, in their order.
                self._received = received + self._received
                self._handled = handled + self._handled
                self._failed = failed + self._failed
                raise

    async def pending(self, bot: Bot) -> list[Update]:
        updates = []
        for entry in await self._repository.pending():
            update = Update.de_json(json.loads(entry.payload), bot)
            self.resume(update.update_id)
            updates.append(update)
        return updates

    def start_flusher(self) -> None:
        self._flusher = asyncio.create_task(self._flush_handled_marks(), name="inbox-flusher")

    async def stop_flusher(self) -> None:
        if self._flusher is None:
            return
        self._flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._flusher
        self._flusher = None
        await self.flush()

    async def _flush_handled_marks(self) -> None:
        while True:
            await asyncio.sleep(HANDLED_FLUSH_SECONDS)
            if self._handled or self._failed:
                try:
                    await self.flush()
                except Exception:
                    log.warning("could not write handled updates; will try again", exc_info=True)


class DurableUpdateQueue(asyncio.Queue[object]):
    """PTB's update queue, with every Update noted in the inbox on its way in."""

    def __init__(self, inbox: UpdateInbox) -> None:
        super().__init__()
        self.inbox = inbox
        # Webhook mode: PTB answers Telegram's POST with 200 as soon as `put` returns.
        self.flush_on_put = False

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            if not self.inbox.receive(item):
                log.info("update %s is already being handled; duplicate ignored", item.update_id)
                return
            if self.flush_on_put:
                await self.inbox.flush()
        await super().put(item)

    def put_pending(self, update: Update) -> None:
        """An update replayed from the inbox: already durable."""
        self.put_nowait(update)


class InboxFirstRequest(BaseRequest):
    """The getUpdates request: flushes the inbox first, since getUpdates' offset confirms."""

    def __init__(self, inner: BaseRequest, inbox: UpdateInbox) -> None:
        self._inner = inner
        self._inbox = inbox

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if url.rsplit("/", 1)[-1].lower() == "getupdates":
            try:
                await self._inbox.flush()
            except Exception as error:
                # Not stored, so not confirmed: PTB's polling loop backs off and calls again.
                raise NetworkError(f"update inbox not writable: {error}") from error
        return await self._inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )

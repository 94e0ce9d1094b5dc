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
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.domain.clock import Clock
from bot.pipeline.partitions import partition_of
from bot.storage.inbox import InboxEntry, InboxRepository

log = logging.getLogger(__name__)

# A worker without the polling lease (PostgreSQL, several workers) answers its own
# getUpdates with nothing after this long, and asks for the lease again at the next one.
LEASE_WAIT_SECONDS = 1.0
_NO_UPDATES = b'{"ok": true, "result": []}'

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
        # Whether a row received since the last flush is for another worker (or for this
        # one's dispatcher): only then is the commit announced to the workers listening.
        self._announce = False
        self._raw: dict[int, str] = {}
        self._flush_lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def fetched(self, raw_updates: list[dict[str, Any]]) -> None:
        """getUpdates' own JSON for these updates: stored as Telegram sent it (and cheaper
        than serialising PTB's objects again)."""
        for raw in raw_updates:
            self._raw[raw["update_id"]] = json.dumps(raw, ensure_ascii=False)

    def receive(self, update: Update, *, handled_here: bool = True) -> bool:
        """Note a new update for the next flush; False when it is already being handled.
        `handled_here`: False when its owner reads it from the inbox (see `handed_off`)."""
        payload = self._raw.pop(update.update_id, None)
        if update.update_id in self._in_flight:
            return False
        self._in_flight.add(update.update_id)
        self._announce = self._announce or not handled_here
        if payload is None:  # webhook mode: only PTB's object is at hand
            payload = json.dumps(update.to_dict(), ensure_ascii=False)
        self._received.append(InboxEntry(update.update_id, payload, partition_of(update)))
        return True

    def handed_off(self, update_id: int) -> None:
        """Noted for the inbox, but another worker owns its chat and handles it."""
        self._in_flight.discard(update_id)

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

    async def flush(self) -> None:
        """Write everything noted so far; concurrent callers share one transaction."""
        async with self._flush_lock:
            received, self._received = self._received, []
            handled, self._handled = self._handled, []
            failed, self._failed = self._failed, []
            announce, self._announce = self._announce, False
            try:
                await self._repository.apply(
                    received, handled, failed, self._clock.now(), announce=announce
                )
            except BaseException:
                self._announce = self._announce or announce
                # Not written: keep them for the next flush, in their order.
                self._received = received + self._received
                self._handled = handled + self._handled
                self._failed = failed + self._failed
                raise

    async def claim_pending(
        self, partitions: list[int], limit: int
    ) -> tuple[list[InboxEntry], set[int]]:
        """Rows of `partitions` pending in the inbox and not being handled here: now in flight.
        Also the partitions of updates received here but not written yet (not seen by this
        read).

        Read under the flush lock, so an update handled here whose row is not deleted yet
        (its mark waits for the next flush) is never taken for a new one.
        """
        async with self._flush_lock:
            ids = await self._repository.pending_ids_in(partitions, limit)
            entries = await self._repository.entries(
                [update_id for update_id in ids if update_id not in self._in_flight]
            )
            # Checked again after the last read: an update being handled here may have
            # finished meanwhile (no longer in flight, its row not deleted until the next
            # flush, which waits for this lock).
            settled = set(self._handled) | {update_id for update_id, _ in self._failed}
            entries = [
                entry
                for entry in entries
                if entry.update_id not in self._in_flight and entry.update_id not in settled
            ]
            for entry in entries:
                self._in_flight.add(entry.update_id)
            # After the reads too: an update received while they ran is not in them.
            unwritten = {entry.partition for entry in self._received}
        return entries, unwritten

    async def pending(self, bot: Bot) -> list[Update]:
        updates = []
        for entry in await self._repository.pending():
            update = Update.de_json(json.loads(entry.payload), bot)
            self.resume(update.update_id)
            updates.append(update)
        return updates

    def start_flusher(self) -> None:
        self._stopping = asyncio.Event()
        self._flusher = asyncio.create_task(self._flush_handled_marks(), name="inbox-flusher")

    async def stop_flusher(self) -> None:
        if self._flusher is None:
            return
        # Asked to stop, not cancelled: a flush under way finishes its transaction first.
        self._stopping.set()
        await self._flusher
        self._flusher = None
        await self.flush()

    async def _flush_handled_marks(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), HANDLED_FLUSH_SECONDS)
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
        # Several workers (PostgreSQL): whether this worker handles a partition's updates as
        # they come. Else (another worker's partition, or one this worker has just taken and
        # whose earlier rows it is still reading) the update is only stored here, and its
        # owner reads it from the inbox in order.
        self.owns: Callable[[int], bool] | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            here = self.owns is None or self.owns(partition_of(item))
            if not self.inbox.receive(item, handled_here=here):
                log.info("update %s is already being handled; duplicate ignored", item.update_id)
                return
            if self.flush_on_put:
                await self.inbox.flush()
            if not here:
                self.inbox.handed_off(item.update_id)
                return
        await super().put(item)

    def put_pending(self, update: Update) -> None:
        """An update replayed from the inbox: already durable."""
        self.put_nowait(update)


class InboxFirstRequest(BaseRequest):
    """The getUpdates request: flushes the inbox first, since getUpdates' offset confirms.

    `ignorable` names updates that need no handling at all (Telegram's `poll` update after
    each vote on a poll we know): they are left out of the batch before PTB parses it,
    which in a group round is half of all updates and most of the parsing. The batch's
    last update always stays, so PTB's next offset still confirms everything fetched.
    """

    def __init__(
        self,
        inner: BaseRequest,
        inbox: UpdateInbox,
        ignorable: Callable[[dict[str, Any]], bool] = lambda raw: False,
    ) -> None:
        self._inner = inner
        self._inbox = inbox
        self._ignorable = ignorable
        # Several workers: True while this worker holds the polling lease (else it waits).
        self.may_poll: Callable[[], Awaitable[bool]] | None = None

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
        async def call() -> tuple[int, bytes]:
            return await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )

        if url.rsplit("/", 1)[-1].lower() != "getupdates":
            return await call()
        try:
            await self._inbox.flush()
        except Exception as error:
            # Not stored, so not confirmed: PTB's polling loop backs off and calls again.
            raise NetworkError(f"update inbox not writable: {error}") from error
        if self.may_poll is not None and not await self.may_poll():
            # Another worker polls: this one only handles its partitions, fed by the inbox.
            await asyncio.sleep(LEASE_WAIT_SECONDS)
            return 200, _NO_UPDATES
        status, body = await call()
        if status != 200:
            return status, body
        try:
            response = json.loads(body)
            updates = response["result"]
        except (ValueError, KeyError, TypeError):
            return status, body  # PTB reports what is wrong with it
        kept = [raw for raw in updates[:-1] if not self._ignorable(raw)] + updates[-1:]
        self._inbox.fetched(kept)
        if len(kept) == len(updates):
            return status, body
        response["result"] = kept
        return status, json.dumps(response, ensure_ascii=False).encode()

"""Several workers on one PostgreSQL database: who handles which chats, who polls, who ticks.

Every `python -m bot` process with the same `DATABASE_URL` is a worker. Each holds one
connection of its own (`bot.storage.coordination.LockSession`) with session advisory locks:

- a **member** lock (its random member id): the live workers are counted in `pg_locks`;
- **partition** locks: chats fall into PARTITIONS partitions (bot/pipeline/partitions.py);
  each worker owns a fair share, ⌈PARTITIONS / live workers⌉, rebalanced every second.
  A worker handles only its own partitions' inbox rows, in update order; an update another
  worker received is read from the inbox when its NOTIFY arrives (or at the next second's
  poll, as a fallback). A partition given up is first drained (updates of it running here
  finish; those waiting are left to the new owner), then unlocked;
- **leases**: `polling` (the one worker calling getUpdates) and `daily-tick` (the one
  worker ticking the daily prompts), taken when free and held while the connection lives.

A worker that dies drops its connection and the server releases all its locks at once; the
others count one member less, take its partitions within a second, replay their pending
rows (handlers are idempotent) and resume its challenge rounds' timers. A worker whose lock
connection fails (a ping unanswered for 3 s, a server restart) stops handling at once —
owns nothing, holds no lease — and reconnects, then takes its share again.

The send budget is shared: every second each worker NOTIFYs the others how many sends it
has waiting and paces at its fraction of the token's budget (`bot.pacing.budget_fraction`:
an even part for everyone, the rest by demand).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.pacing import budget_fraction
from bot.pipeline.inbox import DurableUpdateQueue, UpdateInbox
from bot.pipeline.partitions import PARTITIONS, partition_of_chat
from bot.pipeline.processor import ChatOrderedProcessor
from bot.storage.coordination import LEASES, MEMBERS, PARTITION_LOCKS, LockSession, lease_key
from bot.storage.inbox import INBOX_CHANNEL

log = logging.getLogger(__name__)

# How often a worker counts the live workers, checks its lock connection and rebalances;
# also the fallback poll of the inbox when no NOTIFY came. Takeover of a dead worker's
# partitions takes at most about this long (plus reading their pending rows).
REBALANCE_SECONDS = 1.0
# Pending row ids read per inbox scan (ids only: the payloads read are the new ones).
SCAN_LIMIT = 50_000
# A partition being given up waits this long at most for its running updates to finish.
DRAIN_SECONDS = 30.0
DRAIN_POLL_SECONDS = 0.02
# A partition being caught up is read again this soon.
CATCH_UP_POLL_SECONDS = 0.02
# Workers tell each other every round how many sends they have waiting (see bot/pacing.py).
BUDGET_CHANNEL = "quiz_budget"
DEMAND_FRESH_SECONDS = 3 * REBALANCE_SECONDS
RECONNECT_FIRST_SECONDS = 0.2
RECONNECT_MAX_SECONDS = 5.0

Acquired = Callable[[frozenset[int]], Awaitable[object]]


class WorkerCoordinator:
    def __init__(
        self,
        url: str,
        inbox: UpdateInbox,
        processor: ChatOrderedProcessor,
        queue: DurableUpdateQueue,
        *,
        partitions: int = PARTITIONS,
        share_budget: Callable[[float], None] = lambda fraction: None,
        demand: Callable[[], int] = lambda: 0,
        replayed: set[int] | None = None,
    ) -> None:
        self._session = LockSession(url)
        self._inbox = inbox
        self._processor = processor
        self._queue = queue
        self._partitions = partitions
        self._share_budget = share_budget
        self._demand = demand
        # member id → (sends waiting, when heard): the other workers' demand for the budget.
        self._heard: dict[int, tuple[int, float]] = {}
        self._published = 0
        self._replayed = replayed if replayed is not None else set()
        self.member_id = 0
        self.owned: set[int] = set()
        # Taken, but earlier rows may still be unread: their new updates wait in the inbox
        # too, so none overtakes an older one of the same chat.
        self._catching_up: set[int] = set()
        self._releasing: set[int] = set()
        self._leases: set[str] = set()
        self.live_workers = 1
        self._bot: Any = None
        self._application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._on_acquired: list[Acquired] = []
        self._wake = asyncio.Event()
        self._replay_next_scan = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.started = False
        # Counts lock connections: a drain begun on an earlier one must not unlock on this one.
        self._generation = 0

    # -- what the rest of the bot asks ---------------------------------------------------

    def owns(self, partition: int) -> bool:
        return partition in self.owned and self._session.alive

    def takes_directly(self, partition: int) -> bool:
        """An update of `partition` received here may be handled at once (see `_dispatch`)."""
        return partition not in self._catching_up and self.owns(partition)

    def owns_chat(self, chat_id: int) -> bool:
        return self.owns(partition_of_chat(chat_id, self._partitions))

    async def hold_lease(self, name: str) -> bool:
        """True while this worker holds the lease `name` (taking it now if it is free)."""
        if not self._session.alive:
            self._leases.clear()
            return False
        if name in self._leases:
            return True
        try:
            if await self._session.try_lock(LEASES, lease_key(name)):
                log.info("worker %s took the %s lease", self.member_id, name)
                self._leases.add(name)
                return True
        except Exception as error:
            log.warning("could not ask for the %s lease: %r", name, error)
        return False

    def on_acquired(self, callback: Acquired) -> None:
        """`callback(partitions)` runs after this worker takes partitions (to resume timers)."""
        self._on_acquired.append(callback)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Connect, join, take a first share; raises if the database cannot be reached."""
        self._bot = application.bot
        self._application = application
        self._processor.gate = self.owns
        self._queue.owns = self.takes_directly
        await self._join()
        # From now on the handlers and jobs ask it (`owns_chat`, `holds_lease`).
        self.started = True
        self._tasks = [
            asyncio.create_task(self._maintain(), name="workers-maintain"),
            asyncio.create_task(self._dispatch(), name="workers-dispatch"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.owned.clear()
        self._leases.clear()
        await self._session.unlisten_all()
        await self._session.close()

    async def _join(self) -> None:
        self.owned.clear()
        self._catching_up.clear()
        self._releasing.clear()
        self._leases.clear()
        self._generation += 1
        await self._session.connect()
        while True:
            self.member_id = random.randint(1, 2**31 - 1)
            if await self._session.try_lock(MEMBERS, self.member_id):
                break
        await self._session.listen(INBOX_CHANNEL, lambda payload: self._wake.set())
        await self._session.listen(BUDGET_CHANNEL, self._hear_demand)
        log.info("worker %s joined", self.member_id)
        await self._rebalance()

    def _lose_everything(self, why: object) -> None:
        if self.owned or self._leases:
            log.warning(
                "worker %s lost its lock connection (%s): stops handling %d partitions%s",
                self.member_id,
                why,
                len(self.owned),
                f" and the {', '.join(sorted(self._leases))} lease" if self._leases else "",
            )
        self.owned.clear()
        self._catching_up.clear()
        self._releasing.clear()
        self._leases.clear()
        self._session.drop()

    async def _maintain(self) -> None:
        delay = RECONNECT_FIRST_SECONDS
        while not self._stopping:
            await asyncio.sleep(REBALANCE_SECONDS)
            try:
                if not self._session.alive:
                    # Closed under us (a server restart): its locks are gone with it.
                    self._lose_everything("the connection closed")
                    await self._join()
                    log.info("worker %s reconnected", self.member_id)
                else:
                    await self._rebalance()
                delay = RECONNECT_FIRST_SECONDS
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._lose_everything(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _rebalance(self) -> None:
        live = max(1, await self._session.holders(MEMBERS))
        if live != self.live_workers:
            log.info("worker %s: %d live workers", self.member_id, live)
        self.live_workers = live
        await self._share_the_budget(live)
        fair = math.ceil(self._partitions / live)
        if len(self.owned) > fair:
            extra = random.sample(sorted(self.owned), len(self.owned) - fair)
            log.info(
                "worker %s gives up %d partitions (owns %d of %d)",
                self.member_id,
                len(extra),
                fair,
                self._partitions,
            )
            self._release(extra)
        elif len(self.owned) < fair:
            candidates = [
                p for p in range(self._partitions) if p not in self.owned | self._releasing
            ]
            random.shuffle(candidates)
            taken = await self._session.try_lock_many(
                PARTITION_LOCKS, candidates, fair - len(self.owned)
            )
            if taken:
                self.owned.update(taken)
                self._catching_up.update(taken)
                log.info(
                    "worker %s took %d partitions (owns %d of %d)",
                    self.member_id,
                    len(taken),
                    len(self.owned),
                    self._partitions,
                )
                for callback in self._on_acquired:
                    try:
                        await callback(frozenset(taken))
                    except Exception:
                        log.exception("resuming work of partitions %s failed", sorted(taken))
                self._replay_next_scan = True
                self._wake.set()

    def _hear_demand(self, payload: str) -> None:
        member, _, waiting = payload.partition(" ")
        with contextlib.suppress(ValueError):
            if int(member) != self.member_id:
                self._heard[int(member)] = (int(waiting), asyncio.get_running_loop().time())

    async def _share_the_budget(self, live: int) -> None:
        """Tell the others how many sends wait here; pace at this worker's fraction."""
        now = asyncio.get_running_loop().time()
        self._heard = {
            member: heard
            for member, heard in self._heard.items()
            if now - heard[1] < DEMAND_FRESH_SECONDS
        }
        current = self._demand()
        # An increase counts from the next round, once the others have heard it too, so the
        # fractions never add up past the budget; a decrease counts at once.
        own = min(current, self._published)
        self._share_budget(
            budget_fraction(own, [waiting for waiting, _ in self._heard.values()], live)
        )
        await self._session.notify(BUDGET_CHANNEL, f"{self.member_id} {current}")
        self._published = current

    def _release(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.owned.discard(partition)
            self._catching_up.discard(partition)
            self._releasing.add(partition)
            task = asyncio.create_task(
                self._drain_and_unlock(partition, self._generation), name="workers-release"
            )
            self._tasks.append(task)
            task.add_done_callback(
                lambda done: self._tasks.remove(done) if done in self._tasks else None
            )

    async def _drain_and_unlock(self, partition: int, generation: int) -> None:
        for _ in range(int(DRAIN_SECONDS / DRAIN_POLL_SECONDS)):
            if not self._processor.active_in(partition):
                break
            await asyncio.sleep(DRAIN_POLL_SECONDS)
        # Its handled marks go first, so the next owner does not replay what is done.
        with contextlib.suppress(Exception):
            await self._inbox.flush()
        if partition in self._releasing and generation == self._generation:
            try:
                await self._session.unlock(PARTITION_LOCKS, partition)
            except Exception as error:
                # Left locked but not owned, nobody would handle it: start over instead.
                self._lose_everything(error)
            self._releasing.discard(partition)

    async def _dispatch(self) -> None:
        """Feed this worker's partitions' pending rows to the Application, in update order."""
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), REBALANCE_SECONDS)
            self._wake.clear()
            owned = sorted(self.owned)
            read = set(owned)
            if not owned or not self._session.alive:
                continue
            replay, self._replay_next_scan = self._replay_next_scan, False
            try:
                entries, unwritten = await self._inbox.claim_pending(owned, SCAN_LIMIT)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("could not read the inbox: %r", error)
                self._replay_next_scan = self._replay_next_scan or replay
                continue
            if self._application is not None and not self._application.running:
                # Stopping: PTB has queued its stop signal and waits for the queue to empty;
                # an update put after it would never be taken, and the wait never ends.
                # The rows stay pending for whoever owns these partitions next.
                for entry in entries:
                    self._inbox.given_up(entry.update_id)
                continue
            for entry in entries:
                update = Update.de_json(json.loads(entry.payload), self._bot)
                if replay:
                    self._replayed.add(update.update_id)
                self._queue.put_pending(update)
            if replay and entries:
                log.info("worker %s: replaying %d updates", self.member_id, len(entries))
            # A partition just taken is caught up once a read finds nothing new of it, and
            # nothing received here waits to be written: every earlier row is queued here.
            self._catching_up -= {
                p
                for p in self._catching_up
                if p in read and p not in unwritten and all(e.partition != p for e in entries)
            }
            self._catching_up &= self.owned
            if self._catching_up:
                await asyncio.sleep(CATCH_UP_POLL_SECONDS)
                self._wake.set()


def coordinator_of(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> WorkerCoordinator | None:
    """The application's coordinator: None with SQLite (one process does it all)."""
    found = getattr(application.bot_data, "workers", None)
    return found if isinstance(found, WorkerCoordinator) else None


def owns_chat(application: Application[Any, Any, Any, Any, Any, Any], chat_id: int) -> bool:
    """Whether this process handles `chat_id`'s work (always, with SQLite)."""
    workers = coordinator_of(application)
    # Not started (a test's Application without post_init): one process, it does it all.
    return workers is None or not workers.started or workers.owns_chat(chat_id)


async def holds_lease(application: Application[Any, Any, Any, Any, Any, Any], name: str) -> bool:
    """Whether this process runs the singleton work `name` (always, with SQLite)."""
    workers = coordinator_of(application)
    return workers is None or not workers.started or await workers.hold_lease(name)

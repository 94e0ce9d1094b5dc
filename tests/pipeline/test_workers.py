"""The worker coordinator against a real PostgreSQL server: partitions shared fairly and
never owned twice, leases held by one worker at a time, everything dropped at once when
the lock connection goes; the partition function and the budget split."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from telegram import Update

from bot.domain.clock import ManualClock
from bot.pacing import EVEN_PART, PriorityPacer, budget_fraction
from bot.pipeline import ChatOrderedProcessor, DurableUpdateQueue, UpdateInbox
from bot.pipeline.partitions import PARTITIONS, partition_of, partition_of_chat
from bot.pipeline.workers import WorkerCoordinator
from bot.storage import Storage
from bot.storage.inbox import InboxEntry
from tests.conftest import START, Postgres

Workers = Callable[[], Awaitable[WorkerCoordinator]]


@pytest.fixture
async def url(postgres: Postgres) -> AsyncIterator[str]:
    fresh = await postgres.fresh()
    yield fresh
    await postgres.drop(fresh)


@pytest.fixture
async def workers(url: str) -> AsyncIterator[Workers]:
    made: list[tuple[WorkerCoordinator, Storage]] = []

    async def start() -> WorkerCoordinator:
        storage = Storage(url, pool_size=2)
        await storage.open()
        inbox = UpdateInbox(storage.inbox, ManualClock(START))
        coordinator = WorkerCoordinator(
            url, inbox, ChatOrderedProcessor(inbox), DurableUpdateQueue(inbox)
        )
        app = type("App", (), {"bot": None, "running": True})()  # what start() reads of one
        await coordinator.start(app)
        made.append((coordinator, storage))
        return coordinator

    yield start
    for coordinator, storage in made:
        await coordinator.stop()
        await storage.close()


async def settle(check: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("did not settle")


async def test_partitions_are_shared_fairly_and_never_owned_twice(workers: Workers) -> None:
    first = await workers()
    assert len(first.owned) == PARTITIONS  # alone: everything
    second = await workers()
    third = await workers()
    everyone = (first, second, third)
    await settle(lambda: sorted(len(w.owned) for w in everyone) == [20, 22, 22])
    assert first.owned.isdisjoint(second.owned) and second.owned.isdisjoint(third.owned)
    assert first.owned.isdisjoint(third.owned)
    assert first.owned | second.owned | third.owned == set(range(PARTITIONS))
    assert all(w.live_workers == 3 for w in everyone)

    await third.stop()  # its locks go with its connection; the others take its share
    await settle(lambda: len(first.owned) + len(second.owned) == PARTITIONS)
    assert first.owned.isdisjoint(second.owned)


async def test_a_lease_has_one_holder_and_passes_on_when_it_goes(workers: Workers) -> None:
    first = await workers()
    second = await workers()
    assert await first.hold_lease("polling")
    assert not await second.hold_lease("polling")
    assert await first.hold_lease("polling")  # held, not taken twice
    assert await second.hold_lease("daily-tick")
    await first.stop()
    assert await second.hold_lease("polling")


async def test_a_worker_whose_lock_connection_drops_owns_nothing_at_once(
    workers: Workers, url: str
) -> None:
    first = await workers()
    second = await workers()
    await settle(lambda: len(first.owned) == len(second.owned) == PARTITIONS // 2)
    assert await first.hold_lease("polling")
    admin = await asyncpg.connect(url)
    try:
        # The server ends the worker's lock session (as a network cut or a restart would).
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            f"quiz-tutor-locks:{os.getpid()}",
        )
    finally:
        await admin.close()
    # Both test workers share this process id, so both lost their session: neither owns.
    # "At once": as soon as the client sees the connection end, well before the next
    # rebalance round (1 s) would notice.
    await settle(
        lambda: not any(first.owns(p) or second.owns(p) for p in range(PARTITIONS)), seconds=0.3
    )
    # Then they reconnect and share everything again.
    await settle(lambda: len(first.owned) + len(second.owned) == PARTITIONS)
    assert first.owned.isdisjoint(second.owned)


async def test_a_worker_reads_its_partitions_rows_in_order_and_skips_others(
    workers: Workers, url: str
) -> None:
    storage = Storage(url, pool_size=2)
    await storage.open()
    try:
        rows = [InboxEntry(update_id, "{}", update_id % PARTITIONS) for update_id in range(1, 200)]
        await storage.inbox.apply(rows, [], [], START)
        ids = await storage.inbox.pending_ids_in([3, 5], limit=100)
        assert ids == sorted(i for i in range(1, 200) if i % PARTITIONS in (3, 5))
        entries = await storage.inbox.entries(ids[:2])
        assert [entry.update_id for entry in entries] == ids[:2]
        assert {entry.partition for entry in entries} <= {3, 5}
    finally:
        await storage.close()


def test_a_chats_updates_share_a_partition_and_group_ids_fit() -> None:
    for chat in (-1001234567890, -5, 0, 42, 2**40 + 3):
        assert 0 <= partition_of_chat(chat) < PARTITIONS
    message = {
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 4242, "type": "private"},
            "from": {"id": 4242, "is_bot": False, "first_name": "A"},
            "text": "/quiz",
        },
    }
    vote = {
        "update_id": 8,
        "poll_answer": {
            "poll_id": "p",
            "user": {"id": 4242, "is_bot": False, "first_name": "A"},
            "option_ids": [0],
            "option_persistent_ids": ["a"],
        },
    }
    # A learner's poll answers go with their private chat's messages.
    assert partition_of(Update.de_json(message, None)) == partition_of(  # type: ignore[arg-type]
        Update.de_json(vote, None)  # type: ignore[arg-type]
    )


def test_the_budget_fractions_add_up_and_follow_demand() -> None:
    demands = [600, 0, 3]
    fractions = [
        budget_fraction(own, [d for j, d in enumerate(demands) if j != i], 3)
        for i, own in enumerate(demands)
    ]
    assert sum(fractions) == pytest.approx(1.0)
    assert fractions[0] > 0.9 * (1 - EVEN_PART)  # the fan-out gets most of it
    assert min(fractions) >= EVEN_PART / 3  # an idle worker still answers at once
    # Not heard from yet: counted as idle, never as absent.
    assert budget_fraction(0, [], 3) == pytest.approx(1 / 3)
    assert budget_fraction(5, [], 1) == pytest.approx(1.0)


def test_a_pacer_keeps_to_its_share() -> None:
    pacer = PriorityPacer(30.0)
    pacer.share(0.25)
    assert pacer.interval == pytest.approx(1 / 7.5)
    pacer.share(1.0)
    assert pacer.interval == pytest.approx(1 / 30)


async def test_workers_hear_of_new_rows_only_when_some_are_for_another(url: str) -> None:
    """A worker that handles every update it receives commits them without waking the
    others (in a burst on one worker, each NOTIFY had every dispatcher scan the inbox)."""
    storage = Storage(url, pool_size=2)
    await storage.open()
    listener = await asyncpg.connect(url)
    heard: list[str] = []
    await listener.add_listener("quiz_inbox", lambda *args: heard.append(args[-1]))
    try:
        inbox = UpdateInbox(storage.inbox, ManualClock(START))
        queue = DurableUpdateQueue(inbox)

        def message(update_id: int, chat_id: int) -> Update:
            return Update.de_json(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": chat_id, "type": "private"},
                        "text": "/start",
                    },
                },
                None,
            )

        mine = partition_of_chat(42)
        queue.owns = lambda partition: partition == mine
        await queue.put(message(1, 42))
        await inbox.flush()
        await asyncio.sleep(0.3)
        assert heard == []  # stored, handled here: nobody else to tell
        assert await storage.inbox.pending_ids_in([mine], limit=10) == [1]

        other = next(chat for chat in range(43, 200) if partition_of_chat(chat) != mine)
        await queue.put(message(2, other))
        await inbox.flush()
        await settle(lambda: len(heard) == 1, seconds=5)
        assert len(heard) == 1
    finally:
        await listener.close()
        await storage.close()

"""Webhook mode with two workers: each accepts Telegram's POSTs, answers 200 once the update
is in the inbox, and the chat's owner handles it, whichever worker received it."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Postgres
from tests.e2e.test_webhook_durable import SECRET, free_port, post
from tests.e2e.test_workers import check_logs
from tests.e2e.workers import Worker, chat_owner, inbox_left, partitions_owned, scalar
from tests.fakes.telegram_server import FakeTelegramServer

CHATS = range(600_000, 600_040)


@pytest.fixture
def database(postgres: Postgres) -> Iterator[str]:
    url = asyncio.run(postgres.fresh())
    yield url
    asyncio.run(postgres.drop(url))


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_every_webhook_worker_stores_then_acknowledges_and_the_owner_answers(
    database: str, tmp_path: Path
) -> None:
    started: list[Worker] = []
    ports = [free_port(), free_port()]
    with FakeTelegramServer(global_rate=None) as server:
        try:
            for n, port in enumerate(ports):
                worker = Worker(
                    server,
                    database,
                    tmp_path / f"web{n}.log",
                    WEBHOOK_URL=f"http://127.0.0.1:{port}",
                    WEBHOOK_SECRET=SECRET,
                    PORT=str(port),
                ).start()
                started.append(worker)
                server.wait_for(lambda port=port: listening(port), timeout=20)
            server.wait_for(
                lambda: (
                    partitions_owned(database) == 64
                    and {chat_owner(database, chat) for chat in CHATS}
                    == {worker.pid for worker in started}
                ),
                timeout=20,
                description="both workers owning chats",
            )
            crossed = 0
            for n, chat in enumerate(CHATS):
                update = server.push_message(server.user(chat, f"L{chat}"), "/start")
                receiver = started[n % 2]
                crossed += chat_owner(database, chat) != receiver.pid
                assert post(ports[n % 2], update) == 200
                # Acknowledged: stored already (pending, or handled and so a learner).
                stored = scalar(
                    database,
                    "SELECT (SELECT count(*) FROM update_inbox WHERE update_id = $1)"
                    " + (SELECT count(*) FROM users WHERE user_id = $2)",
                    update["update_id"],
                    chat,
                )
                assert stored >= 1
            assert crossed > 5  # many were received by the worker that does not own them
            for chat in CHATS:
                server.wait_for_message(chat, contains="Hi", timeout=15)
            server.wait_for(lambda: inbox_left(database) == 0, timeout=10)
            time.sleep(1)
            for chat in CHATS:
                texts = [m["text"][:60] for m in server.sent_messages(chat)]
                assert sum(t.startswith("Hi") for t in texts) == 1, texts
        finally:
            for worker in started:
                if worker.alive:
                    worker.stop(signal.SIGTERM)
            check_logs(started)

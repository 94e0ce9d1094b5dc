"""(e) The PostgreSQL server restarts in the middle of a burst under three workers: they
reconnect, no answer is lost or doubled, and replies resume within 10 s.

The test runs its own throwaway server (the suite's is shared by every other test).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_workers import (
    PER_CHAT,
    answer,
    check_logs,
    feedback,
    is_subsequence,
    start_cluster,
)
from tests.e2e.workers import Worker, diagnose, inbox_left, query, scalar
from tests.fakes.telegram_server import FakeTelegramServer
from tests.pg_server import INSTALL_HINT, PostgresServer, PostgresUnavailable, _binary

CHATS = 100
FIRST_LEARNER = 800_000


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        server.stop()
        pytest.fail(f"PostgreSQL tests need a server: {error}; {INSTALL_HINT}")
    yield server
    server.stop()


def restart(server: PostgresServer) -> float:
    """Stop at once (every connection cut, as a crash would), start on the same port; the
    seconds it was down."""
    assert server.folder is not None
    data = str(server.folder / "data")
    pg_ctl = _binary("pg_ctl")
    began = time.monotonic()
    server._run([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"])
    options = f"-h 127.0.0.1 -p {server.port} -k {server.folder} -F -c max_connections=200"
    log = str(server.folder / "server.log")
    server._run([pg_ctl, "-D", data, "-o", options, "-w", "-l", log, "start"])
    return time.monotonic() - began


def test_a_server_restart_mid_burst_loses_nothing_and_replies_resume(
    own_server: PostgresServer, tmp_path: Path
) -> None:
    url = own_server.url()
    started: list[Worker] = []
    with FakeTelegramServer(global_rate=None, group_rate_per_minute=None) as server:
        try:
            start_cluster(server, url, tmp_path, started)(3, OVERALL_MAX_RATE="5000")
            learners = [server.user(FIRST_LEARNER + n, f"L{n}") for n in range(CHATS)]
            for _ in range(PER_CHAT):
                for learner in learners:
                    server.push_message(learner, "/quiz")
            server.wait_for(
                lambda: all(server.poll_count(u.id) >= PER_CHAT for u in learners),
                timeout=120,
                description="10 quiz polls in each chat",
            )
            polls = {u.id: server.sent_polls(u.id)[:PER_CHAT] for u in learners}
            pattern = [n % 4 != 1 for n in range(PER_CHAT)]  # at most 3 wrong: no leech notes
            for n in range(PER_CHAT):
                for learner in learners:
                    answer(server, learner, polls[learner.id][n], pattern[n])
            total = CHATS * PER_CHAT
            server.wait_for(
                lambda: scalar(url, "SELECT count(*) FROM answers") >= total * 0.2,
                timeout=60,
                description="a fifth of the burst stored",
            )
            down = restart(own_server)
            back = time.monotonic()
            replies_then = sum(len(feedback(server, u.id)) for u in learners)
            server.wait_for(
                lambda: sum(len(feedback(server, u.id)) for u in learners) > replies_then,
                timeout=10,
                description="replies to resume within 10 s of the restart",
            )
            resumed = time.monotonic() - back
            try:
                server.wait_for(
                    lambda: scalar(url, "SELECT count(*) FROM answers") >= total,
                    timeout=90,
                    description="every answer stored",
                )
                server.wait_for(
                    lambda: inbox_left(url) == 0, timeout=30, description="inbox drained"
                )
            except AssertionError:
                print(diagnose(url))
                raise
            print(f"server down {down:.2f} s; replies resumed {resumed:.2f} s after it was back")

            rows = query(
                url,
                "SELECT a.user_id, s.poll_id FROM answers a"
                " JOIN sent_polls s ON s.id = a.poll_ref ORDER BY a.id",
            )
            assert len(rows) == total
            assert len(set(rows)) == total  # none lost, none twice
            for learner in learners:
                mine = [poll_id for user_id, poll_id in rows if user_id == learner.id]
                assert mine == [p["poll"]["id"] for p in polls[learner.id]]
                assert is_subsequence(feedback(server, learner.id), pattern)
            for worker in started:
                assert worker.alive, worker.log[-2000:]
        finally:
            for worker in started:
                if worker.alive:
                    worker.stop(signal.SIGTERM)
            logs = {worker.log_path: worker.log for worker in started}
    reconnected = sum("reconnected" in log for log in logs.values())
    assert reconnected == len(started), "every worker took its lock connection back"
    check_logs(started, database_restarted=True)

"""Coordination between the workers sharing one PostgreSQL database: session advisory locks
and LISTEN, on one connection of the worker's own (never a pooled one).

A session advisory lock lives exactly as long as the connection that took it: a worker that
dies, or whose connection drops, loses every lock at once and the server hands them to
whoever asks next. So this connection *is* the worker's membership, its partitions and its
leases, and `LockSession.alive` going False means "you own nothing any more".

Locks use PostgreSQL's two-key form `(namespace, key)`, which never meets the one-key
locks of migrations and transactions (`bot.storage.postgres.advisory_key`): they show in
`pg_locks` with `objsubid = 2`, `classid` the namespace and `objid` the key.

Needs a direct connection (or pgbouncer in session mode): transaction pooling would hand
the session, and its locks, to someone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

import asyncpg

from bot.storage.postgres import CONNECT_TIMEOUT, redact_url

log = logging.getLogger(__name__)

# Lock namespaces (the first key). Positive 31-bit numbers, fixed forever: every worker
# version running at once must agree on them.
MEMBERS = 0x51_75_69_01  # one lock per live worker, keyed by its member id
PARTITION_LOCKS = 0x51_75_69_02  # one lock per partition, keyed by its number
LEASES = 0x51_75_69_03  # one lock per lease (polling, the daily tick), keyed by lease_key()

# A statement on this connection taking longer than this means the connection is not usable.
PING_TIMEOUT = 3.0

_LEASE_NAMES = {"polling": 1, "daily-tick": 2}


def lease_key(name: str) -> int:
    return _LEASE_NAMES[name]


class LockSession:
    """One dedicated connection holding this worker's advisory locks."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.description = redact_url(url)
        self._connection: asyncpg.Connection | None = None
        self._listeners: list[tuple[str, Callable[..., object]]] = []
        # One statement at a time on the connection (asyncpg refuses overlapping ones).
        self._turn = asyncio.Lock()

    @property
    def alive(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def connect(self) -> None:
        self._listeners = []  # those of an earlier connection went with it
        self._connection = await asyncpg.connect(
            self._url,
            timeout=CONNECT_TIMEOUT,
            # The process id, so an operator (or a test) sees in pg_locks which worker
            # holds what: SELECT ... FROM pg_locks JOIN pg_stat_activity USING (pid).
            server_settings={"application_name": f"quiz-tutor-locks:{os.getpid()}"},
        )

    async def close(self) -> None:
        """Release everything (closing the session releases its locks)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await asyncio.wait_for(connection.close(), PING_TIMEOUT)
        except Exception:
            connection.terminate()

    def drop(self) -> None:
        """The connection is not to be trusted any more: cut it (its locks go with it)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()

    def _live(self) -> asyncpg.Connection:
        if self._connection is None or self._connection.is_closed():
            raise ConnectionError("the lock connection is closed")
        return self._connection

    async def _value(self, sql: str, *args: object) -> Any:
        rows = await self._fetch(sql, *args)
        return rows[0][0] if rows else None

    async def _fetch(self, sql: str, *args: object) -> list[Any]:
        """Run one statement; a connection that does not answer in time is dropped (with
        its locks: better the others take over than two workers think they own a chat)."""
        async with self._turn:
            connection = self._live()
            try:
                return list(await asyncio.wait_for(connection.fetch(sql, *args), PING_TIMEOUT))
            except TimeoutError:
                self.drop()
                raise

    async def ping(self) -> None:
        await self._value("SELECT 1")

    async def lock(self, namespace: int, key: int) -> None:
        """Take a lock nobody else can hold (this worker's own member lock)."""
        await self._value("SELECT pg_advisory_lock($1::int, $2::int)", namespace, key)

    async def try_lock(self, namespace: int, key: int) -> bool:
        return bool(
            await self._value("SELECT pg_try_advisory_lock($1::int, $2::int)", namespace, key)
        )

    async def try_lock_many(self, namespace: int, keys: list[int], wanted: int) -> list[int]:
        """Try `keys` in their order and keep the first `wanted` ones that are free, in one
        round trip. The statement tries every key; those taken beyond `wanted` are released
        again at once."""
        if wanted <= 0 or not keys:
            return []
        rows = await self._fetch(
            "SELECT key FROM unnest($2::int[]) WITH ORDINALITY AS k (key, n)"
            " WHERE pg_try_advisory_lock($1::int, key) ORDER BY n",
            namespace,
            keys,
        )
        taken = [int(row[0]) for row in rows]
        for key in taken[wanted:]:
            await self.unlock(namespace, key)
        return taken[:wanted]

    async def unlock(self, namespace: int, key: int) -> None:
        if not await self._value("SELECT pg_advisory_unlock($1::int, $2::int)", namespace, key):
            log.warning("advisory lock (%s, %s) was not held", namespace, key)

    async def holders(self, namespace: int) -> int:
        """How many locks of `namespace` are held in this database, by anyone."""
        count: int = await self._value(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
            " AND granted AND classid::bigint = $1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            namespace,
        )
        return count

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call `callback(payload)` at every NOTIFY on `channel`."""

        def on_notify(_connection: object, _pid: object, _channel: object, payload: str) -> None:
            callback(payload)

        async with self._turn:
            await asyncio.wait_for(self._live().add_listener(channel, on_notify), PING_TIMEOUT)
        self._listeners.append((channel, on_notify))

    async def notify(self, channel: str, payload: str) -> None:
        await self._value("SELECT pg_notify($1, $2)", channel, payload)

    async def unlisten_all(self) -> None:
        connection = self._connection
        listeners, self._listeners = self._listeners, []
        if connection is None or connection.is_closed():
            return
        async with self._turn:
            for channel, callback in listeners:
                with contextlib.suppress(Exception):
                    await connection.remove_listener(channel, callback)

"""The PostgreSQL driver: a bounded asyncpg pool, its own migration set applied under an
advisory lock, `?` placeholders translated to `$n`.

Transactions run at READ COMMITTED. Compare-and-set updates (`UPDATE … WHERE position = ?`)
are atomic there as they are on SQLite. A transaction that reads before it writes and must
not interleave with another process doing the same (the answer writer: read memory states,
then write the next ones) names a `lock`: `pg_advisory_xact_lock` then serialises it with
every transaction of any worker naming the same lock, released at commit or rollback — what
`BEGIN IMMEDIATE` gives every SQLite write.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.database import (
    Connection,
    Database,
    DatabaseBusyError,
    DatabaseUnavailableError,
    DatabaseUnusableError,
    IntegrityError,
    Row,
    migrations,
)
from bot.storage.dialect import POSTGRES

log = logging.getLogger(__name__)

MIGRATIONS = "bot.storage.migrations_pg"
POOL_SIZE = 10
# Waiting for a free connection: past this, the caller gets DatabaseBusyError (transient,
# retried like a SQLite lock) rather than waiting forever behind a stuck pool.
ACQUIRE_TIMEOUT = 10.0
CONNECT_TIMEOUT = 10.0
# Server-side limits, so nothing holds a lock for long: a statement, a wait for a row lock,
# and a transaction left open by a worker that hangs.
SERVER_SETTINGS = {
    "statement_timeout": "30s",
    "lock_timeout": "10s",
    "idle_in_transaction_session_timeout": "60s",
    "application_name": "quiz-tutor",
}

# Errors that mean "the connection is gone or could not be made". InternalClientError is
# asyncpg's protocol out of step with the server, as when the server ended the session
# (a restart, pg_terminate_backend) between two statements: that connection is done for.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,
)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a named advisory lock (the same in every worker)."""
    digest = hashlib.blake2b(f"quiz-tutor:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def redact_url(url: str) -> str:
    """The URL without its password: what logs and error messages show."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}"))


def url_secrets(url: str) -> list[str]:
    """The forms of a URL's password that must never reach a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return []
    user_info = parts.netloc.rpartition("@")[0]  # user:password as written (percent-encoded)
    return [user_info, parts.password]


def _translate(error: BaseException) -> BaseException:
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(str(error))
    if isinstance(error, _CONNECTION_ERRORS) or _released_on_close(error):
        return DatabaseUnavailableError(f"{type(error).__name__}: {error}")
    return error


def _released_on_close(error: BaseException) -> bool:
    """asyncpg's pool takes back a connection the server closed (a restart, a terminated
    backend) at once, so the next statement on it fails with this InterfaceError rather than
    ConnectionDoesNotExistError, depending on which comes first: the same lost connection."""
    return isinstance(error, asyncpg.InterfaceError) and "released back to the pool" in str(error)


def _rowcount(status: str) -> int:
    """'UPDATE 3', 'INSERT 0 1', 'DELETE 0' → the count at the end."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresConnection(Connection):
    dialect = POSTGRES

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        try:
            status = await self._connection.execute(POSTGRES.placeholders(sql), *params)
        except Exception as error:
            raise _translate(error) from error
        return _rowcount(str(status))

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        rows = list(rows)
        if not rows:
            return
        try:
            await self._connection.executemany(POSTGRES.placeholders(sql), rows)
        except Exception as error:
            raise _translate(error) from error

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        try:
            rows: list[Row] = await self._connection.fetch(POSTGRES.placeholders(sql), *params)
        except Exception as error:
            raise _translate(error) from error
        return rows


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Nothing to reset when a pooled connection comes back.

    asyncpg's default sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` at every release: a round trip per read, a tenth of the bot's socket writes
    in a burst of answers. Pooled connections keep no session state here: locks are
    transaction-scoped (`pg_advisory_xact_lock`), nothing LISTENs or SETs on them (the
    workers' session locks and LISTEN have a connection of their own, see
    coordination.py), and asyncpg still rolls back a transaction left open before this runs.
    """


class PostgresDatabase(Database):
    dialect = POSTGRES

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        acquire_timeout: float = ACQUIRE_TIMEOUT,
    ) -> None:
        self.url = url
        self.description = redact_url(url)
        self.pool_size = pool_size
        self.acquire_timeout = acquire_timeout
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("Database.open() has not been called")
        return self._pool

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                timeout=CONNECT_TIMEOUT,
                server_settings=SERVER_SETTINGS,
                reset=_keep_session,
            )
            await self.migrate()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            await self.close()
            raise DatabaseUnusableError(describe_unusable(self.description, error)) from error
        except ValueError as error:  # a URL asyncpg cannot parse
            await self.close()
            raise DatabaseUnusableError(f"DATABASE_URL {self.description}: {error}") from error
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), timeout=10)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pool.terminate()

    @asynccontextmanager
    async def _acquire(self) -> AsyncIterator[asyncpg.Connection]:
        connection = await self._checkout()
        try:
            yield connection
        finally:
            await self._release(connection)

    async def schema_version(self) -> int:
        async with self._acquire() as connection:
            exists = await connection.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
            if not exists:
                return 0
            version = await connection.fetchval("SELECT MAX(version) FROM schema_version")
        return int(version or 0)

    async def migrate(self) -> int:
        """Apply the migrations newer than the schema_version table says, in one transaction
        under an advisory lock: a second worker starting at once waits, then finds them done."""
        known = migrations(MIGRATIONS, baseline=True)
        latest = known[-1][0] if known else 0
        async with self._acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", advisory_key("migrate"))
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = int(
                await connection.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            )
            if current > latest:
                raise DatabaseUnusableError(
                    f"DATABASE_URL {self.description}: written by a newer version of the bot "
                    f"(schema {current}; this version knows up to {latest})"
                )
            for version, name, sql in known:
                if version <= current:
                    continue
                log.info("applying PostgreSQL migration %s", name)
                await connection.execute(sql)  # several statements: the simple query protocol
                current = version
            await connection.execute("DELETE FROM schema_version")
            await connection.execute("INSERT INTO schema_version (version) VALUES ($1)", current)
        return current

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        async def attempt() -> list[Row]:
            async with self._acquire() as connection:
                return await PostgresConnection(connection).fetch_all(sql, params)

        return await self._with_lock_retry(attempt)

    @asynccontextmanager
    async def transaction(self, lock: str | None = None) -> AsyncIterator[Connection]:
        """One write on a pooled connection. Waiting for the connection is retried like a
        SQLite lock; an error inside the block rolls back and reaches the caller, whose
        update the pipeline retries when `is_lock_error` says so."""
        connection = await self._with_lock_retry(self._checkout)
        try:
            transaction = connection.transaction()
            try:
                await transaction.start()
            except Exception as error:
                raise _translate(error) from error
            try:
                if lock is not None:
                    await connection.execute("SELECT pg_advisory_xact_lock($1)", advisory_key(lock))
                yield PostgresConnection(connection)
            except BaseException as error:
                try:
                    await transaction.rollback()
                except Exception:
                    log.debug("rollback failed (the connection is gone)", exc_info=True)
                if isinstance(error, Exception) and _translate(error) is not error:
                    raise _translate(error) from error
                raise
            try:
                await transaction.commit()
            except Exception as error:
                raise _translate(error) from error
        finally:
            await self._release(connection)

    async def _release(self, connection: asyncpg.Connection) -> None:
        """Back to the pool; a connection that cannot be reset (it is broken) is dropped."""
        try:
            await self.pool.release(connection)
        except Exception:
            log.debug("dropping a broken connection", exc_info=True)
            # Raising here (in a `finally`) would replace the caller's own error, a lost
            # connection that is retried, by one that is not; the pool may already hold it.
            with contextlib.suppress(Exception):
                connection.terminate()

    async def _checkout(self) -> asyncpg.Connection:
        try:
            connection: asyncpg.Connection = await self.pool.acquire(timeout=self.acquire_timeout)
        except TimeoutError as error:
            raise DatabaseBusyError(
                f"no free connection to {self.description} within {self.acquire_timeout:.0f} s"
            ) from error
        except Exception as error:
            raise _translate(error) from error
        return connection


def describe_unusable(description: str, error: BaseException) -> str:
    """One line naming DATABASE_URL (without its password) and why it cannot be used."""
    if isinstance(error, ConnectionRefusedError):
        reason = "connection refused (is the server running, and on that host and port?)"
    elif isinstance(error, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT:.0f} s"
    elif isinstance(error, OSError):
        reason = f"cannot connect: {error.strerror or error}"
    elif isinstance(
        error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        reason = f"the server refused the login: {error}"
    elif isinstance(error, asyncpg.InvalidCatalogNameError):
        reason = f"{error} (create it first, e.g. createdb)"
    else:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"DATABASE_URL {description}: {reason}"

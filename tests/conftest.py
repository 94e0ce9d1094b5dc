"""Shared fixtures: the real content bank, a fresh SQLite file, a PTB app with an offline API."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import os
import random
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import settings
from telegram import Update

from bot.app import TutorApplication, build_application
from bot.config import Settings
from bot.content.loader import load_bank
from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from bot.flows.services import Services
from bot.storage import Storage
from bot.storage.postgres import PostgresDatabase
from tests.fakes.offline import BOT_USER, OfflineBotApi, OfflineRequest
from tests.markers import (  # noqa: F401  (hooks: e2e/postgres/browser/slow, see tests/markers.py)
    pytest_collection_modifyitems,
    pytest_runtest_call,
    pytest_runtest_setup,
)
from tests.pg_server import INSTALL_HINT, PostgresServer, PostgresUnavailable

# Property tests draw the same examples on every run, so CI passes or fails on the code, not
# on the draw; HYPOTHESIS_EXPLORE=1 draws new ones (run it to look for bugs).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_EXPLORE") == "1" else "repeatable")

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="session")
def bank() -> ContentBank:
    return load_bank(CONTENT_DIR)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


# Each test gets its own database file, a copy of one the real migrations built at the start
# of the session (in each xdist worker): copying costs about 2 ms, migrating about 40 ms.
# The migrations themselves are tested in tests/storage.
_migrated: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "quiz.sqlite3"

    async def migrate() -> None:
        store = Storage(path)
        await store.open()
        await store.close()

    asyncio.run(migrate())
    _migrated[:] = [path]
    return path


def fresh_database(path: Path) -> Path:
    """`path`, made a freshly migrated database unless a test already put one there."""
    if not path.exists() and _migrated:
        shutil.copyfile(_migrated[0], path)
    return path


def _run_in_thread(work: Callable[[], Awaitable[None]]) -> None:
    """Run a coroutine on its own loop in another thread (a session fixture may be set up
    from inside a test's running loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work()).result()  # type: ignore[arg-type]


class Postgres:
    """The suite's throwaway server and a migrated template database to copy per test."""

    TEMPLATE = "quiz_template"

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._names = itertools.count(1)

    def create_template(self) -> None:
        async def work() -> None:
            admin = await asyncpg.connect(self.server.url())
            try:
                await admin.execute(f"CREATE DATABASE {self.TEMPLATE}")
            finally:
                await admin.close()
            database = PostgresDatabase(self.server.url(self.TEMPLATE), pool_size=2)
            await database.open()  # migrates
            await database.close()

        _run_in_thread(work)

    async def fresh(self) -> str:
        """A new database copied from the migrated template; its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        admin = await asyncpg.connect(self.server.url())
        try:
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        finally:
            await admin.close()
        return self.server.url(name)

    async def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(self.server.url())
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server for the whole run. None can be started: the run stops with one
    line saying how to install one, unless SKIP_POSTGRES=1 says to skip these on purpose."""
    if os.environ.get("SKIP_POSTGRES") == "1":
        pytest.skip("SKIP_POSTGRES=1: the PostgreSQL variants are skipped on purpose")
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        server.stop()
        pytest.exit(
            f"PostgreSQL tests need a server: {error}; {INSTALL_HINT}"
            " (or set SKIP_POSTGRES=1 to skip them on purpose)",
            returncode=1,
        )
    try:
        postgres = Postgres(server)
        postgres.create_template()
        yield postgres
    finally:
        server.stop()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
async def database_target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Path | str]:
    """A fresh, migrated database on each backend: a SQLite path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield tmp_path / "quiz.sqlite3"
        return
    postgres: Postgres = request.getfixturevalue("postgres")
    url = await postgres.fresh()
    yield url
    await postgres.drop(url)


def backend_settings(target: Path | str) -> dict[str, Any]:
    """Settings overrides that point the bot at `target` (see `database_target`)."""
    return {"database_url": target} if isinstance(target, str) else {"database_path": target}


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = Storage(fresh_database(tmp_path / "quiz.sqlite3"))
    await store.open()
    yield store
    await store.close()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": "123456:TEST",
        "database_path": tmp_path / "quiz.sqlite3",
        "content_dir": CONTENT_DIR,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Harness:
    """A real Application fed real Update objects; the Bot API is an OfflineBotApi."""

    def __init__(self, app: TutorApplication, api: OfflineBotApi, clock: ManualClock) -> None:
        self.app = app
        self.api = api
        self.clock = clock
        self._ids = itertools.count(1)

    @property
    def services(self) -> Services:
        return self.app.bot_data.services

    def user(self, user_id: int, first_name: str = "Ada") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}

    async def send(self, data: dict[str, Any]) -> None:
        data = {"update_id": next(self._ids), **data}
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def command(
        self,
        user: dict[str, Any],
        text: str,
        chat: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
    ) -> None:
        """A message from `user`, stored by the fake Bot API first (so replies to it work)."""
        server = self.api.server
        sender = server.user(user["id"], user["first_name"])
        chat = chat or {"id": user["id"], "type": "private"}
        update = server.push_message(
            sender,
            text,
            chat_id=chat["id"],
            chat_type=chat["type"],
            chat_title=chat.get("title"),
            reply_to_message_id=reply_to_message_id,
        )
        await self.send({"message": update["message"]})

    async def answer_poll(self, user: dict[str, Any], poll_id: str, option: int) -> dict[str, Any]:
        """A vote, checked by the fake Bot API (non-anonymous, open, valid option)."""
        server = self.api.server
        update = server.push_poll_answer(
            server.user(user["id"], user["first_name"]), poll_id, [option]
        )
        await self.send({"poll_answer": update["poll_answer"]})
        return update

    async def redeliver(self, update: dict[str, Any]) -> None:
        """Telegram sends the same update again (e.g. after a timeout)."""
        await self.send({key: value for key, value in update.items() if key != "update_id"})

    async def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> None:
        server = self.api.server
        update = server.push_callback(server.user(user["id"], user["first_name"]), message, data)
        await self.send({"callback_query": update["callback_query"]})

    def last_poll(self) -> dict[str, Any]:
        return self.api.last_poll()

    def button(self, message: dict[str, Any], label: str) -> str:
        """The callback data of the button labelled `label`, or `label · …` (a grade button
        also shows when the card comes back: "Good · 3 d")."""
        found = [
            data
            for text, data in self.buttons(message).items()
            if text == label or text.startswith(f"{label} · ")
        ]
        assert len(found) == 1, f"no single button {label!r} in {list(self.buttons(message))}"
        return found[0]

    def last_message_with_buttons(self) -> dict[str, Any]:
        for call in reversed(self.api.calls):
            if isinstance(call.result, dict) and call.result.get("reply_markup"):
                return dict(call.result)
        raise AssertionError("no message with buttons was sent")

    def buttons(self, message: dict[str, Any]) -> dict[str, str]:
        """Button text → callback data."""
        return {
            button["text"]: button["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for button in row
        }


@contextlib.asynccontextmanager
async def running_harness(
    tmp_path: Path,
    clock: ManualClock,
    bank: ContentBank,
    caplog: pytest.LogCaptureFixture,
    **settings: Any,
) -> AsyncIterator[Harness]:
    """A Harness on a fresh database; afterwards, fails the test if a handler raised or
    the fake Bot API refused a call. `settings` override the defaults (e.g. send caps)."""
    config = make_settings(tmp_path, **settings)
    api = OfflineBotApi()
    services = Services(
        settings=config,
        storage=Storage(
            config.database_target
            if config.database_url is not None
            else fresh_database(config.database_path)
        ),
        bank=bank,
        clock=clock,
        rng=random.Random(7),
    )
    app = build_application(config, request=OfflineRequest(api), services=services)
    await app.initialize()
    await services.storage.open()
    yield Harness(app, api, clock)
    await services.storage.close()
    await app.shutdown()
    # A handler that raised was caught by the error handler: that is a failed test too.
    errors = [r for r in caplog.get_records("call") if r.name == "bot.handlers.errors"]
    assert not errors, f"a handler raised: {errors[0].exc_info}"
    # Telegram refused nothing, except sends to learners a test blocked on purpose.
    refused = [e for e in api.errors if e.response["error_code"] != 403]
    assert not refused, f"the Bot API refused: {refused}"
    assert not api.server.internal_errors, api.server.internal_errors


@pytest.fixture
async def harness(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    async with running_harness(tmp_path, clock, bank, caplog) as running:
        yield running


__all__ = [
    "BACKENDS",
    "BOT_USER",
    "START",
    "Harness",
    "backend_settings",
    "make_settings",
    "running_harness",
]


@pytest.fixture
async def harness_on_both_backends(
    tmp_path: Path,
    clock: ManualClock,
    bank: ContentBank,
    caplog: pytest.LogCaptureFixture,
    database_target: Path | str,
) -> AsyncIterator[Harness]:
    """The whole path, PTB to SQL, on SQLite and on PostgreSQL."""
    settings = backend_settings(database_target)
    async with running_harness(tmp_path, clock, bank, caplog, **settings) as running:
        yield running

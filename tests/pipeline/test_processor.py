"""The update pipeline through a running Application: order per chat, chats at once, retries.

Updates go in through the Application's own update queue (as the Updater puts them) and
are handled by the real handlers against the offline fake Bot API.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.request import RequestData

from bot.app import TutorApplication, build_application
from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from bot.flows.services import Services
from bot.storage import Storage
from tests.conftest import make_settings
from tests.fakes.offline import OfflineBotApi, OfflineRequest

Hook = Callable[[str, dict[str, Any]], Any]


class HookedRequest(OfflineRequest):
    """The offline Bot API, with a hook that may delay a call or fail it like Telegram's 5xx."""

    def __init__(self, api: OfflineBotApi) -> None:
        super().__init__(api)
        self.hooks: list[Hook] = []

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        for hook in self.hooks:
            outcome = hook(api_method, params)
            if isinstance(outcome, float):
                await asyncio.sleep(outcome)
            elif isinstance(outcome, int):
                body = {"ok": False, "error_code": outcome, "description": "Bad Gateway"}
                return outcome, json.dumps(body).encode()
        return await super().do_request(url, method, request_data)


class Running:
    def __init__(self, app: TutorApplication, api: OfflineBotApi, request: HookedRequest) -> None:
        self.app, self.api, self.request = app, api, request
        self._ids = iter(range(1, 1_000_000))

    async def message(self, user_id: int, text: str) -> int:
        server = self.api.server
        data = server.push_message(server.user(user_id, f"U{user_id}"), text)
        update_id = next(self._ids)
        await self.app.update_queue.put(
            Update.de_json({**data, "update_id": update_id}, self.app.bot)
        )
        return update_id

    def replies(self, chat_id: int) -> list[str]:
        return self.api.texts(chat_id)

    async def until(self, predicate: Callable[[], bool], within: float = 10) -> None:
        async with asyncio.timeout(within):
            while not predicate():  # noqa: ASYNC110 - polls what the fake API recorded
                await asyncio.sleep(0.01)

    async def inbox_rows(self) -> list[tuple[int, str | None]]:
        db = self.app.bot_data.services.storage.db
        rows = await db.fetch_all("SELECT update_id, error FROM update_inbox ORDER BY update_id")
        return [(row[0], row[1]) for row in rows]


@pytest.fixture
async def running(tmp_path: Path, clock: ManualClock, bank: ContentBank) -> AsyncIterator[Running]:
    settings = make_settings(tmp_path)
    api = OfflineBotApi()
    request = HookedRequest(api)
    services = Services(
        settings=settings,
        storage=Storage(settings.database_path),
        bank=bank,
        clock=clock,
        rng=random.Random(3),
    )
    app = build_application(settings, request=request, services=services)
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    await app.start()
    yield Running(app, api, request)
    await app.stop()
    await app.post_stop(app)  # type: ignore[misc]
    await app.shutdown()
    await app.post_shutdown(app)  # type: ignore[misc]


async def test_one_chat_in_order_while_a_slow_chat_holds_nobody_up(running: Running) -> None:
    slow_chat = 500

    def slow_replies(method: str, params: dict[str, Any]) -> float | None:
        return 3.0 if method == "sendMessage" and params.get("chat_id") == slow_chat else None

    running.request.hooks.append(slow_replies)
    await running.message(slow_chat, "/help")
    for minute in range(10, 30):
        await running.message(7, f"/daily 07:{minute}")
    await running.until(lambda: len(running.replies(7)) == 20, within=2.5)
    # The slow learner's reply is still on its way; everyone else was answered meanwhile.
    assert running.replies(slow_chat) == []
    # One chat's updates ran in the order they came: each reply names its own time.
    times = [text.split("at ")[1][:5] for text in running.replies(7)]
    assert times == [f"07:{minute}" for minute in range(10, 30)]
    user = await running.app.bot_data.services.storage.users.get(7)
    assert user is not None and user.daily_time == "07:29"
    await running.until(lambda: len(running.replies(slow_chat)) == 1, within=5)


async def test_telegram_5xx_is_retried_until_the_reply_goes_out(running: Running) -> None:
    failures = {"left": 3}

    def bad_gateway(method: str, params: dict[str, Any]) -> int | None:
        if method == "sendMessage" and failures["left"] > 0:
            failures["left"] -= 1
            return 502
        return None

    running.request.hooks.append(bad_gateway)
    update_id = await running.message(9, "/help")
    await running.until(lambda: len(running.replies(9)) == 1, within=15)
    assert failures["left"] == 0
    await running.until(lambda: not running.app.bot_data.processor.busy, within=5)
    await running.app.update_queue.inbox.flush()  # type: ignore[attr-defined]
    assert update_id not in [row[0] for row in await running.inbox_rows()]


async def test_a_bug_is_kept_with_its_error_and_does_not_block_the_chat(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.handlers import stats

    async def broken(update: object, context: object) -> None:
        raise ZeroDivisionError("a bug")

    for handler in running.app.handlers[0]:
        if getattr(handler, "commands", None) == frozenset({"stats"}):
            monkeypatch.setattr(handler, "callback", broken)
    assert stats  # the module whose handler was replaced
    failing = await running.message(11, "/stats")
    await running.message(11, "/help")
    await running.until(lambda: any("/quiz" in text for text in running.replies(11)))
    await running.until(lambda: not running.app.bot_data.processor.busy, within=5)
    await running.app.update_queue.inbox.flush()  # type: ignore[attr-defined]
    rows = await running.inbox_rows()
    assert rows == [(failing, "ZeroDivisionError: a bug")]
    logged = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert len(logged) == 1

"""An in-process Bot API for handler tests: a PTB `BaseRequest` answered by the fake server's core.

No network and no HTTP: `FakeTelegramServer.handle_api_call` runs right here, so the
handler tests and the end-to-end tests enforce exactly the same Telegram limits and
answer with the same Bot API 10.0-shaped objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.fakes.telegram_server import BOT_ID, FakeTelegramServer

BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Quiz Tutor"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    result: Any


class OfflineBotApi:
    """The fake server's Bot API, unstarted, with lookups handler tests need."""

    def __init__(self) -> None:
        # Flood limits are exercised end to end; here they would only slow tests down.
        self.server = FakeTelegramServer(global_rate=None, group_rate_per_minute=None)
        self._cleared = 0

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self.server.handle_api_call("offline", method, params)

    @property
    def calls(self) -> list[Call]:
        return [
            Call(request.method, request.params, request.response.get("result"))
            for request in self.server.requests[self._cleared :]
        ]

    @property
    def errors(self) -> list[Any]:
        return list(self.server.errors)

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            call.result["text"]
            for call in self.calls
            if call.method in ("sendMessage", "editMessageText")
            and call.result is not None
            and (chat_id is None or call.params["chat_id"] == chat_id)
        ]

    def last_poll(self) -> dict[str, Any]:
        return dict(self.of("sendPoll")[-1].result)

    def block_user(self, user_id: int) -> None:
        self.server.block_user(user_id)

    def set_admin(self, chat_id: int, user_id: int) -> None:
        self.server.set_admin(chat_id, user_id)

    def clear(self) -> None:
        self._cleared = len(self.server.requests)


class OfflineRequest(BaseRequest):
    """PTB request class answering from an OfflineBotApi, never the network."""

    def __init__(self, api: OfflineBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

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
        if request_data is not None:  # uploads, as the HTTP server decodes multipart parts
            for name, (filename, upload, _mime) in request_data.multipart_data.items():
                content = upload if isinstance(upload, bytes) else upload.read()
                params[name] = {"filename": filename, "size": len(content), "content": content}
        outcome = self.api.server.call_api("offline", api_method, params)
        # An injected timeout was applied by the fake; the answer is lost, as PTB's
        # HTTPXRequest reports it: a read timeout, or a connection closed without a reply.
        if outcome.timeout == "hold":
            raise TimedOut
        if outcome.timeout == "close":
            raise NetworkError(
                "httpx.RemoteProtocolError: Server disconnected without sending a response."
            )
        return outcome.status, json.dumps(outcome.body).encode()


def fail_next_call(monkeypatch: pytest.MonkeyPatch, method: str) -> list[str]:
    """The next call of `method` gets a 502 from Telegram (not applied); later ones go
    through. The list returned holds the failed call's URL once it has happened."""
    original = OfflineRequest.do_request
    failed: list[str] = []

    async def bad_gateway_once(self: OfflineRequest, url: str, *args: Any, **kw: Any) -> Any:
        if url.endswith(f"/{method}") and not failed:
            failed.append(url)
            raise NetworkError("Bad Gateway")
        return await original(self, url, *args, **kw)

    monkeypatch.setattr(OfflineRequest, "do_request", bad_gateway_once)
    return failed

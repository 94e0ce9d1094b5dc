"""The Mini App's HTTP adapter (aiohttp.web): the initData check, JSON endpoints, static files.

It translates only: HTTP in, a call to bot.flows.dashboard, JSON out. No SQL here, no rules.

Every /api call carries Telegram's initData in `Authorization: tma <initData>`. Forged,
expired, other-bot or missing initData gets 401 with no data; a group's data needs a current
admin of that group (getChatMember, cached a minute). The CSV download is a short-lived
signed link (a file download cannot carry a header), made by an authorised /api call.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any, cast

from aiohttp import web

from bot import i18n
from bot.content.models import ContentBank
from bot.domain.clock import Clock
from bot.flows import dashboard as flows
from bot.flows.settings import page_language
from bot.storage import Storage
from bot.web.auth import InitDataError, WebAppUser, check_init_data
from bot.web.messages import all_page_texts

log = logging.getLogger(__name__)

EXPORT_LINK_LIFETIME = timedelta(minutes=5)
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Telegram Web (web.telegram.org) shows Mini Apps in an iframe; the phone and desktop apps
# in a web view. No other site may frame the page. Scripts and connections: this origin only.
# Inline style *attributes* are allowed (telegram-web-app.js sets Telegram Web's style).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
    " frame-ancestors https://web.telegram.org"
)
_USER = web.RequestKey("user", WebAppUser)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def load_static() -> dict[str, StaticFile]:
    """Every file under bot/web/static, read once, with its gzip form (Telegram's own
    telegram-web-app.js is 109 KB, 27 KB compressed)."""
    files = {}
    for entry in (resources.files("bot.web") / "static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if suffix not in STATIC_TYPES:
            continue
        body = entry.read_bytes()
        files[entry.name] = StaticFile(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            content_type=STATIC_TYPES[suffix],
            etag='"' + hashlib.sha256(body).hexdigest()[:16] + '"',
        )
    return files


class DashboardApp:
    """The aiohttp application and its dependencies."""

    def __init__(
        self,
        *,
        storage: Storage,
        bank: Callable[[], ContentBank],
        clock: Clock,
        bot_token: str,
        actions: flows.ChatActions,
    ) -> None:
        self.storage = storage
        self.bank = bank
        self.clock = clock
        self._token = bot_token
        self.actions = actions
        self.admins = flows.AdminCache(actions.is_admin, clock)
        self._export_key = hmac.new(b"QuizTutorExport", bot_token.encode(), "sha256").digest()
        self.static = load_static()
        self.texts = all_page_texts()

    def build(self) -> web.Application:
        app = web.Application(middlewares=[self._headers, self._authenticate])
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.static_file)
        app.router.add_get("/i18n/{code}.json", self.page_texts)
        app.router.add_get("/api/me", self.me)
        app.router.add_post("/api/me/quiz", self.me_quiz)
        app.router.add_get("/api/group/{chat_id}/summary", self.group_summary)
        app.router.add_get("/api/group/{chat_id}/matrix", self.group_matrix)
        app.router.add_get("/api/group/{chat_id}/student/{user_id}", self.student)
        app.router.add_post("/api/group/{chat_id}/export", self.export_link)
        app.router.add_post("/api/group/{chat_id}/challenge", self.challenge)
        app.router.add_get("/export/{token}", self.export)
        return app

    # ---- middlewares --------------------------------------------------------------------

    @web.middleware
    async def _headers(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.path.startswith(("/api/", "/export/")):
            response.headers["Cache-Control"] = "no-store"
        if isinstance(response, web.HTTPException):
            raise response
        return response

    @web.middleware
    async def _authenticate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        header = request.headers.get("Authorization", "")
        init_data = header[4:] if header.startswith("tma ") else None
        try:
            user = check_init_data(init_data, self._token, self.clock.now())
        except InitDataError as error:
            # Why, without the initData itself (it is a credential for an hour).
            log.info("mini app: refused initData (%s) for %s", error, request.path)
            return _error(401, "unauthorized")
        request[_USER] = user
        try:
            return await handler(request)
        except _Refusal as refusal:
            return _error(refusal.status, refusal.code)

    # ---- pages --------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.StreamResponse:
        return self._serve(request, "index.html")

    async def static_file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "index.html" or name not in self.static:
            raise web.HTTPNotFound()
        return self._serve(request, name)

    async def page_texts(self, request: web.Request) -> web.StreamResponse:
        """The page's texts in a language (any language tag: English unless the bot speaks it).
        Public, as the page's own files are: they are the same for everyone."""
        code = request.match_info["code"]
        language = i18n.supported(code[:16]) or i18n.DEFAULT_LANGUAGE
        return web.Response(
            body=self.texts[language],
            content_type="application/json",
            headers={"Cache-Control": "no-cache"},
        )

    def _serve(self, request: web.Request, name: str) -> web.StreamResponse:
        file = self.static[name]
        headers = {"ETag": file.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if request.headers.get("If-None-Match") == file.etag:
            return web.Response(status=304, headers=headers)
        body = file.body
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = file.gzipped
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = file.content_type
        return web.Response(body=body, headers=headers)

    # ---- learner ------------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.StreamResponse:
        user = request[_USER]
        result = await flows.learner_dashboard(
            self.storage, self.bank(), user.user_id, self.clock.now()
        )
        if result is None:
            return _error(404, "unknown_learner")
        report = result.report
        return _json(
            {
                "language": await self._language(user),
                "name": result.first_name,
                "today": report.today,
                "headline": report.headline,
                "heatmap": {"start": report.heatmap_start, "counts": report.daily_answers},
                "forecast": report.forecast,
                "mastery": report.mastery,
                "missed": result.missed,
            }
        )

    async def me_quiz(self, request: web.Request) -> web.StreamResponse:
        user = request[_USER]
        body = await _body(request)
        item_id = body.get("item_id")
        if not isinstance(item_id, str):
            return _error(400, "item_id")
        try:
            sent = await flows.send_missed_quiz(self.bank(), self.actions, user.user_id, item_id)
        except flows.QuizRefused:
            return _error(400, "item_id")
        return _json({"sent": True}) if sent else _error(409, "not_delivered")

    # ---- teacher ------------------------------------------------------------------------

    async def _admin_of(self, request: web.Request) -> int:
        """The group in the path, once the caller is one of its admins; else 403/400."""
        chat_id = _int(request.match_info["chat_id"])
        if chat_id is None or chat_id >= 0:
            raise _Refusal(400, "chat_id")
        if not await self.admins.is_admin(chat_id, request[_USER].user_id):
            raise _Refusal(403, "not_admin")
        return chat_id

    async def group_summary(self, request: web.Request) -> web.StreamResponse:
        chat_id = await self._admin_of(request)
        summary = await flows.group_summary(
            self.storage, self.bank(), self.actions, chat_id, self.clock.now()
        )
        return _json({**_plain(summary), "language": await self._language(request[_USER])})

    async def _language(self, user: WebAppUser) -> str:
        """The language the page is shown in to this user (their own, in a group's view too)."""
        return await page_language(self.storage, user.user_id, user.language_code)

    async def group_matrix(self, request: web.Request) -> web.StreamResponse:
        chat_id = await self._admin_of(request)
        query = request.query
        sort = query.get("sort", "points")
        offset, limit = _int(query.get("offset", "0")), _int(query.get("limit", "50"))
        if sort not in ("points", "right", "name") or offset is None or limit is None:
            return _error(400, "query")
        try:
            matrix = await flows.group_matrix(
                self.storage,
                self.bank(),
                chat_id,
                week=query.get("week") or None,
                deck_id=query.get("deck") or None,
                sort=cast(Any, sort),
                descending=query.get("order", "desc" if sort != "name" else "asc") == "desc",
                offset=offset,
                limit=limit,
            )
        except flows.BadFilter:
            return _error(400, "query")
        return _json(matrix)

    async def student(self, request: web.Request) -> web.StreamResponse:
        chat_id = await self._admin_of(request)
        user_id = _int(request.match_info["user_id"])
        trend = (
            None if user_id is None else await flows.student_trend(self.storage, chat_id, user_id)
        )
        if trend is None:
            return _error(404, "not_a_player")
        return _json(trend)

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        chat_id = await self._admin_of(request)
        user = request[_USER]
        deck_id = (await _body(request)).get("deck_id")
        if not isinstance(deck_id, str):
            return _error(400, "deck_id")
        try:
            started = await flows.start_group_challenge(
                self.bank(), self.actions, chat_id, user.user_id, user.first_name, deck_id
            )
        except flows.ChallengeRefused:
            return _error(400, "deck_id")
        return _json({"started": started})

    async def export_link(self, request: web.Request) -> web.StreamResponse:
        chat_id = await self._admin_of(request)
        expires = int((self.clock.now() + EXPORT_LINK_LIFETIME).timestamp())
        payload = f"{chat_id}.{expires}"
        token = f"{payload}.{self._export_signature(payload)}"
        return _json({"url": f"/export/{token}", "file_name": f"group{chat_id}-results.csv"})

    def _export_signature(self, payload: str) -> str:
        digest = hmac.new(self._export_key, payload.encode(), "sha256").digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    async def export(self, request: web.Request) -> web.StreamResponse:
        parts = request.match_info["token"].removesuffix(".csv").split(".")
        if len(parts) != 3:
            return _error(401, "unauthorized")
        chat_id, expires = _int(parts[0]), _int(parts[1])
        signature = self._export_signature(f"{parts[0]}.{parts[1]}")
        if (
            chat_id is None
            or expires is None
            or not hmac.compare_digest(signature.encode(), parts[2].encode())
            or expires < self.clock.now().timestamp()
        ):
            return _error(401, "unauthorized")
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="group{chat_id}-results.csv"',
            }
        )
        await response.prepare(request)
        async for chunk in flows.results_csv(self.storage, self.bank(), chat_id):
            await response.write(chunk)
        await response.write_eof()
        return response


# ---- JSON ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Typed results as JSON values: dataclasses as objects, times as ms since the epoch,
    dates as YYYY-MM-DD."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json",
    )


def _error(status: int, code: str) -> web.Response:
    return _json({"error": code}, status)


class _Refusal(Exception):
    """An /api call refused after authentication (not an admin, a bad group id)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    stripped = text[1:] if text.startswith("-") else text
    if not stripped.isascii() or not stripped.isdigit() or len(stripped) > 19:
        return None
    return int(text)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}

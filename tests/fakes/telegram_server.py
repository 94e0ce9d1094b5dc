"""A fake Telegram Bot API server for end-to-end tests of the Quiz Tutor bot.

The real bot (``python -m bot``, python-telegram-bot 22.8, long polling) runs as a subprocess
against ``FakeTelegramServer.base_url``. Tests play users through the ``push_*`` helpers and
inspect what the bot sent through the recorded traffic and the ``wait_for*`` helpers.

Why a fake this detailed: the bugs that matter in production are the ones Telegram rejects at
run time (bad HTML escaping, over-long texts and poll options, oversized ``callback_data``,
flood limits, blocked users). The fake enforces those limits with Telegram's own error wording,
and answers with Bot API 10.0-shaped objects that PTB 22.8 deserialises without warnings.

Everything is stdlib: a ``ThreadingHTTPServer`` on 127.0.0.1 in a background thread. All state
is guarded by one re-entrant lock whose condition variable is notified on every change, which is
what long polling and the ``wait_for*`` helpers sleep on.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import random
import re
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl, urlsplit

from .html_check import HtmlParseError, parse_html, utf16_len

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "ApiError",
    "ApiOutcome",
    "FakeTelegramServer",
    "FakeUser",
    "FaultPlan",
    "InjectedFault",
    "RecordedRequest",
    "SendLogEntry",
]

T = TypeVar("T")
JSONDict = dict[str, Any]

BOT_ID = 7000001
BOT_FIRST_NAME = "Quiz Tutor"
BOT_USERNAME = "quiz_tutor_test_bot"

# Limits of Bot API 10.0 as python-telegram-bot 22.8 states them in telegram.constants; the
# self-tests assert they still agree, so an upgrade that moves a limit gets noticed.
MIN_TEXT_LENGTH = 1
MAX_TEXT_LENGTH = 4096  # MessageLimit.MAX_TEXT_LENGTH, counted after entity parsing
MAX_CALLBACK_DATA_BYTES = 64  # InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_INLINE_BUTTONS = 100  # not in PTB; Telegram answers "reply markup is too long"
MAX_CALLBACK_ANSWER_LENGTH = 200  # CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
MAX_QUESTION_LENGTH = 300  # PollLimit.MAX_QUESTION_LENGTH
MIN_OPTION_NUMBER = 1  # PollLimit.MIN_OPTION_NUMBER: Bot API 10.0 lowered it from 2 to 1
MAX_OPTION_NUMBER = 12  # PollLimit.MAX_OPTION_NUMBER
MAX_OPTION_LENGTH = 100  # PollLimit.MAX_OPTION_LENGTH
MAX_EXPLANATION_LENGTH = 200  # PollLimit.MAX_EXPLANATION_LENGTH
MAX_EXPLANATION_LINE_FEEDS = 2  # PollLimit.MAX_EXPLANATION_LINE_FEEDS
MIN_OPEN_PERIOD = 5  # PollLimit.MIN_OPEN_PERIOD
MAX_OPEN_PERIOD = 2_628_000  # PollLimit.MAX_OPEN_PERIOD: Bot API 9.6 raised it from 600
MAX_COMMANDS = 100  # BotCommandLimit.MAX_COMMAND_NUMBER
MAX_CAPTION_LENGTH = 1024  # MessageLimit.CAPTION_LENGTH, counted after entity parsing
MAX_PHOTO_BYTES = 10_000_000  # FileSizeLimit.PHOTOSIZE_UPLOAD
MAX_PHOTO_SIDES = 10_000  # Bot API sendPhoto: width + height at most 10000, ratio at most 20
MAX_DOCUMENT_BYTES = 50_000_000  # FileSizeLimit.FILESIZE_UPLOAD
MAX_COMMAND_DESCRIPTION = 256  # BotCommandLimit.MAX_DESCRIPTION
COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
# What Telegram delivers when a bot never asked for anything specific.
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
RATE_LIMITED_METHODS = frozenset(
    {"sendMessage", "sendPoll", "editMessageText", "editMessageReplyMarkup", "stopPoll"}
)
SUPERGROUP_ID_LIMIT = -1_000_000_000_000  # ids at or below this are supergroups (-100...)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
BAD_CALLBACK_QUERY = "query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)

# Form/multipart values arrive as strings; PTB JSON-encodes everything that is not a str.
# These parameters are strings in the Bot API and must never be JSON-decoded ("42" stays "42").
STRING_PARAMS = frozenset(
    {
        "text",
        "parse_mode",
        "question",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "description",
        "description_parse_mode",
        "short_description",
        "type",
        "action",
        "callback_query_id",
        "url",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "language_code",
        "secret_token",
        "ip_address",
        "title",
        "name",
        "emoji",
        "custom_title",
        "game_short_name",
    }
)


# -------------------------------------------------------------------------------------------------
# Small value types
# -------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Bot API error reply; raised inside method handlers, turned into the HTTP response."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> JSONDict:
        response: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            response["parameters"] = {"retry_after": self.retry_after}
        return response


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


class RecordedRequest(NamedTuple):
    """One API call as the server saw it; unpacks as ``(method, params, response, wall_time)``."""

    method: str
    params: JSONDict
    response: JSONDict
    wall_time: float


class SendLogEntry(NamedTuple):
    """An accepted rate-limited call (send/edit/stop), for throughput measurements."""

    wall_time: float
    server_time: float
    method: str
    chat_id: int


# Faults a test can inject (see ``FakeTelegramServer.inject_faults``): server errors are refused
# before the call is applied; timeouts apply the call and then never answer, like a real
# Telegram call that was delivered but whose response was lost.
SERVER_ERRORS = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
}
TIMEOUT_STYLES = ("hold", "close", "mixed")


@dataclass(frozen=True)
class FaultPlan:
    """What share of calls fail, and how; see ``FakeTelegramServer.inject_faults``."""

    error_rate: float = 0.0
    timeout_rate: float = 0.0
    seed: int = 0
    include_get_updates: bool = False
    methods: frozenset[str] | None = None  # lower-case method names; None = every method
    timeout_style: str = "hold"
    max_hold: float = 60.0
    until: float | None = None  # time.monotonic() deadline; None = until cleared

    def __post_init__(self) -> None:
        if min(self.error_rate, self.timeout_rate) < 0:
            raise ValueError("fault rates must not be negative")
        if self.error_rate + self.timeout_rate > 1:
            raise ValueError("error_rate + timeout_rate must not exceed 1")
        if self.timeout_style not in TIMEOUT_STYLES:
            raise ValueError(f"timeout_style must be one of {TIMEOUT_STYLES}")


class InjectedFault(NamedTuple):
    """One injected fault: ``kind`` is "500", "502", "timeout-hold" or "timeout-close".

    For timeouts ``response`` is what the applied call returned (the client never saw it).
    """

    method: str
    kind: str
    params: JSONDict
    response: JSONDict
    wall_time: float


class ApiOutcome(NamedTuple):
    """What an API call produced; ``timeout`` is "hold"/"close" when no answer must be sent."""

    status: int
    body: JSONDict
    timeout: str | None = None


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user the tests play; create them with ``FakeTelegramServer.user``."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                user[key] = value
        return user


@dataclass
class _PollState:
    """Where a poll lives and who voted what, so poll answers can update the counters."""

    chat_id: int
    message_id: int
    poll: JSONDict  # the very dict stored inside the message, so edits show everywhere
    votes: dict[int, list[int]] = field(default_factory=dict)


class _SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds (server clock)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.hits: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Server seconds until one more event fits (0 when it fits now)."""
        while self.hits and self.hits[0] <= now - self.window:
            self.hits.popleft()
        if len(self.hits) < self.limit:
            return 0.0
        return self.hits[0] + self.window - now

    def record(self, now: float) -> None:
        self.hits.append(now)


class _RateLimiter:
    """Telegram's broadcast limits: global messages per second, and per group per minute."""

    def __init__(self, global_rate: int | None, group_rate_per_minute: int | None) -> None:
        self.global_window = _SlidingWindow(global_rate, 1.0) if global_rate else None
        self.group_rate = group_rate_per_minute
        self.group_windows: dict[int, _SlidingWindow] = {}

    def _windows(self, chat_id: int) -> list[_SlidingWindow]:
        windows = [self.global_window] if self.global_window else []
        if chat_id < 0 and self.group_rate:
            window = self.group_windows.setdefault(chat_id, _SlidingWindow(self.group_rate, 60.0))
            windows.append(window)
        return windows

    def wait_time(self, chat_id: int, now: float) -> float:
        return max((w.wait_time(now) for w in self._windows(chat_id)), default=0.0)

    def record(self, chat_id: int, now: float) -> None:
        for window in self._windows(chat_id):
            window.record(now)


# -------------------------------------------------------------------------------------------------
# Request decoding (PTB sends form-encoded or multipart bodies with JSON-encoded non-strings)
# -------------------------------------------------------------------------------------------------


def decode_params(content_type: str, body: bytes, query: str = "") -> JSONDict:
    """Decode a Bot API request the way Telegram does: query string, JSON, form or multipart."""
    params = {key: _coerce_text_value(key, value) for key, value in parse_qsl(query)}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return params
    if media_type == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        params.update({key: _coerce_json_value(key, value) for key, value in data.items()})
    elif media_type == "multipart/form-data":
        params.update(_decode_multipart(content_type, body))
    else:  # form-encoded, Telegram's default when no content type is given
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        params.update({key: _coerce_text_value(key, value) for key, value in pairs})
    return params


def _coerce_text_value(name: str, raw: str) -> Any:
    """Non-string parameters arrive JSON-encoded ("123", "true", "[...]", "{...}")."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # e.g. chat_id="@channel"


def _coerce_json_value(name: str, value: Any) -> Any:
    """JSON bodies may still carry nested objects as JSON strings, which Telegram accepts."""
    if isinstance(value, str) and name not in STRING_PARAMS and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _decode_multipart(content_type: str, body: bytes) -> JSONDict:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    params: JSONDict = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:  # uploads are recorded, not stored
            params[name] = {"filename": filename, "size": len(payload), "content": payload}
        else:
            params[name] = _coerce_text_value(name, payload.decode("utf-8"))
    return params


# -------------------------------------------------------------------------------------------------
# Parameter helpers and validation (pure functions raising ApiError)
# -------------------------------------------------------------------------------------------------


def _int_param(params: JSONDict, name: str, default: int | None = None) -> int:
    value = params.get(name, default)
    if value is None:
        raise bad_request(f'parameter "{name}" is required')
    if isinstance(value, bool):
        raise bad_request(f'wrong parameter "{name}" specified')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'wrong parameter "{name}" specified') from None


def _bool_param(params: JSONDict, name: str, default: bool) -> bool:
    return _as_bool(params.get(name), default)


def _as_bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; Telegram refuses a photo it cannot decode.

    The bot only uploads PNGs, so the fake decodes nothing else.
    """
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise bad_request("IMAGE_PROCESS_FAILED")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _strip_formatted(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims leading/trailing whitespace from texts; entities are clipped to match."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + utf16_len(stripped)
    clipped = []
    for entity in entities:
        start, stop = max(entity["offset"], lead), min(entity["offset"] + entity["length"], end)
        if stop > start:
            clipped.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, clipped


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    buttons = [button for row in rows for button in row]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        _validate_inline_button(button)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if not any(action in button for action in BUTTON_ACTIONS):
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not button["url"]:
        raise bad_request("BUTTON_URL_INVALID")


def _validate_command(command: Any) -> JSONDict:
    if not isinstance(command, dict):
        raise bad_request("can't parse BotCommand")
    name, description = command.get("command"), command.get("description")
    if not isinstance(name, str) or not COMMAND_NAME_RE.match(name):
        raise bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return {"command": name, "description": description}


def chat_member_dict(user: JSONDict, status: str) -> JSONDict:
    """A ChatMember of the given status with every field PTB 22.8 requires for it."""
    member: JSONDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
            can_manage_topics=False,
        )
    elif status == "restricted":
        member.update(dict.fromkeys(RESTRICTED_RIGHTS, False), is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0  # 0 = banned forever
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}; use one of {MEMBER_STATUSES}")
    return member


def _update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


# -------------------------------------------------------------------------------------------------
# The server
# -------------------------------------------------------------------------------------------------


class FakeTelegramServer:
    """Fake Bot API on 127.0.0.1; see the module docstring. Use as a context manager.

    Args:
        port: 0 picks a free port.
        global_rate: accepted sends per second across all chats (None disables the limit).
        group_rate_per_minute: accepted sends per minute and group chat (None disables it).
        time_scale: the server clock runs this many times faster than wall time; rate windows,
            message dates and ``now()`` use it, ``retry_after`` is converted back to wall time.
        max_poll_wait: cap (wall seconds) on holding a getUpdates long poll, so shutdown is fast.
        strict_html: reject sloppy-but-accepted HTML too (see ``html_check``).
        group_privacy: when True, group messages reach the bot only as Telegram's privacy mode
            allows (commands, replies to the bot, or the bot being an admin).
        token: when set, requests with another token get 401 Unauthorized.
        poll_updates: queue a ``poll`` update (the poll's new state) after every vote on a poll
            the bot sent, as Telegram does for polls sent by the bot.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        global_rate: int | None = 30,
        group_rate_per_minute: int | None = 20,
        time_scale: float = 1.0,
        max_poll_wait: float = 1.0,
        strict_html: bool = True,
        group_privacy: bool = False,
        token: str | None = None,
        poll_updates: bool = True,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._requested_port = port
        self.time_scale = time_scale
        self.max_poll_wait = max_poll_wait
        self.strict_html = strict_html
        self.group_privacy = group_privacy
        self.token = token
        self.poll_updates = poll_updates

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._connections: set[socket.socket] = set()

        self._wall0 = time.monotonic()
        self._unix0 = time.time()
        self._clock_offset = 0.0
        self._rate_limiter = _RateLimiter(global_rate, group_rate_per_minute)

        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._updates: deque[JSONDict] = deque()
        self._poll_generation = 0
        self._allowed_updates: list[str] | None = None

        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._sent_message_keys: list[tuple[int, int]] = []
        self._sent_poll_keys: list[tuple[int, int]] = []
        self._polls: dict[str, _PollState] = {}
        self._open_callback_queries: set[str] = set()
        self._blocked_users: set[int] = set()
        self._member_status: dict[tuple[int, int], str] = {}
        self._member_counts: dict[int, int] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._fault_plan: FaultPlan | None = None
        self._fault_counts: dict[str, int] = {}
        self._scripted_faults: dict[str, deque[str]] = {}

        # Public recorded traffic; read them through the accessors below from other threads.
        self.requests: list[RecordedRequest] = []
        self.errors: list[RecordedRequest] = []
        self.send_log: list[SendLogEntry] = []
        self.callback_answers: list[JSONDict] = []
        self.dropped_updates: list[tuple[str, JSONDict]] = []
        self.internal_errors: list[str] = []
        # Injected faults are kept apart from ``errors``: they are not the bot's mistakes.
        self.injected_faults: list[InjectedFault] = []
        self.rate_limited_count = 0
        self.webhook_url: str | None = None

        self._handlers: dict[str, Callable[[JSONDict], Any]] = {
            "getme": self._get_me,
            "logout": lambda params: True,
            "close": lambda params: True,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendpoll": self._send_poll,
            "stoppoll": self._stop_poll,
            "getchatmember": self._get_chat_member,
            "getchatmembercount": self._get_chat_member_count,
            "getchatadministrators": self._get_chat_administrators,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
        }

    # ---- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeTelegramServer:
        """Bind, listen and serve in a daemon thread; returns once the socket is listening."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping = False
        self._httpd = _HttpServer(("127.0.0.1", self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},  # how fast stop() returns
            name=f"fake-telegram-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release held long polls, close client connections and stop listening."""
        httpd = self._httpd
        if httpd is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            connections = list(self._connections)
        httpd.shutdown()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeTelegramServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(token, base_url=...)``: PTB appends the token and the method."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- clock ----------------------------------------------------------------------------------

    def now(self) -> float:
        """Server clock (unix seconds): starts at wall time, runs ``time_scale`` times faster."""
        elapsed = (time.monotonic() - self._wall0) * self.time_scale
        return self._unix0 + elapsed + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Jump the server clock forward, e.g. to let a rate-limit window expire instantly."""
        with self._cond:
            self._clock_offset += seconds
            self._cond.notify_all()

    def _date(self) -> int:
        return int(self.now())

    # ---- HTTP entry point -----------------------------------------------------------------------

    def handle_api_call(self, token: str, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        """Run one Bot API method; returns ``(http_status, body)`` and records the exchange.

        An injected timeout still returns the applied call's answer here; callers that can
        emulate a lost answer use ``call_api``.
        """
        outcome = self.call_api(token, method, params)
        return outcome.status, outcome.body

    def call_api(self, token: str, method: str, params: JSONDict) -> ApiOutcome:
        """Like ``handle_api_call``, and says whether the answer must be withheld (a timeout)."""
        fault: str | None = None
        if self.token is not None and token != self.token:
            response: JSONDict = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            with self._cond:
                fault = self._draw_fault(method, params)
            if fault in SERVER_ERRORS:
                code, description = SERVER_ERRORS[fault]
                response = {"ok": False, "error_code": code, "description": description}
            else:
                response = self._dispatch(method, params)
        with self._cond:
            record = RecordedRequest(method, params, response, time.time())
            self.requests.append(record)
            if fault is not None:
                self.injected_faults.append(
                    InjectedFault(method, fault, params, response, record.wall_time)
                )
            elif not response["ok"]:
                self.errors.append(record)
            self._cond.notify_all()
        status = 200 if response["ok"] else int(response["error_code"])
        timeout = fault.removeprefix("timeout-") if fault and fault.startswith("timeout") else None
        return ApiOutcome(status, response, timeout)

    # ---- fault injection ------------------------------------------------------------------------

    def inject_faults(
        self,
        *,
        error_rate: float = 0.0,
        timeout_rate: float = 0.0,
        seed: int = 0,
        duration: float | None = None,
        include_get_updates: bool = False,
        methods: Iterable[str] | None = None,
        timeout_style: str = "hold",
        max_hold: float = 60.0,
    ) -> FaultPlan:
        """From now on (for ``duration`` wall seconds, or until ``clear_faults``) fail calls.

        ``error_rate`` of the calls get 500 or 502 and are not applied; ``timeout_rate`` of
        them are applied (the message is sent, the poll exists) and then never answered:
        "hold" keeps the connection silent until the client gives up (at most ``max_hold``
        seconds), "close" drops it, "mixed" picks one per call. getUpdates is spared unless
        ``include_get_updates``; ``methods`` limits faults to those methods.

        Which call fails depends only on the seed, the call (method and parameters) and how
        often that same call was made before, not on the interleaving of concurrent calls,
        so a run is repeatable.
        """
        plan = FaultPlan(
            error_rate=error_rate,
            timeout_rate=timeout_rate,
            seed=seed,
            include_get_updates=include_get_updates,
            methods=None if methods is None else frozenset(m.lower() for m in methods),
            timeout_style=timeout_style,
            max_hold=max_hold,
            until=None if duration is None else time.monotonic() + duration,
        )
        with self._cond:
            self._fault_plan = plan
            self._fault_counts.clear()
        return plan

    def clear_faults(self) -> None:
        """Stop random faults (scripted ones from ``fail_next`` stay queued)."""
        with self._cond:
            self._fault_plan = None
            self._cond.notify_all()

    @contextlib.contextmanager
    def faults(self, **plan: Any) -> Iterator[FaultPlan]:
        """``with server.faults(error_rate=0.2, timeout_rate=0.1):`` (see ``inject_faults``)."""
        try:
            yield self.inject_faults(**plan)
        finally:
            self.clear_faults()

    def fail_next(self, method: str, kind: str = "timeout-hold", times: int = 1) -> None:
        """Script the next ``times`` calls of ``method`` to fail with ``kind`` ("500", "502",
        "timeout-hold" or "timeout-close"), before any random plan is consulted."""
        if kind not in SERVER_ERRORS and kind not in ("timeout-hold", "timeout-close"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._cond:
            self._scripted_faults.setdefault(method.lower(), deque()).extend([kind] * times)

    @property
    def faults_active(self) -> bool:
        with self._lock:
            plan = self._fault_plan
            return plan is not None and (plan.until is None or time.monotonic() < plan.until)

    def _draw_fault(self, method: str, params: JSONDict) -> str | None:
        name = method.lower()
        scripted = self._scripted_faults.get(name)
        if scripted:
            return scripted.popleft()
        plan = self._fault_plan
        if plan is None:
            return None
        if plan.until is not None and time.monotonic() >= plan.until:
            self._fault_plan = None
            return None
        if name == "getupdates" and not plan.include_get_updates:
            return None
        if plan.methods is not None and name not in plan.methods:
            return None
        call = json.dumps([name, params], sort_keys=True, default=str)
        seen = self._fault_counts[call] = self._fault_counts.get(call, 0) + 1
        draw = random.Random(f"{plan.seed}|{seen}|{call}")  # str seeds hash with SHA-512
        roll = draw.random()
        if roll < plan.error_rate:
            return draw.choice(sorted(SERVER_ERRORS))
        if roll < plan.error_rate + plan.timeout_rate:
            style = plan.timeout_style
            if style == "mixed":
                style = draw.choice(("hold", "close"))
            return f"timeout-{style}"
        return None

    def _hold_silently(self) -> None:
        """Keep a timed-out call's connection silent until its client gives up."""
        plan = self._fault_plan
        deadline = time.monotonic() + (plan.max_hold if plan else 60.0)
        with self._cond:
            while not self._stopping and not _current_client_gone():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(min(0.05, remaining))

    def _dispatch(self, method: str, params: JSONDict) -> JSONDict:
        handler = self._handlers.get(method.lower())
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            with self._cond:
                return {"ok": True, "result": handler(params)}
        except ApiError as error:
            return error.to_response()
        except Exception as exc:  # a bug in the fake: report it loudly instead of hanging
            detail = f"{method}: {type(exc).__name__}: {exc}"
            with self._cond:
                self.internal_errors.append(detail)
            return {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: {detail}",
            }

    # ---- chats, users, members ------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """Register a user the tests can act as (private chat id == user id)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = FakeUser(user_id, first_name, username, last_name, language_code)
        with self._cond:
            self._users[user_id] = user
            self._chats.pop(user_id, None)  # rebuilt from the user on next use
        return user

    def block_user(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocked the bot: sends/edits to their private chat now get 403.

        With ``notify=True`` also queue the ``my_chat_member`` update (member -> kicked) that
        Telegram sends in that case.
        """
        with self._cond:
            self._blocked_users.add(user_id)
            self._member_status[(user_id, BOT_ID)] = "kicked"
            if notify:
                self._queue_my_chat_member(self._user_dict(user_id), user_id, "member", "kicked")
            self._cond.notify_all()

    def unblock_user(self, user_id: int, *, notify: bool = False) -> None:
        with self._cond:
            self._blocked_users.discard(user_id)
            self._member_status[(user_id, BOT_ID)] = "member"
            if notify:
                self._queue_my_chat_member(self._user_dict(user_id), user_id, "kicked", "member")
            self._cond.notify_all()

    def set_admin(self, chat_id: int, user_id: int) -> None:
        self.set_member_status(chat_id, user_id, "administrator")

    def set_creator(self, chat_id: int, user_id: int) -> None:
        self.set_member_status(chat_id, user_id, "creator")

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Status reported by getChatMember (default "member"); user_id may be ``BOT_ID``."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {MEMBER_STATUSES}")
        with self._cond:
            if status == "creator":  # a chat has one owner
                for key, old in list(self._member_status.items()):
                    if key[0] == chat_id and old == "creator":
                        self._member_status[key] = "member"
            self._member_status[(chat_id, user_id)] = status
            self._cond.notify_all()

    def set_member_count(self, chat_id: int, count: int) -> None:
        """What getChatMemberCount reports for a group (bots included, as Telegram counts);
        otherwise the distinct senders seen in the chat, the bot among them."""
        with self._cond:
            self._member_counts[chat_id] = count

    def set_chat(self, chat_id: int, chat_type: str, title: str | None = None) -> None:
        """Declare a group/supergroup's type and title (otherwise derived from the id)."""
        with self._cond:
            self._register_chat(chat_id, chat_type, title)

    def _register_chat(self, chat_id: int, chat_type: str, title: str | None) -> JSONDict:
        if chat_type == "private":
            if chat_id <= 0:
                raise ValueError("private chat ids are positive")
            return self._chat(chat_id)
        if chat_type not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {chat_type!r}")
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = self._chats.setdefault(chat_id, {"id": chat_id})
        chat["type"] = chat_type
        chat["title"] = title or chat.get("title") or f"Group {chat_id}"
        return chat

    def _chat(self, chat_id: int) -> JSONDict:
        """The Chat object for an id, created on the fly: positive = private, negative = group."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self._user_dict(chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                for key in ("last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            else:
                kind = "supergroup" if chat_id <= SUPERGROUP_ID_LIMIT else "group"
                chat = {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
            self._chats[chat_id] = chat
        return chat

    def _user_dict(self, user_id: int) -> JSONDict:
        if user_id == BOT_ID:
            return self._bot_sender()
        user = self._users.get(user_id)
        if user is None:
            return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        return user.to_dict()

    @staticmethod
    def _bot_sender() -> JSONDict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def _status_of(self, chat_id: int, user_id: int) -> str:
        return self._member_status.get((chat_id, user_id), "member")

    def _check_reachable(self, chat_id: int) -> None:
        """403s Telegram gives when the bot may not write to a chat any more."""
        if chat_id > 0 and chat_id in self._blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id < 0:
            status = self._member_status.get((chat_id, BOT_ID))
            kind = self._chat(chat_id)["type"]
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            if status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _target_chat(self, params: JSONDict) -> int:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, bool) or (isinstance(raw, str) and not raw.lstrip("-").isdigit()):
            raise bad_request("chat not found")
        chat_id = int(raw)
        if chat_id == 0:
            raise bad_request("chat not found")
        self._chat(chat_id)
        return chat_id

    # ---- rate limiting --------------------------------------------------------------------------

    def _check_rate(self, chat_id: int) -> None:
        wait = self._rate_limiter.wait_time(chat_id, self.now())
        if wait > 0:
            retry_after = max(1, math.ceil(wait / self.time_scale))
            self.rate_limited_count += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def _record_send(self, method: str, chat_id: int) -> None:
        now = self.now()
        self._rate_limiter.record(chat_id, now)
        self.send_log.append(SendLogEntry(time.time(), now, method, chat_id))

    def _begin_send(self, chat_id: int) -> None:
        self._check_reachable(chat_id)
        self._check_rate(chat_id)

    # ---- messages -------------------------------------------------------------------------------

    def _store_message(self, chat_id: int, sender: JSONDict, content: JSONDict) -> JSONDict:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message: JSONDict = {
            "message_id": message_id,
            "from": sender,
            "chat": copy.deepcopy(self._chat(chat_id)),
            "date": self._date(),
            **content,
        }
        self._messages[(chat_id, message_id)] = message
        return message

    def _formatted(
        self, raw: Any, parse_mode: Any, entities: Any, empty_error: str
    ) -> tuple[str, list[JSONDict]]:
        """Apply parse_mode (or explicit entities) and Telegram's trimming to a text field."""
        if raw is None or raw == "":
            raise bad_request(empty_error)
        text = str(raw)
        mode = str(parse_mode or "").lower()
        parsed: list[JSONDict] = []
        if mode == "html":
            try:
                text, parsed = parse_html(text, strict=self.strict_html)
            except HtmlParseError as error:
                raise ApiError(400, error.description) from None
        elif mode not in ("", "markdown", "markdownv2"):
            raise bad_request(f"unsupported parse_mode {parse_mode}")
        elif isinstance(entities, list):
            parsed = [dict(entity) for entity in entities if isinstance(entity, dict)]
        text, parsed = _strip_formatted(text, parsed)
        if not text:
            raise bad_request(empty_error)
        return text, parsed

    def _message_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            "message text is empty",
        )
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text, entities

    @staticmethod
    def _reply_markup(params: JSONDict) -> JSONDict | None:
        """Validated inline keyboard to echo back; reply keyboards are accepted, not echoed."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        _validate_inline_keyboard(markup["inline_keyboard"])
        return {"inline_keyboard": markup["inline_keyboard"]}

    def _reply_target(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        key = (int(reply.get("chat_id", chat_id)), int(message_id))
        target = self._messages.get(key)
        if target is None or key in self._deleted:
            allow = reply.get("allow_sending_without_reply")
            if _as_bool(allow, _bool_param(params, "allow_sending_without_reply", False)):
                return None
            raise bad_request("message to be replied not found")
        return {k: copy.deepcopy(v) for k, v in target.items() if k != "reply_to_message"}

    def _bot_message(self, params: JSONDict, missing_error: str) -> tuple[int, JSONDict]:
        """The stored bot message an edit/delete/stop refers to."""
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake server")
        chat_id = self._target_chat(params)
        message_id = _int_param(params, "message_id")
        key = (chat_id, message_id)
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise bad_request(missing_error)
        return chat_id, message

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        self._begin_send(chat_id)
        text, entities = self._message_text(params)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        reply_to = self._reply_target(chat_id, params)
        if reply_to:
            content["reply_to_message"] = reply_to
        markup = self._reply_markup(params)
        if markup:
            content["reply_markup"] = markup
        message = self._store_message(chat_id, self._bot_sender(), content)
        self._sent_message_keys.append((chat_id, message["message_id"]))
        self._record_send("sendMessage", chat_id)
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JSONDict) -> JSONDict:
        chat_id, message = self._bot_message(params, "message to edit not found")
        self._begin_send(chat_id)
        if message["from"]["id"] != BOT_ID:
            raise bad_request("message can't be edited")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._message_text(params)
        markup = self._reply_markup(params)
        new = {"text": text, "entities": entities, "reply_markup": markup}
        old = {
            "text": message["text"],
            "entities": message.get("entities", []),
            "reply_markup": message.get("reply_markup"),
        }
        if new == old:
            raise bad_request(NOT_MODIFIED)
        self._replace_fields(message, new)
        self._record_send("editMessageText", chat_id)
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        chat_id, message = self._bot_message(params, "message to edit not found")
        self._begin_send(chat_id)
        if message["from"]["id"] != BOT_ID:
            raise bad_request("message can't be edited")
        markup = self._reply_markup(params)
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        self._replace_fields(message, {"reply_markup": markup})
        self._record_send("editMessageReplyMarkup", chat_id)
        return copy.deepcopy(message)

    def _replace_fields(self, message: JSONDict, fields: JSONDict) -> None:
        """Apply an edit in place (empty values remove the field) and stamp edit_date."""
        for key, value in fields.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = self._date()

    def _delete_message(self, params: JSONDict) -> bool:
        chat_id, message = self._bot_message(params, "message to delete not found")
        self._check_reachable(chat_id)
        self._deleted.add((chat_id, message["message_id"]))
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callback_queries:
            raise bad_request(BAD_CALLBACK_QUERY)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(query_id)
        self.callback_answers.append(dict(params))
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        chat_id = self._target_chat(params)
        self._check_reachable(chat_id)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ---- polls ----------------------------------------------------------------------------------

    def _send_poll(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        self._begin_send(chat_id)
        poll = self._build_poll(params)
        content: JSONDict = {"poll": poll}
        markup = self._reply_markup(params)
        if markup:
            content["reply_markup"] = markup
        reply_to = self._reply_target(chat_id, params)
        if reply_to:
            content["reply_to_message"] = reply_to
        message = self._store_message(chat_id, self._bot_sender(), content)
        if "open_period" in poll:
            poll["close_date"] = message["date"] + poll["open_period"]
        self._polls[poll["id"]] = _PollState(chat_id, message["message_id"], poll)
        self._sent_poll_keys.append((chat_id, message["message_id"]))
        self._record_send("sendPoll", chat_id)
        return copy.deepcopy(message)

    def _build_poll(self, params: JSONDict) -> JSONDict:
        question, question_entities = self._formatted(
            params.get("question"),
            params.get("question_parse_mode"),
            params.get("question_entities"),
            "poll question must be non-empty",
        )
        if len(question) > MAX_QUESTION_LENGTH:
            raise bad_request(f"poll question length must not exceed {MAX_QUESTION_LENGTH}")
        options = self._poll_options(params.get("options"))
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("wrong poll type specified")
        is_quiz = poll_type == "quiz"
        multiple = _bool_param(params, "allows_multiple_answers", False)
        poll: JSONDict = {
            "id": str(5_200_000_000_000_000_000 + next(self._ids)),
            "question": question,
            "options": [self._poll_option(text, entities) for text, entities in options],
            "total_voter_count": 0,
            "is_closed": _bool_param(params, "is_closed", False),
            "is_anonymous": _bool_param(params, "is_anonymous", True),
            "type": poll_type,
            "allows_multiple_answers": multiple,
            "allows_revoting": _bool_param(params, "allows_revoting", not is_quiz),
            "members_only": _bool_param(params, "members_only", False),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if is_quiz:
            poll["correct_option_ids"] = self._correct_option_ids(params, len(options), multiple)
            poll.update(self._explanation(params))
        poll.update(self._poll_timing(params))
        return poll

    def _poll_options(self, raw: Any) -> list[tuple[str, list[JSONDict]]]:
        """Options as (text, entities); accepts strings or InputPollOption dicts."""
        if not isinstance(raw, list):
            raise bad_request("can't parse options JSON object")
        if not MIN_OPTION_NUMBER <= len(raw) <= MAX_OPTION_NUMBER:
            raise bad_request(
                f"poll must have {MIN_OPTION_NUMBER}-{MAX_OPTION_NUMBER} options, got {len(raw)}"
            )
        options = []
        for item in raw:
            spec = item if isinstance(item, dict) else {"text": item}
            text, entities = self._formatted(
                spec.get("text"),
                spec.get("text_parse_mode"),
                spec.get("text_entities"),
                "poll options must be non-empty",
            )
            if len(text) > MAX_OPTION_LENGTH:
                raise bad_request(f"poll option length must not exceed {MAX_OPTION_LENGTH}")
            options.append((text, entities))
        texts = [text for text, _ in options]
        if len(set(texts)) != len(texts):
            raise bad_request("POLL_OPTION_DUPLICATE")
        return options

    def _poll_option(self, text: str, entities: list[JSONDict]) -> JSONDict:
        option: JSONDict = {
            "text": text,
            "voter_count": 0,
            "persistent_id": f"opt{next(self._ids)}",
        }
        if entities:
            option["text_entities"] = entities
        return option

    @staticmethod
    def _correct_option_ids(params: JSONDict, option_count: int, multiple: bool) -> list[int]:
        raw = params.get("correct_option_ids")
        if raw is None and params.get("correct_option_id") is not None:
            raw = [params["correct_option_id"]]
        if not raw:
            raise bad_request("QUIZ_CORRECT_ANSWERS_EMPTY")
        if not isinstance(raw, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in raw
        ):
            raise bad_request("wrong correct option id")
        if any(not 0 <= i < option_count for i in raw) or raw != sorted(set(raw)):
            raise bad_request("wrong correct option id")
        if len(raw) > 1 and not multiple:
            raise bad_request("QUIZ_CORRECT_ANSWERS_TOO_MUCH")
        return list(raw)

    def _explanation(self, params: JSONDict) -> JSONDict:
        if not params.get("explanation"):
            return {}
        text, entities = self._formatted(
            params.get("explanation"),
            params.get("explanation_parse_mode"),
            params.get("explanation_entities"),
            "explanation is empty",
        )
        if len(text) > MAX_EXPLANATION_LENGTH:
            raise bad_request("explanation is too long")
        if text.count("\n") > MAX_EXPLANATION_LINE_FEEDS:
            raise bad_request("explanation has too many line feeds")
        result: JSONDict = {"explanation": text}
        if entities:
            result["explanation_entities"] = entities
        return result

    def _poll_timing(self, params: JSONDict) -> JSONDict:
        has_period, has_close = "open_period" in params, "close_date" in params
        if has_period and has_close:
            raise bad_request("can't use open_period and close_date together")
        if has_period:
            period = _int_param(params, "open_period")
            if not MIN_OPEN_PERIOD <= period <= MAX_OPEN_PERIOD:
                raise bad_request("wrong open period specified")
            return {"open_period": period}  # close_date is set once the message date is known
        if has_close:
            close_date = _int_param(params, "close_date")
            if not MIN_OPEN_PERIOD <= close_date - self._date() <= MAX_OPEN_PERIOD:
                raise bad_request("wrong close date specified")
            return {"close_date": close_date}
        return {}

    def _stop_poll(self, params: JSONDict) -> JSONDict:
        chat_id, message = self._bot_message(params, "message with poll to stop not found")
        self._begin_send(chat_id)
        poll = message.get("poll")
        if poll is None:
            raise bad_request("message with poll to stop not found")
        if poll["is_closed"]:
            raise bad_request("poll has already been closed")
        markup = self._reply_markup(params)
        if markup is not None:
            message["reply_markup"] = markup
        poll["is_closed"] = True
        self._record_send("stopPoll", chat_id)
        return copy.deepcopy(poll)

    # ---- uploads: sendPhoto, sendDocument ------------------------------------------------------
    # Uploads arrive as multipart parts, decoded to {"filename", "size", "content"}; a string is
    # a file_id or URL, which the fake accepts without fetching.

    def _send_photo(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        self._begin_send(chat_id)
        upload = self._upload(params, "photo")
        size = len(upload["content"]) if isinstance(upload, dict) else 0
        if size > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_SAVE_FILE_INVALID")
        width, height = png_dimensions(upload["content"]) if size else (1280, 720)
        if width + height > MAX_PHOTO_SIDES or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        file_id = f"photo-{next(self._ids)}"
        content: JSONDict = {
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "width": width,
                    "height": height,
                    "file_size": size,
                }
            ],
            **self._caption(params),
        }
        return self._store_upload(chat_id, params, content, "sendPhoto")

    def _send_document(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        self._begin_send(chat_id)
        upload = self._upload(params, "document")
        if isinstance(upload, str):
            document: JSONDict = {"file_name": "document"}
        else:
            if upload["size"] > MAX_DOCUMENT_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            document = {"file_name": upload["filename"], "file_size": upload["size"]}
        file_id = f"document-{next(self._ids)}"
        document.update({"file_id": file_id, "file_unique_id": f"u{file_id}"})
        content = {"document": document, **self._caption(params)}
        return self._store_upload(chat_id, params, content, "sendDocument")

    @staticmethod
    def _upload(params: JSONDict, name: str) -> JSONDict | str:
        value = params.get(name)
        if isinstance(value, str) and value and not value.startswith("attach://"):
            return value
        if isinstance(value, dict) and value.get("size"):
            return value
        raise bad_request(f'parameter "{name}" is required')

    def _caption(self, params: JSONDict) -> JSONDict:
        if params.get("caption") in (None, ""):
            return {}
        text, entities = self._formatted(
            params["caption"], params.get("parse_mode"), params.get("caption_entities"), ""
        )
        if utf16_len(text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return {"caption": text, **({"caption_entities": entities} if entities else {})}

    def _store_upload(
        self, chat_id: int, params: JSONDict, content: JSONDict, method: str
    ) -> JSONDict:
        reply_to = self._reply_target(chat_id, params)
        if reply_to:
            content["reply_to_message"] = reply_to
        markup = self._reply_markup(params)
        if markup:
            content["reply_markup"] = markup
        message = self._store_message(chat_id, self._bot_sender(), content)
        self._sent_message_keys.append((chat_id, message["message_id"]))
        self._record_send(method, chat_id)
        return copy.deepcopy(message)

    # ---- members and chat info ------------------------------------------------------------------

    def _get_chat_member(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        user_id = _int_param(params, "user_id")
        return chat_member_dict(self._user_dict(user_id), self._status_of(chat_id, user_id))

    def _get_chat_member_count(self, params: JSONDict) -> int:
        chat_id = self._target_chat(params)
        if chat_id > 0:
            return 2  # a private chat: the user and the bot
        if chat_id in self._member_counts:
            return self._member_counts[chat_id]
        senders = {
            message["from"]["id"]
            for (chat, _), message in self._messages.items()
            if chat == chat_id and "from" in message
        }
        known = {user for (chat, user), _status in self._member_status.items() if chat == chat_id}
        return len(senders | known | {BOT_ID})

    def _get_chat_administrators(self, params: JSONDict) -> list[JSONDict]:
        chat_id = self._target_chat(params)
        if chat_id > 0:
            raise bad_request("there are no administrators in the private chat")
        admins = [
            (user_id, status)
            for (chat, user_id), status in self._member_status.items()
            if chat == chat_id and status in ("creator", "administrator")
        ]
        admins.sort(key=lambda item: item[1] != "creator")  # owner first, like Telegram
        return [chat_member_dict(self._user_dict(user_id), status) for user_id, status in admins]

    def _get_chat(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        info = copy.deepcopy(self._chat(chat_id))
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return info

    # ---- bot-level methods ----------------------------------------------------------------------

    def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self._bot_sender(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params.get("url") or "") or None
        if _bool_param(params, "drop_pending_updates", False):
            self._drop_pending_updates()
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = None
        if _bool_param(params, "drop_pending_updates", False):
            self._drop_pending_updates()
        return True

    def _drop_pending_updates(self) -> None:
        """``drop_pending_updates=True``: updates pushed before the bot started are lost."""
        self.dropped_updates.extend(("drop_pending_updates", update) for update in self._updates)
        self._updates.clear()

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands specified")
        self._commands[self._commands_key(params)] = [_validate_command(c) for c in commands]
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    # ---- getUpdates -----------------------------------------------------------------------------

    def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """Long poll: confirm by offset, wait up to min(timeout, max_poll_wait) for updates."""
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(0, _int_param(params, "timeout", 0))
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(kind) for kind in params["allowed_updates"]]
        self._confirm_updates(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + min(timeout, self.max_poll_wait)
        while True:
            ready = self._deliverable_updates(limit)
            if ready or self._stopping:
                return ready
            if generation != self._poll_generation:
                if _current_client_gone():
                    return []  # an abandoned poll (bot stopped/restarted) is not a conflict
                raise ApiError(409, GET_UPDATES_CONFLICT)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _confirm_updates(self, offset: int) -> None:
        if offset < 0:  # Telegram: keep only the last -offset updates
            while len(self._updates) > -offset:
                self._updates.popleft()
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _deliverable_updates(self, limit: int) -> list[JSONDict]:
        """Drop updates the bot didn't ask for (as Telegram never sends them), return the rest."""
        allowed = set(self._allowed_updates or ()) or DEFAULT_UPDATE_TYPES
        kept: deque[JSONDict] = deque()
        for update in self._updates:
            if _update_type(update) in allowed:
                kept.append(update)
            else:
                self.dropped_updates.append(("not in allowed_updates", update))
        self._updates = kept
        return [copy.deepcopy(update) for update in itertools.islice(kept, limit)]

    @property
    def allowed_updates(self) -> list[str] | None:
        """The last ``allowed_updates`` a getUpdates asked for (None if never specified)."""
        with self._lock:
            return None if self._allowed_updates is None else list(self._allowed_updates)

    def pending_update_count(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._updates)

    # ---- scripting: pushing updates -------------------------------------------------------------

    def _queue_update(self, payload: JSONDict) -> JSONDict:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def push_raw(self, update: JSONDict) -> JSONDict:
        """Queue any update dict. Its ``update_id`` is always (re)assigned, because offset
        confirmation relies on ids increasing in queue order, as Telegram guarantees."""
        with self._cond:
            payload = {k: copy.deepcopy(v) for k, v in update.items() if k != "update_id"}
            return self._queue_update(payload)

    def push_message(
        self,
        user: FakeUser,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """Queue a text message from ``user`` (private chat unless ``chat_id`` is given).

        A leading ``/command`` gets the ``bot_command`` entity Telegram adds. With
        ``group_privacy`` on, group messages the bot wouldn't see are recorded in
        ``dropped_updates`` instead of being queued (the update is still returned).
        """
        with self._cond:
            target = user.id if chat_id is None else chat_id
            if chat_id is not None and chat_type == "private" and chat_id < 0:
                chat_type = "supergroup" if chat_id <= SUPERGROUP_ID_LIMIT else "group"
            self._register_chat(target, chat_type, chat_title)
            content: JSONDict = {"text": text}
            entities = _command_entities(text)
            if entities:
                content["entities"] = entities
            if reply_to_message_id is not None:
                original = self._messages.get((target, reply_to_message_id))
                if original is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {target}")
                content["reply_to_message"] = {
                    k: copy.deepcopy(v) for k, v in original.items() if k != "reply_to_message"
                }
            message = self._store_message(target, user.to_dict(), content)
            if self._hidden_by_privacy(target, message):
                update = {"update_id": None, "message": copy.deepcopy(message)}
                self.dropped_updates.append(("group privacy mode", update))
                return update
            return self._queue_update({"message": copy.deepcopy(message)})

    def _hidden_by_privacy(self, chat_id: int, message: JSONDict) -> bool:
        if not self.group_privacy or chat_id > 0:
            return False
        if self._status_of(chat_id, BOT_ID) in ("administrator", "creator"):
            return False
        replied = message.get("reply_to_message", {})
        is_reply_to_bot = replied.get("from", {}).get("id") == BOT_ID
        return not (message.get("text", "").startswith("/") or is_reply_to_bot)

    def push_callback(self, user: FakeUser, message: JSONDict, data: str) -> JSONDict:
        """Queue a button press on a bot message (the dict the bot got back, or any copy)."""
        with self._cond:
            key = (message["chat"]["id"], message["message_id"])
            current = self._messages.get(key)
            if current is None or key in self._deleted:
                raise ValueError(f"message {key} does not exist (or was deleted)")
            query_id = str(4_100_000_000_000_000_000 + next(self._ids))
            self._open_callback_queries.add(query_id)
            query = {
                "id": query_id,
                "from": user.to_dict(),
                "message": copy.deepcopy(current),
                "chat_instance": str(abs(key[0]) * 7919 + 1_000_003),
                "data": data,
            }
            return self._queue_update({"callback_query": query})

    def set_buttons(self, chat_id: int, message_id: int, rows: list[list[JSONDict]]) -> JSONDict:
        """Put an inline keyboard on a stored message, as if the bot had sent it with it
        (e.g. to press buttons with data the bot never made); returns the message."""
        _validate_inline_keyboard(rows)
        with self._cond:
            message = self._messages[(chat_id, message_id)]
            message["reply_markup"] = {"inline_keyboard": copy.deepcopy(rows)}
            return copy.deepcopy(message)

    def open_callback_query(self) -> str:
        """A fresh callback query id the bot may answer once, for hand-built (e.g. forged,
        inline or inaccessible-message) ``callback_query`` updates."""
        with self._cond:
            query_id = str(4_100_000_000_000_000_000 + next(self._ids))
            self._open_callback_queries.add(query_id)
            return query_id

    def push_poll_answer(self, user: FakeUser, poll_id: str, option_ids: Iterable[int]) -> JSONDict:
        """Queue a vote (``option_ids=[]`` retracts), updating the poll's counters.

        With ``poll_updates`` a ``poll`` update with the new counts follows the ``poll_answer``
        (only the latter is returned).

        Raises ValueError for votes Telegram would never report: anonymous polls (bots get no
        ``poll_answer`` for them), closed polls, bad indexes, re-votes where revoting is off.
        """
        chosen = list(option_ids)
        with self._cond:
            state = self._polls.get(str(poll_id))
            if state is None:
                raise ValueError(f"unknown poll id {poll_id!r}")
            self._check_vote(state, user.id, chosen)
            self._apply_vote(state, user.id, chosen)
            options = state.poll["options"]
            answer = {
                "poll_id": state.poll["id"],
                "user": user.to_dict(),
                "option_ids": chosen,
                "option_persistent_ids": [options[i]["persistent_id"] for i in chosen],
            }
            update = self._queue_update({"poll_answer": answer})
            if self.poll_updates:  # Telegram reports a bot's own polls' new state to the bot
                self._queue_update({"poll": copy.deepcopy(state.poll)})
            return update

    @staticmethod
    def _check_vote(state: _PollState, user_id: int, chosen: list[int]) -> None:
        poll = state.poll
        if poll["is_anonymous"]:
            raise ValueError(
                "Telegram sends no poll_answer updates for anonymous polls; "
                "the bot must send the poll with is_anonymous=False"
            )
        if poll["is_closed"]:
            raise ValueError(f"poll {poll['id']} is closed")
        if any(not 0 <= i < len(poll["options"]) for i in chosen) or len(set(chosen)) != len(
            chosen
        ):
            raise ValueError(f"bad option ids {chosen} for poll {poll['id']}")
        if len(chosen) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError(f"poll {poll['id']} allows a single answer")
        if user_id in state.votes and not poll["allows_revoting"]:
            raise ValueError(f"poll {poll['id']} does not allow changing the answer")

    @staticmethod
    def _apply_vote(state: _PollState, user_id: int, chosen: list[int]) -> None:
        options = state.poll["options"]
        for i in state.votes.pop(user_id, []):
            options[i]["voter_count"] -= 1
        if chosen:
            state.votes[user_id] = chosen
            for i in chosen:
                options[i]["voter_count"] += 1
        state.poll["total_voter_count"] = len(state.votes)

    def push_poll_closed(self, poll_id: str) -> JSONDict:
        """Close a poll (e.g. its open_period ran out) and queue the ``poll`` update."""
        with self._cond:
            state = self._polls.get(str(poll_id))
            if state is None:
                raise ValueError(f"unknown poll id {poll_id!r}")
            state.poll["is_closed"] = True
            return self._queue_update({"poll": copy.deepcopy(state.poll)})

    def push_my_chat_member(
        self,
        user: FakeUser,
        chat_id: int,
        chat_type: str,
        old_status: str,
        new_status: str,
        chat_title: str | None = None,
    ) -> JSONDict:
        """Queue a change of the bot's own membership, made by ``user``.

        Private chat "member" -> "kicked" is the user blocking the bot (and blocks it here
        too; "kicked" -> "member" unblocks); in groups it is the bot being added or removed.
        """
        with self._cond:
            self._register_chat(chat_id, chat_type, chat_title)
            if chat_type == "private":
                if new_status == "kicked":
                    self._blocked_users.add(chat_id)
                else:
                    self._blocked_users.discard(chat_id)
            self._member_status[(chat_id, BOT_ID)] = new_status
            return self._queue_my_chat_member(user.to_dict(), chat_id, old_status, new_status)

    def _queue_my_chat_member(
        self, actor: JSONDict, chat_id: int, old_status: str, new_status: str
    ) -> JSONDict:
        bot = self._bot_sender()
        change = {
            "chat": copy.deepcopy(self._chat(chat_id)),
            "from": actor,
            "date": self._date(),
            "old_chat_member": chat_member_dict(bot, old_status),
            "new_chat_member": chat_member_dict(bot, new_status),
        }
        return self._queue_update({"my_chat_member": change})

    # ---- inspecting traffic ---------------------------------------------------------------------

    def _current(
        self, keys: list[tuple[int, int]], chat_id: int | None, deleted: bool
    ) -> list[JSONDict]:
        with self._lock:
            return [
                copy.deepcopy(self._messages[key])
                for key in keys
                if (chat_id is None or key[0] == chat_id) and (deleted or key not in self._deleted)
            ]

    def sent_messages(
        self, chat_id: int | None = None, *, include_deleted: bool = True
    ) -> list[JSONDict]:
        """Text messages the bot sent, oldest first, each in its current (edited) version.

        Deleted ones are included by default so that indexes stay stable for ``after=``.
        """
        return self._current(self._sent_message_keys, chat_id, include_deleted)

    def sent_polls(
        self, chat_id: int | None = None, *, include_deleted: bool = True
    ) -> list[JSONDict]:
        """Poll messages the bot sent (``message["poll"]`` holds the poll), oldest first."""
        return self._current(self._sent_poll_keys, chat_id, include_deleted)

    def last_message(self, chat_id: int) -> JSONDict | None:
        """The bot's latest text message in a chat (polls excluded), or None."""
        messages = self.sent_messages(chat_id)
        return messages[-1] if messages else None

    def message_count(self, chat_id: int) -> int:
        """Text messages sent to a chat so far; pass it as ``after=`` to wait for new ones."""
        with self._lock:
            return sum(1 for key in self._sent_message_keys if key[0] == chat_id)

    def poll_count(self, chat_id: int) -> int:
        with self._lock:
            return sum(1 for key in self._sent_poll_keys if key[0] == chat_id)

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        with self._lock:
            return (chat_id, message_id) in self._deleted

    def poll_ids(self) -> list[str]:
        """Ids of every poll the bot sent, oldest first."""
        with self._lock:
            return list(self._polls)

    def votes(self, poll_id: str) -> dict[int, list[int]]:
        """Who voted what on a poll the bot sent: user id -> option ids."""
        with self._lock:
            return copy.deepcopy(self._polls[str(poll_id)].votes)

    def get_poll(self, poll_id: str) -> JSONDict:
        """Current state of a poll the bot sent (vote counts, is_closed)."""
        with self._lock:
            return copy.deepcopy(self._polls[str(poll_id)].poll)

    def requests_for(self, method: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method.lower() == method.lower()]

    @property
    def commands(self) -> list[JSONDict]:
        """Commands set for the default scope and no language."""
        return self.commands_for()

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        with self._lock:
            key = self._commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._commands.get(key, []))

    def peak_rate(self, window: float = 1.0, chat_id: int | None = None) -> int:
        """Most accepted sends within any ``window`` server seconds (optionally one chat)."""
        with self._lock:
            times = [e.server_time for e in self.send_log if chat_id in (None, e.chat_id)]
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    # ---- waiting --------------------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 10, description: str = ""
    ) -> T:
        """Poll ``predicate`` until it returns something other than None/False.

        Raises AssertionError with the recent traffic on timeout. Blocks the calling thread,
        so from async tests prefer ``async_wait_for``.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result is not None and result is not False:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(self._timeout_report(description or repr(predicate)))
            with self._cond:
                self._cond.wait(min(0.05, remaining))

    async def async_wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10,  # noqa: ASYNC109 - mirrors wait_for; a deadline, not a cancel
        description: str = "",
    ) -> T:
        """``wait_for`` for async tests: checks every 20 ms without blocking the loop."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result is not None and result is not False:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(description or repr(predicate)))
            await asyncio.sleep(0.02)

    def find_message(
        self, chat_id: int, contains: str | None = None, after: int = 0
    ) -> JSONDict | None:
        """First text message to ``chat_id`` with index >= ``after`` containing ``contains``."""
        for message in self.sent_messages(chat_id)[after:]:
            if contains is None or contains in message.get("text", ""):
                return message
        return None

    def find_poll(self, chat_id: int, after: int = 0) -> JSONDict | None:
        polls = self.sent_polls(chat_id)[after:]
        return polls[0] if polls else None

    def wait_for_message(
        self, chat_id: int, contains: str | None = None, after: int = 0, timeout: float = 10
    ) -> JSONDict:
        return self.wait_for(
            lambda: self.find_message(chat_id, contains, after),
            timeout,
            f"a message to chat {chat_id} containing {contains!r} (index >= {after})",
        )

    async def async_wait_for_message(
        self,
        chat_id: int,
        contains: str | None = None,
        after: int = 0,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> JSONDict:
        return await self.async_wait_for(
            lambda: self.find_message(chat_id, contains, after),
            timeout,
            f"a message to chat {chat_id} containing {contains!r} (index >= {after})",
        )

    def wait_for_poll(self, chat_id: int, after: int = 0, timeout: float = 10) -> JSONDict:
        return self.wait_for(
            lambda: self.find_poll(chat_id, after),
            timeout,
            f"a poll in chat {chat_id} (index >= {after})",
        )

    async def async_wait_for_poll(
        self,
        chat_id: int,
        after: int = 0,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> JSONDict:
        return await self.async_wait_for(
            lambda: self.find_poll(chat_id, after),
            timeout,
            f"a poll in chat {chat_id} (index >= {after})",
        )

    def _timeout_report(self, description: str) -> str:
        with self._lock:
            interesting = [
                r
                for r in self.requests
                if not (r.method.lower() == "getupdates" and r.response.get("result") == [])
            ][-10:]
            lines = [f"timed out waiting for {description}", "last requests:"]
            lines += [f"  {_describe_request(r)}" for r in interesting] or ["  (none)"]
            if self.internal_errors:
                lines.append(f"fake server internal errors: {self.internal_errors}")
            if self.dropped_updates:
                lines.append(f"dropped updates: {len(self.dropped_updates)}")
        return "\n".join(lines)


def _describe_request(request: RecordedRequest) -> str:
    params = json.dumps(request.params, ensure_ascii=False, default=str)
    if len(params) > 300:
        params = params[:297] + "..."
    response = request.response
    outcome = "ok" if response.get("ok") else f"{response['error_code']} {response['description']}"
    return f"{request.method} {params} -> {outcome}"


def _command_entities(text: str) -> list[JSONDict]:
    """Telegram marks a leading /command (including any @botname) as a bot_command."""
    match = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match[0])}]


# -------------------------------------------------------------------------------------------------
# HTTP plumbing
# -------------------------------------------------------------------------------------------------

_handler_context = threading.local()  # the client socket of the request being served


def _current_client_gone() -> bool:
    """Whether the client of the request served by this thread has closed its connection."""
    connection = getattr(_handler_context, "connection", None)
    if connection is None:
        return False
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


_PATH_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 drops bursts of new connections

    def __init__(self, address: tuple[str, int], fake: FakeTelegramServer) -> None:
        self.fake = fake
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects are normal (killed bot, shutdown); anything else is recorded."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        with self.fake._cond:
            self.fake.internal_errors.append(f"HTTP handler: {error!r}")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms stalls
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        _handler_context.connection = self.connection
        with self.server.fake._cond:
            self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._cond:
            self.server.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _PATH_RE.match(url.path)
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            params = decode_params(self.headers.get("Content-Type", ""), body, url.query)
        except (ValueError, UnicodeDecodeError) as error:
            status, response = 400, bad_request(f"can't parse request: {error}").to_response()
        else:
            fake = self.server.fake
            outcome = fake.call_api(match["token"], match["method"], params)
            if outcome.timeout is not None:
                if outcome.timeout == "hold":
                    fake._hold_silently()
                self.close_connection = True  # the answer is lost: the client sees none
                return
            status, response = outcome.status, outcome.body
        self._reply(status, response)

    def _reply(self, status: int, payload: JSONDict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client went away (e.g. the bot was killed)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; ``FakeTelegramServer.requests`` has everything."""

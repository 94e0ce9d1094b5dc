"""The Mini App's `initData`, checked as Telegram specifies (core.telegram.org/bots/webapps,
"Validating data received via the Mini App").

- data-check-string: every field but `hash`, as `key=value`, sorted by key, joined by "\\n";
- secret key: HMAC-SHA256 of the bot token, keyed with the string "WebAppData";
- `hash` must equal the hex HMAC-SHA256 of the data-check-string under that secret key;
- `auth_date` must be recent (here: at most an hour old, and not from the future).

Nothing else the page sends is trusted: the user id comes from the signed `user` field.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=1)
# A phone whose clock runs a little fast must not be locked out.
CLOCK_SKEW = timedelta(minutes=1)
# Telegram's initData is a few hundred bytes; anything far larger is not from Telegram.
MAX_LENGTH = 8192


class InitDataError(Exception):
    """initData is missing, malformed, forged, signed for another bot, or too old.

    The message says which, for tests and debugging; the HTTP answer never carries it.
    """


@dataclass(frozen=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    user_id: int
    first_name: str
    language_code: str | None
    start_param: str | None
    auth_date: datetime


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The `hash` Telegram puts in initData for these fields (tests and benchmarks build
    initData with it exactly as Telegram does)."""
    return hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()


def check_init_data(init_data: str | None, bot_token: str, now: datetime) -> WebAppUser:
    """The signed user behind `init_data`, or InitDataError."""
    if not init_data:
        raise InitDataError("missing")
    if len(init_data) > MAX_LENGTH:
        raise InitDataError("too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    received = fields.get("hash", "")
    if not hmac.compare_digest(received.encode(), sign(fields, bot_token).encode()):
        raise InitDataError("bad signature")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), now.tzinfo)
    except (KeyError, ValueError, OverflowError, OSError):
        raise InitDataError("no auth_date") from None
    if auth_date > now + CLOCK_SKEW:
        raise InitDataError("auth_date in the future")
    if now - auth_date > MAX_AGE:
        raise InitDataError("expired")
    try:
        user = json.loads(fields["user"])
        user_id = user["id"]
        first_name = user.get("first_name") or ""
        language = user.get("language_code")
    except (KeyError, ValueError, TypeError, AttributeError):
        raise InitDataError("no user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("no user")
    return WebAppUser(
        user_id=user_id,
        first_name=str(first_name),
        language_code=language if isinstance(language, str) else None,
        start_param=fields.get("start_param") or None,
        auth_date=auth_date,
    )


def build_init_data(
    bot_token: str,
    user: dict[str, object],
    auth_date: datetime,
    *,
    start_param: str | None = None,
    query_id: str = "AAHdF6IQAAAAAN0XohDhrOrc",
) -> str:
    """initData as Telegram builds it: for tests, the benchmark and local trials."""
    from urllib.parse import urlencode

    fields = {
        "query_id": query_id,
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(auth_date.timestamp())),
    }
    if start_param is not None:
        fields["start_param"] = start_param
        fields["chat_type"] = "supergroup"
        fields["chat_instance"] = "-7188919233405638000"
    fields["hash"] = sign(fields, bot_token)
    return urlencode(fields)

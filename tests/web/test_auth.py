"""initData as Telegram specifies it: built here the way Telegram builds it, then forged,
expired, signed for another bot, missing or malformed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.web.auth import InitDataError, build_init_data, check_init_data

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
USER = {"id": 42, "first_name": "Ada", "language_code": "en", "allows_write_to_pm": True}


def fields_of(init_data: str) -> dict[str, str]:
    return dict(parse_qsl(init_data, keep_blank_values=True))


def test_telegram_s_algorithm_written_out_longhand_agrees() -> None:
    """The check agrees with the specification applied step by step, not only with itself."""
    init_data = build_init_data(TOKEN, USER, NOW - timedelta(minutes=5), start_param="g-100")
    fields = fields_of(init_data)
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    assert fields["hash"] == hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    user = check_init_data(init_data, TOKEN, NOW)
    assert (user.user_id, user.first_name, user.language_code) == (42, "Ada", "en")
    assert user.start_param == "g-100"


@pytest.mark.parametrize("init_data", [None, "", "hash=", "user=%7B%7D"])
def test_missing_initdata_is_refused(init_data: str | None) -> None:
    with pytest.raises(InitDataError):
        check_init_data(init_data, TOKEN, NOW)


def test_another_user_id_with_the_old_hash_is_refused() -> None:
    fields = fields_of(build_init_data(TOKEN, USER, NOW))
    fields["user"] = fields["user"].replace('"id":42', '"id":43')
    with pytest.raises(InitDataError, match="signature"):
        check_init_data(urlencode(fields), TOKEN, NOW)


def test_a_field_added_after_signing_is_refused() -> None:
    fields = fields_of(build_init_data(TOKEN, USER, NOW))
    fields["start_param"] = "g-1001"
    with pytest.raises(InitDataError, match="signature"):
        check_init_data(urlencode(fields), TOKEN, NOW)


def test_a_repeated_field_is_refused() -> None:
    init_data = build_init_data(TOKEN, USER, NOW)
    with pytest.raises(InitDataError):
        check_init_data(init_data + "&user=%7B%22id%22%3A1%7D", TOKEN, NOW)


def test_initdata_signed_for_another_bot_is_refused() -> None:
    """Replayed from another bot's Mini App: a valid signature, with the other bot's token."""
    init_data = build_init_data("654321:OTHER-BOT", USER, NOW)
    check_init_data(init_data, "654321:OTHER-BOT", NOW)  # valid where it came from
    with pytest.raises(InitDataError, match="signature"):
        check_init_data(init_data, TOKEN, NOW)


def test_initdata_is_good_for_an_hour_and_refused_after() -> None:
    """The page reuses its initData for every call; replayed later than an hour, it is refused."""
    init_data = build_init_data(TOKEN, USER, NOW)
    assert check_init_data(init_data, TOKEN, NOW + timedelta(minutes=59)).user_id == 42
    with pytest.raises(InitDataError, match="expired"):
        check_init_data(init_data, TOKEN, NOW + timedelta(hours=1, seconds=1))


def test_auth_date_from_the_future_is_refused() -> None:
    with pytest.raises(InitDataError, match="future"):
        check_init_data(build_init_data(TOKEN, USER, NOW + timedelta(hours=2)), TOKEN, NOW)


def test_signed_but_without_a_usable_user_is_refused() -> None:
    for user in ({"first_name": "No id"}, {"id": "42"}, {"id": -5}, {"id": True}):
        with pytest.raises(InitDataError, match="user"):
            check_init_data(build_init_data(TOKEN, user, NOW), TOKEN, NOW)


def test_huge_or_garbled_input_is_refused_not_crashed() -> None:
    for junk in ("x" * 10_000, "%%%", "a=1&&&b", "\x00=\x00", "auth_date=abc&hash=00"):
        with pytest.raises(InitDataError):
            check_init_data(junk, TOKEN, NOW)

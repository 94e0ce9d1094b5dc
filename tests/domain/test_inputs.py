"""Hostile input at the domain's edge: ASCII numbers only, garbage zones refused, short echoes."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.daily import InvalidDailyTimeError, parse_daily_time, parse_session_size
from bot.domain.inputs import ECHO_LIMIT, ascii_decimal, ascii_int, echo
from bot.domain.timezones import UnknownTimezoneError, parse_timezone

OTHER_DIGITS = ["²", "٣", "۵", "५", "１２", "𝟗", "①"]  # superscript, Arabic-Indic, Devanagari, …


@pytest.mark.parametrize("text", [*OTHER_DIGITS, "", "-1", "+3", " 3", "3 ", "1_000", "0x10"])
def test_ascii_int_refuses_everything_but_ascii_digits(text: str) -> None:
    assert ascii_int(text) is None


def test_ascii_int_reads_ascii_digits() -> None:
    assert ascii_int("007") == 7
    assert ascii_int("1" * 10) is None  # more than 9 digits: not a count anyone means


@pytest.mark.parametrize("text", ["nan", "inf", "1e-1", "-0.9", "0,9", "٠.٩", "0.9_0", "0.", ""])
def test_ascii_decimal_refuses_what_float_would_accept(text: str) -> None:
    assert ascii_decimal(text) is None


@pytest.mark.parametrize(("text", "value"), [("0.9", 0.9), (".85", 0.85), ("1", 1.0)])
def test_ascii_decimal_reads_plain_decimals(text: str, value: float) -> None:
    assert ascii_decimal(text) == value


@given(st.text(max_size=5000))
def test_echo_is_short_whatever_the_input(text: str) -> None:
    shown = echo(text)
    assert len(ast.literal_eval(shown)) <= ECHO_LIMIT
    assert shown.startswith(("'", '"'))


@pytest.mark.parametrize("text", [*(f"0{d}:30" for d in OTHER_DIGITS), "٠٩:٣٠", "9:3²"])
def test_daily_time_needs_ascii_digits(text: str) -> None:
    with pytest.raises(InvalidDailyTimeError):
        parse_daily_time(text)


@pytest.mark.parametrize("text", [*OTHER_DIGITS, "٥", "5²"])
def test_session_size_needs_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match="whole number"):
        parse_session_size(text)


@pytest.mark.parametrize(
    "name",
    [
        "a/a/a/" * 700,
        "Europe/Berlin\x00",
        "Europe/../Europe/Berlin",
        "..",
        "Europe/Berlin/..",
        "America//New_York",
        "America/Argentina",
        "Etc",
        "ETC",
        "/etc/localtime",
        "zone.tab",
        "Europe/Berlin\u200f",
        "UTC+²",
        "UTC+٢",
        "UTC+\u0662:\u0663\u0660",
        "A" * 70,
        "<b>&amp;</b>/x",
    ],
)
def test_garbage_zone_names_are_refused_with_a_short_message(name: str) -> None:
    with pytest.raises(UnknownTimezoneError) as raised:
        parse_timezone(name)
    assert len(str(raised.value)) < 200


@given(st.text(max_size=300))
def test_any_zone_text_either_parses_or_is_refused(text: str) -> None:
    try:
        parse_timezone(text)
    except UnknownTimezoneError as error:
        assert len(str(error)) < 200


def test_echo_counts_escapes_towards_its_limit() -> None:
    unprintable = "\x1f\U00012544" * 40
    assert len(echo(unprintable)) <= ECHO_LIMIT + 2
    assert echo("Europe/Berlin") == "'Europe/Berlin'"

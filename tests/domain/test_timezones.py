"""Learner time zones: IANA names or fixed UTC offsets; anything else is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.timezones import (
    MAX_SUGGESTIONS,
    UnknownTimezoneError,
    canonical_name,
    local_date,
    parse_timezone,
    suggest_zones,
)

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "winter", "summer"),
    [
        ("Europe/Berlin", timedelta(hours=1), timedelta(hours=2)),
        ("America/New_York", timedelta(hours=-5), timedelta(hours=-4)),
        ("Asia/Kolkata", timedelta(hours=5, minutes=30), timedelta(hours=5, minutes=30)),
        ("Australia/Sydney", timedelta(hours=11), timedelta(hours=10)),
    ],
)
def test_iana_names_follow_daylight_saving(name: str, winter: timedelta, summer: timedelta) -> None:
    zone = parse_timezone(name)
    assert isinstance(zone, ZoneInfo)
    assert WINTER.astimezone(zone).utcoffset() == winter
    assert SUMMER.astimezone(zone).utcoffset() == summer


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC+2", timedelta(hours=2)),
        ("UTC-05:30", -timedelta(hours=5, minutes=30)),
        ("utc-5:30", -timedelta(hours=5, minutes=30)),
        ("GMT+10", timedelta(hours=10)),
        ("UTC +0530", timedelta(hours=5, minutes=30)),
        ("  UTC+14  ", timedelta(hours=14)),
        ("UTC-12", timedelta(hours=-12)),
    ],
)
def test_fixed_offsets(name: str, offset: timedelta) -> None:
    zone = parse_timezone(name)
    assert WINTER.astimezone(zone).utcoffset() == offset
    assert SUMMER.astimezone(zone).utcoffset() == offset


@pytest.mark.parametrize("name", [None, "UTC", "utc", " GMT ", "Z"])
def test_utc_spellings_and_never_set_mean_utc(name: str | None) -> None:
    assert parse_timezone(name) is UTC


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Base",
        "25:99",
        "UTC+25:99",
        "UTC+15",
        "UTC+2:75",
        "Berlin",
        "berlin",
        "europe/berlin",
        "Europe/",
        "America/Argentina",
        "../../etc/passwd",
        "",
        "   ",
        "UTC+",
        "+2",
        "not a zone",
    ],
)
def test_garbage_raises_unknown_timezone_error(name: str) -> None:
    with pytest.raises(UnknownTimezoneError):
        parse_timezone(name)


def test_unknown_timezone_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Mars/Base"):
        parse_timezone("Mars/Base")


@pytest.mark.parametrize("name", ["UTC-13", "UTC-14", "UTC+14:30"])
def test_offsets_outside_utc_minus_12_to_plus_14_are_refused(name: str) -> None:
    with pytest.raises(UnknownTimezoneError):
        parse_timezone(name)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("UTC+2", "UTC+02:00"),
        ("utc+02:00", "UTC+02:00"),
        ("GMT-5:30", "UTC-05:30"),
        ("UTC+0530", "UTC+05:30"),
        ("Europe/Berlin", "Europe/Berlin"),
        (" Europe/Berlin ", "Europe/Berlin"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
    ],
)
def test_canonical_name(name: str, canonical: str) -> None:
    assert canonical_name(name) == canonical


@pytest.mark.parametrize("name", ["UTC+2", "UTC-05:30", "Asia/Kolkata", "UTC"])
def test_canonical_name_parses_back_to_the_same_offset(name: str) -> None:
    again = parse_timezone(canonical_name(name))
    assert (
        SUMMER.astimezone(again).utcoffset() == SUMMER.astimezone(parse_timezone(name)).utcoffset()
    )


def test_canonical_name_of_garbage_raises() -> None:
    with pytest.raises(UnknownTimezoneError):
        canonical_name("25:99")


def test_local_date_crosses_midnight_by_zone() -> None:
    late_utc = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    assert local_date(late_utc, UTC) == date(2026, 11, 2)
    assert local_date(late_utc, parse_timezone("Europe/Berlin")) == date(2026, 11, 3)
    assert local_date(late_utc, parse_timezone("UTC-05:30")) == date(2026, 11, 2)
    early_utc = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    assert local_date(early_utc, parse_timezone("America/New_York")) == date(2026, 11, 2)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new-york", "America/New_York"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Berln", "Europe/Berlin"),  # a typo
    ],
)
def test_a_place_suggests_the_zone_named_after_it(typed: str, expected: str) -> None:
    suggested = suggest_zones(typed)
    assert suggested[0] == expected
    assert len(suggested) <= MAX_SUGGESTIONS
    canonical_name(suggested[0])  # a zone /timezone accepts


@pytest.mark.parametrize("typed", ["Mars", "12", "", "   ", "x" * 500, "Europe/../etc"])
def test_nothing_is_suggested_for_what_is_no_place(typed: str) -> None:
    assert suggest_zones(typed) == []

"""Learner time zones: IANA names (Europe/Berlin) or fixed offsets (UTC+2, UTC-05:30)."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.inputs import echo

_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE | re.ASCII)
# The shape of an IANA name (Europe/Berlin, America/Argentina/Buenos_Aires, Etc/GMT+2):
# anything else ("a/a/a/…", "..", NUL, a directory such as "America/Argentina") never
# reaches the file lookup inside ZoneInfo.
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$", re.ASCII)
MAX_ZONE_NAME = 64


class UnknownTimezoneError(ValueError):
    pass


class InvalidUtcOffsetError(UnknownTimezoneError):
    """Written as an offset (UTC+15, UTC+2:75), but no real offset."""


def parse_timezone(name: str | None) -> tzinfo:
    """The zone for a stored or typed name; None (never set) means UTC."""
    if name is None or name.strip().upper() in ("UTC", "GMT", "Z"):
        return UTC
    text = name.strip()
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        delta = timedelta(hours=hours, minutes=minutes)
        limit = timedelta(hours=14 if sign == "+" else 12)
        if minutes >= 60 or delta > limit:
            raise InvalidUtcOffsetError(f"{echo(name)} is not a valid UTC offset (UTC-12 … UTC+14)")
        return timezone(-delta if sign == "-" else delta, f"UTC{sign}{hours:02d}:{minutes:02d}")
    if "/" not in text and text.upper() != text:
        raise UnknownTimezoneError(f"{echo(name)} is not a time zone; try Europe/Berlin or UTC+2")
    if len(text) > MAX_ZONE_NAME or not _ZONE_NAME.match(text):
        raise UnknownTimezoneError(f"{echo(name)} is not a time zone; try Europe/Berlin or UTC+2")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise UnknownTimezoneError(
            f"{echo(name)} is not a time zone; try Europe/Berlin or UTC+2"
        ) from error


def canonical_name(name: str) -> str:
    """The name to store: IANA names as given, offsets normalised (UTC+02:00)."""
    zone = parse_timezone(name)
    if isinstance(zone, ZoneInfo):
        return zone.key
    return zone.tzname(None) or "UTC"


# The regions of current IANA names; the others (US/Eastern, Etc/GMT+2, Cuba) are kept by the
# database for old configurations and only suggested when nothing current matches.
_REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)
MAX_SUGGESTIONS = 3


def _key(text: str) -> str:
    """How a typed place compares with a zone name: case, spaces and dashes ignored."""
    return re.sub(r"[\s_-]+", "_", text.strip()).strip("_").casefold()


@cache
def _zones_by_key() -> dict[str, tuple[str, ...]]:
    """Each zone under its whole name and under its last part (Berlin → Europe/Berlin),
    current names first."""
    keyed: dict[str, list[str]] = {}
    names = sorted(
        available_timezones(), key=lambda name: (name.split("/")[0] not in _REGIONS, name)
    )
    for name in names:
        for key in {_key(name), _key(name.rsplit("/", 1)[-1])}:
            keyed.setdefault(key, []).append(name)
    return {key: tuple(zones) for key, zones in keyed.items()}


def suggest_zones(typed: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Time zone names close to what a learner typed: `Berlin` → Europe/Berlin, `new york` →
    America/New_York, `europe/berlin` → Europe/Berlin, `Berln` → Europe/Berlin. Empty when
    nothing is close (or the text cannot be a place: too long, digits only)."""
    key = _key(typed)
    if not key or len(key) > MAX_ZONE_NAME or not any(char.isalpha() for char in key):
        return []
    zones = _zones_by_key()
    if key in zones:
        return list(zones[key][:limit])
    found: list[str] = []
    for close in difflib.get_close_matches(key, zones, n=limit, cutoff=0.8):
        found.extend(name for name in zones[close] if name not in found)
    return found[:limit]


def local_date(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


__all__ = [
    "UTC",
    "UnknownTimezoneError",
    "canonical_name",
    "local_date",
    "parse_timezone",
    "suggest_zones",
]

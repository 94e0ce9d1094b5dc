"""Learner time zones: IANA names (Europe/Berlin) or fixed offsets (UTC+2, UTC-05:30)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class UnknownTimezoneError(ValueError):
    pass


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
            raise UnknownTimezoneError(f"{name!r} is not a valid UTC offset (UTC-12 … UTC+14)")
        return timezone(-delta if sign == "-" else delta, f"UTC{sign}{hours:02d}:{minutes:02d}")
    if "/" not in text and text.upper() != text:
        raise UnknownTimezoneError(f"{name!r} is not a time zone; try Europe/Berlin or UTC+2")
    try:
        return ZoneInfo(text)
    # OSError: with the tzdata package installed, a region folder such as
    # "America/Argentina" is found and fails to open as a file (IsADirectoryError).
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise UnknownTimezoneError(
            f"{name!r} is not a time zone; try Europe/Berlin or UTC+2"
        ) from error


def canonical_name(name: str) -> str:
    """The name to store: IANA names as given, offsets normalised (UTC+02:00)."""
    zone = parse_timezone(name)
    if isinstance(zone, ZoneInfo):
        return zone.key
    return zone.tzname(None) or "UTC"


def local_date(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


__all__ = ["UTC", "UnknownTimezoneError", "canonical_name", "local_date", "parse_timezone"]

"""Daily revision timing: when a learner's prompt is due, in their own time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.domain.inputs import ascii_int, echo

DEFAULT_DAILY_TIME = "09:00"
MIN_SESSION_SIZE = 1
MAX_SESSION_SIZE = 20
# A prompt missed while the bot was down still goes out if it comes back this soon.
CATCH_UP_WINDOW = timedelta(hours=3)

_HH_MM = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


class InvalidDailyTimeError(ValueError):
    pass


def parse_daily_time(text: str) -> str:
    """'9:05' → '09:05'; anything that is not a real clock time raises."""
    match = _HH_MM.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidDailyTimeError(f"{echo(text)} is not a time; use HH:MM, e.g. 07:30 or 18:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_session_size(text: str) -> int:
    size = ascii_int(text)
    if size is None or not MIN_SESSION_SIZE <= size <= MAX_SESSION_SIZE:
        raise ValueError(
            f"session size must be a whole number from {MIN_SESSION_SIZE} to {MAX_SESSION_SIZE}"
        )
    return size


def clock_time(daily_time: str, zone: tzinfo) -> time:
    hours, minutes = (int(part) for part in daily_time.split(":"))
    return time(hours, minutes, tzinfo=zone)


def scheduled_on(day: date, daily_time: str, zone: tzinfo) -> datetime:
    """The moment of the prompt on a local day (a time skipped by DST moves forward)."""
    naive = datetime.combine(day, clock_time(daily_time, zone).replace(tzinfo=None))
    local = naive.replace(tzinfo=zone)
    # Round-trip through UTC normalises a wall time that does not exist (spring forward).
    return local.astimezone(UTC).astimezone(zone)


def next_prompt_at(daily_time: str, zone: tzinfo, now: datetime) -> datetime:
    today = now.astimezone(zone).date()
    for offset in range(3):
        moment = scheduled_on(today + timedelta(days=offset), daily_time, zone)
        if moment > now:
            return moment
    raise AssertionError("unreachable: a daily time recurs within two days")


def missed_prompt_today(
    daily_time: str, zone: tzinfo, now: datetime, last_prompt_date: str | None
) -> bool:
    """True when today's prompt time has passed within the catch-up window and none went out."""
    today = now.astimezone(zone).date()
    if last_prompt_date is not None and last_prompt_date >= today.isoformat():
        return False
    moment = scheduled_on(today, daily_time, zone)
    return moment <= now < moment + CATCH_UP_WINDOW

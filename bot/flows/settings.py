"""A learner's settings: /daily, /timezone, /retention and /language, and a group's /language.

Each flow takes what the learner typed (plain strings) and returns a typed result: the
setting as it now stands, or why what was typed was refused. The handlers in
bot/handlers/reminders.py and bot/handlers/language.py only turn an update into a call and a
result into a reply. Languages are read once per process (`Services.languages`,
`Services.group_languages`), so the language of every update costs no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import i18n
from bot.domain.daily import (
    DEFAULT_DAILY_TIME,
    InvalidDailyTimeError,
    next_prompt_at,
    parse_daily_time,
    parse_session_size,
)
from bot.domain.inputs import ascii_decimal
from bot.domain.memory import MAX_RETENTION, MIN_RETENTION, validate_retention
from bot.domain.timezones import (
    InvalidUtcOffsetError,
    UnknownTimezoneError,
    canonical_name,
    parse_timezone,
    suggest_zones,
)
from bot.flows import daily as daily_flow
from bot.flows.services import Services
from bot.storage import Storage
from bot.storage.languages import LanguagePrefs
from bot.storage.records import User

# /language auto: follow Telegram's language again.
AUTO = "auto"

# --- Daily revision (/daily) ---


@dataclass(frozen=True)
class DailyOff:
    """Daily revision is off."""


@dataclass(frozen=True)
class DailyOn:
    daily_time: str  # HH:MM, the learner's local time
    zone: str  # the learner's zone name ("UTC" when never set)
    next_prompt: datetime  # in the learner's zone
    size: int  # questions per session
    timezone_never_set: bool


DailySetting = DailyOff | DailyOn


@dataclass(frozen=True)
class DailyUsage:
    """The arguments make no /daily command: show how it is used."""


@dataclass(frozen=True)
class BadDailyTime:
    typed: str


@dataclass(frozen=True)
class BadSessionSize:
    typed: str


DailyResult = DailySetting | DailyUsage | BadDailyTime | BadSessionSize


def daily_setting(user: User, now: datetime) -> DailySetting:
    """What the learner's daily revision is set to, and when it next comes."""
    if user.daily_time is None:
        return DailyOff()
    zone = parse_timezone(user.timezone)
    return DailyOn(
        daily_time=user.daily_time,
        zone=user.timezone or "UTC",
        next_prompt=next_prompt_at(user.daily_time, zone, now).astimezone(zone),
        size=user.daily_size,
        timezone_never_set=user.timezone is None,
    )


async def change_daily(
    storage: Storage, user: User, args: Sequence[str], now: datetime
) -> DailyResult:
    """/daily [HH:MM | off | size N]: change the setting (none: show it) and reschedule."""
    try:
        if not args:
            return daily_setting(user, now)
        if len(args) == 1 and args[0].lower() == "off":
            await storage.users.set_daily_time(user.user_id, None)
        elif len(args) == 2 and args[0].lower() == "size":
            await storage.users.set_daily_size(user.user_id, parse_session_size(args[1]))
        elif len(args) == 1:
            await storage.users.set_daily_time(user.user_id, parse_daily_time(args[0]))
        else:
            return DailyUsage()
    except InvalidDailyTimeError:
        return BadDailyTime(args[0])
    except ValueError:
        return BadSessionSize(args[-1])
    user = await _rescheduled(storage, user, now)
    return daily_setting(user, now)


async def enable_default_daily(storage: Storage, user: User, now: datetime) -> User:
    """New learners get daily revision at 09:00 (UTC until they set a zone)."""
    await storage.users.set_daily_time(user.user_id, DEFAULT_DAILY_TIME)
    return await _rescheduled(storage, user, now)


async def _rescheduled(storage: Storage, user: User, now: datetime) -> User:
    """The learner as stored now, with their next prompt time stored to match."""
    user = await storage.users.get(user.user_id) or user
    await daily_flow.schedule(storage, user, now)
    return user


# --- Time zone (/timezone) ---


@dataclass(frozen=True)
class TimezoneSet:
    zone: str
    daily: DailySetting


@dataclass(frozen=True)
class BadTimezone:
    typed: str
    offset: bool  # it looked like a UTC offset, out of range
    close: tuple[str, ...]  # zone names close to what was typed


async def change_timezone(
    storage: Storage, user: User, typed: str, now: datetime
) -> TimezoneSet | BadTimezone:
    """Store the zone `typed` names ("Europe/Berlin", "UTC+2"); suggest close names if none."""
    try:
        name = canonical_name(typed)
    except UnknownTimezoneError as error:
        offset = isinstance(error, InvalidUtcOffsetError)
        close = () if offset else tuple(suggest_zones(typed))
        return BadTimezone(typed, offset=offset, close=close)
    await storage.users.set_timezone(user.user_id, name)
    user = await _rescheduled(storage, user, now)
    return TimezoneSet(name, daily_setting(user, now))


# --- Desired retention (/retention) ---


@dataclass(frozen=True)
class RetentionSet:
    value: float


@dataclass(frozen=True)
class NotARetention:
    typed: str


@dataclass(frozen=True)
class RetentionOutOfRange:
    typed: str
    low: float = MIN_RETENTION
    high: float = MAX_RETENTION


async def change_retention(
    storage: Storage, user: User, typed: str
) -> RetentionSet | NotARetention | RetentionOutOfRange:
    value = ascii_decimal(typed)
    if value is None:
        return NotARetention(typed)
    try:
        retention = validate_retention(value)
    except ValueError:
        return RetentionOutOfRange(typed)
    await storage.users.set_retention(user.user_id, retention)
    return RetentionSet(retention)


# --- Languages (/language, and the language of every update) ---


@dataclass(frozen=True)
class LanguageChosen:
    language: str  # what replies are now written in
    chosen: bool  # chosen with /language, not followed from Telegram (or the default)


@dataclass(frozen=True)
class UnknownLanguage:
    typed: str


def wanted_language(typed: str) -> str | UnknownLanguage | None:
    """A language code, None for "auto" (follow Telegram / the default), or why not."""
    wanted = typed.strip().lower()
    if wanted == AUTO:
        return None
    if wanted not in i18n.LANGUAGES:
        return UnknownLanguage(typed)
    return wanted


async def stored_prefs(services: Services, user_id: int) -> LanguagePrefs | None:
    """What storage knows (read once per process); None for someone not registered."""
    cached = services.languages.get(user_id)
    if cached is not None:
        return cached
    stored = await services.storage.languages.get(user_id)
    if stored is not None:
        services.languages[user_id] = stored
    return stored


async def learner_language(
    services: Services, user_id: int, telegram_code: str | None = None, *, remember: bool = True
) -> str:
    """The language to answer this learner in: their /language choice, else Telegram's
    `language_code` (this update's, else the last one seen), else the default.

    With `remember`, a registered learner's new Telegram language is stored (only when it
    changed, so most updates write nothing), so their daily prompt speaks it too.
    """
    stored = await stored_prefs(services, user_id)
    telegram = i18n.supported(telegram_code)
    if remember and stored is not None and telegram is not None and telegram != stored.telegram:
        await services.storage.languages.seen_on_telegram(user_id, telegram)
        services.languages[user_id] = LanguagePrefs(stored.chosen, telegram)
    prefs = stored or LanguagePrefs()
    return i18n.pick_language(prefs.chosen, telegram or prefs.telegram)


async def choose_language(
    services: Services, user_id: int, typed: str, now: datetime, telegram_code: str | None
) -> LanguageChosen | UnknownLanguage:
    """/language <code | auto> in a private chat."""
    wanted = wanted_language(typed)
    if isinstance(wanted, UnknownLanguage):
        return wanted
    await services.storage.languages.choose(user_id, wanted, now)
    services.languages.pop(user_id, None)
    language = await learner_language(services, user_id, telegram_code)
    return LanguageChosen(language, chosen=wanted is not None)


async def language_now(services: Services, user_id: int, current: str) -> LanguageChosen:
    """/language with no argument: `current` (this update's language) and where it comes from."""
    prefs = await stored_prefs(services, user_id) or LanguagePrefs()
    return LanguageChosen(current, chosen=prefs.chosen is not None)


async def group_language(services: Services, chat_id: int) -> LanguageChosen:
    """The group's chosen language, else the default (read once per process per group)."""
    cache = services.group_languages
    if chat_id not in cache:
        cache[chat_id] = await services.storage.languages.for_group(chat_id)
    chosen = cache[chat_id]
    return LanguageChosen(i18n.pick_language(chosen, None), chosen=chosen is not None)


async def choose_group_language(services: Services, chat_id: int, wanted: str | None) -> str:
    """Store a group's language (None: back to the default), chosen by one of its admins;
    the language the group is now answered in."""
    await services.storage.languages.choose_for_group(chat_id, wanted)
    services.group_languages[chat_id] = wanted
    return i18n.pick_language(wanted, None)


async def page_language(storage: Storage, user_id: int, telegram_code: str | None) -> str:
    """The Mini App's language for this user: their /language choice, else the language_code
    Telegram signed into initData, else the last one the bot saw, else the default. Read
    each time (a page load is rare), never written: the page is no place to learn it."""
    prefs = await storage.languages.get(user_id) or LanguagePrefs()
    return i18n.pick_language(prefs.chosen, i18n.supported(telegram_code) or prefs.telegram)

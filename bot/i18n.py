"""The learner's language: gettext catalogues compiled by Babel, chosen per update.

Message ids are the English texts in the code; `bot/locale/<lang>/LC_MESSAGES/messages.po`
holds each translation and the compiled `.mo` next to it ships in the package. The language in
force lives in a context variable: set once per update (from the learner's `/language` choice,
else Telegram's `language_code`) and explicitly in jobs that message a learner, so render
functions keep their signatures and simply call `_()`.
"""

from __future__ import annotations

import contextlib
import gettext
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from importlib import resources

DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# Language code -> its name in that language (what /language shows).
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "es": "Español"}

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language`; English falls back to the message ids."""
    catalogue = resources.files("bot.locale") / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if language not in LANGUAGES or not catalogue.is_file():
        return gettext.NullTranslations()
    with catalogue.open("rb") as stream:
        return gettext.GNUTranslations(stream)


def supported(code: str | None) -> str | None:
    """`code` (an IETF tag such as Telegram's "pt-br") reduced to a language we speak."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def pick_language(chosen: str | None, telegram_code: str | None) -> str:
    """The learner's own choice first, then Telegram's interface language, then English."""
    return supported(chosen) or supported(telegram_code) or DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """Use `language` for the rest of this task (an update's handlers run in one task)."""
    _current.set(pick_language(language, None))


@contextlib.contextmanager
def language(code: str) -> Iterator[None]:
    """Render in `code` inside the block (jobs that message several learners in turn)."""
    token = _current.set(pick_language(code, None))
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a constant for extraction; it is translated where it is used."""
    return message

"""The Mini App page's texts in every language the bot speaks.

app.js is written in English and passes its texts to `_()` and `ngettext()`, as the bot's
Python code does; `make translations` extracts them into the same catalogues (bot/locale).
The page asks for /i18n/<language>.json: the translations of its own message ids, and the
order of the language's plural forms by their CLDR names (what the browser's
`Intl.PluralRules` returns), so the page picks the right form without evaluating gettext's
plural formula. Built once per language at start-up; no build step.
"""

from __future__ import annotations

import io
import json
from importlib import resources
from typing import Any

from babel import Locale
from babel.messages.extract import extract

from bot import i18n

PAGE_SCRIPT = "app.js"
# Numbers that between them reach every plural form of the languages the bot speaks
# (Russian: 1, 2, 5; Spanish: 1, 2 and a million).
_SAMPLES = (1, 2, 3, 5, 11, 21, 22, 101, 1_000_000, 0)

MessageId = str | tuple[str, str]


def page_message_ids() -> list[MessageId]:
    """What app.js passes to `_()` and `ngettext()`, in order of appearance."""
    script = (resources.files("bot.web") / "static" / PAGE_SCRIPT).read_bytes()
    found: list[MessageId] = []
    for _line, message, _comments, _context in extract("javascript", io.BytesIO(script)):
        key: MessageId = message if isinstance(message, str) else (message[0], message[1])
        if key not in found:
            found.append(key)
    return found


def plural_categories(language: str) -> list[str]:
    """The CLDR category of each gettext plural form of `language`, in the catalogue's order:
    ["one", "few", "many"] for Russian."""
    translations = i18n.translations(language)
    form_of = getattr(translations, "plural", lambda n: int(n != 1))
    locale = Locale.parse(language)
    categories: dict[int, str] = {}
    for n in _SAMPLES:
        categories.setdefault(form_of(n), locale.plural_form(n))
    return [categories[index] for index in sorted(categories)]


def page_texts(language: str, ids: list[MessageId]) -> dict[str, Any]:
    """The page's texts in `language`: a string per message, a list of forms per counted one."""
    translations = i18n.translations(language)
    categories = plural_categories(language)
    samples = {
        category: next(n for n in _SAMPLES if Locale.parse(language).plural_form(n) == category)
        for category in categories
    }
    messages: dict[str, str | list[str]] = {}
    for key in ids:
        if isinstance(key, str):
            messages[key] = translations.gettext(key)
        else:
            singular, plural = key
            messages[singular] = [
                translations.ngettext(singular, plural, samples[category])
                for category in categories
            ]
    return {"language": language, "plural": categories, "messages": messages}


def all_page_texts() -> dict[str, bytes]:
    """Language code → its /i18n JSON, for every language the bot speaks."""
    ids = page_message_ids()
    return {
        language: json.dumps(
            page_texts(language, ids), ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        for language in i18n.LANGUAGES
    }

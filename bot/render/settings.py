"""/language and /reload."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n import LANGUAGES, _
from bot.render.base import (
    MESSAGE_LIMIT,
)
from bot.render.help import usage

# --- The learner's language (/language) ---


def language_current(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("Language: <b>{name}</b> (your choice).")
    else:
        text = _("Language: <b>{name}</b> (from your Telegram settings).")
    return text.format(name=escape(LANGUAGES[language])) + "\n" + usage("language")


def language_set(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("Language set to <b>{name}</b>.")
    else:
        text = _("Language follows your Telegram settings again: <b>{name}</b>.")
    return text.format(name=escape(LANGUAGES[language]))


def group_language_current(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("This group's language: <b>{name}</b> (chosen by an admin).")
    else:
        text = _("This group's language: <b>{name}</b> (the default).")
    return text.format(name=escape(LANGUAGES[language])) + "\n" + usage("language")


def group_language_set(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("This group's language is now <b>{name}</b>.")
    else:
        text = _("This group's language is back to the default: <b>{name}</b>.")
    return text.format(name=escape(LANGUAGES[language]))


def group_language_refused() -> str:
    return _("Only the group's admins can change its language.")


# --- Reloading the decks (/reload, SIGHUP) ---


def reload_refused() -> str:
    return _("Only the bot's admins can reload the decks.")


def reload_done(decks: int, items: int, added: int, removed: int) -> str:
    return _(
        "✅ Decks reloaded: <b>{decks}</b> decks, <b>{items}</b> items "
        "({added} new, {removed} removed). Open polls and sessions carry on."
    ).format(decks=decks, items=items, added=added, removed=removed)


def reload_failed(problems: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """Every problem that fits in one message; the count of the rest at the end."""
    head = _(
        "⚠️ <b>Reload refused</b>: {count} problem(s) in the decks. "
        "The decks in use have not changed."
    ).format(count=len(problems))
    more = _("… and {count} more")
    lines = [head]
    size = len(head)
    for shown, problem in enumerate(problems):
        line = f"• {escape(problem)}"
        rest = len(problems) - shown - 1
        # Leave room for the "… and N more" line that may follow.
        reserve = len("\n" + more.format(count=len(problems))) if rest else 0
        if size + 1 + len(line) + reserve > limit:
            lines.append(more.format(count=len(problems) - shown))
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)

"""/language and /reload."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n import LANGUAGES, _, ngettext
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
        "✅ Decks reloaded: {decks}, {items} ({added}, {removed}). "
        "Open polls and sessions carry on."
    ).format(
        decks=ngettext("<b>{count}</b> deck", "<b>{count}</b> decks", decks).format(count=decks),
        items=ngettext("<b>{count}</b> item", "<b>{count}</b> items", items).format(count=items),
        added=ngettext("{count} new", "{count} new", added).format(count=added),
        removed=ngettext("{count} removed", "{count} removed", removed).format(count=removed),
    )


def reload_failed(problems: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """Every problem that fits in one message; the count of the rest at the end."""
    head = ngettext(
        "⚠️ <b>Reload refused</b>: {count} problem in the decks. The decks in use have not changed.",
        "⚠️ <b>Reload refused</b>: {count} problems in the decks. "
        "The decks in use have not changed.",
        len(problems),
    ).format(count=len(problems))

    def more(count: int) -> str:
        return ngettext("… and {count} more", "… and {count} more", count).format(count=count)

    lines = [head]
    size = len(head)
    for shown, problem in enumerate(problems):
        line = f"• {escape(problem)}"
        rest = len(problems) - shown - 1
        # Leave room for the "… and N more" line that may follow.
        reserve = len("\n" + more(len(problems))) if rest else 0
        if size + 1 + len(line) + reserve > limit:
            lines.append(more(len(problems) - shown))
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)

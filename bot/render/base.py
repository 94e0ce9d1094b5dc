"""Shared pieces of every text: Telegram's limits, shortening, escaping helpers, generic replies."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n import N_, _

MESSAGE_LIMIT = 4096
# What a reply quotes back of the user's own text (a deck name, an item id) at most.
ECHO_LIMIT = 64
# A learner's first name (Telegram allows 64 characters) as shown in lists and greetings.
NAME_LIMIT = 64
# A problem description quoted in a "bad value" reply.
PROBLEM_LIMIT = 300


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` cut to `limit` characters with "…"; call it BEFORE escaping, so an entity such
    as &amp; is never cut in half."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(first_name: str) -> str:
    return escape(shorten(first_name, NAME_LIMIT))


_DIFFICULTIES = {"easy": N_("easy"), "medium": N_("medium"), "hard": N_("hard")}
_GRADES = {"again": N_("Again"), "hard": N_("Hard"), "good": N_("Good"), "easy": N_("Easy")}


def grade_label(grade: str) -> str:
    """An FSRS grade as a button label or in a sentence."""
    return _(_GRADES[grade])


_KINDS = {"questions": N_("questions"), "flashcards": N_("flashcards"), "prompts": N_("prompts")}


def split_messages(blocks: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few messages as fit; never split inside a block.

    Blocks are built by this module and each is far below the limit (content
    validation caps every field), so a tag is never cut in half.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def private_only(command: str) -> str:
    return _(
        "/{command} works in a private chat with me — open my profile and send it there."
    ).format(command=escape(command))


def group_only(command: str) -> str:
    return _("/{command} works in a group: add me to a group chat and send it there.").format(
        command=escape(command)
    )


def bad_value(problem: str, usage_line: str) -> str:
    return f"⚠️ {escape(shorten(problem, PROBLEM_LIMIT))}\n{usage_line}"


def something_went_wrong() -> str:
    return _("Sorry, something went wrong on my side. Please try again.")


def button_expired() -> str:
    """The quiet answer to a button that is stale, already used, or not one the bot made."""
    return _("This button has expired.")


# --- Progress pictures, the group report, the export ---

CAPTION_LIMIT = 1024


def _share_text(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)}%"


def _flat(text: str) -> str:
    """Every run of whitespace (newlines too) as one space: a list line stays one line."""
    return " ".join(text.split())

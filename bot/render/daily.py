"""Daily revision: intro, summary, due extras, and its settings (/daily, /timezone, /retention)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.content.models import Deck
from bot.domain.daily import MAX_SESSION_SIZE, MIN_SESSION_SIZE
from bot.domain.inputs import echo
from bot.i18n import _, ngettext
from bot.render.base import (
    _percent,
    shorten,
)
from bot.render.help import usage


def daily_summary(right: int, total: int, streak: int, left: int = 0) -> str:
    """The end of a daily session: the score, what is still due, the streak."""
    if left:
        still = ngettext(
            "{count} more question is due before your next revision.",
            "{count} more questions are due before your next revision.",
            left,
        ).format(count=left)
    else:
        still = _("Nothing else is due before your next revision.")
    return "\n".join(
        [
            _("🏁 <b>Revision done</b>: {right}/{total} right ({percent}).").format(
                right=right, total=total, percent=_percent(right, total)
            ),
            still,
            ngettext(
                "🔥 Streak: {count} day. See you tomorrow!",
                "🔥 Streak: {count} days. See you tomorrow!",
                streak,
            ).format(count=streak),
        ]
    )


def more_button(count: int) -> str:
    """Under a daily or review summary: continue the session with `count` more items due."""
    return ngettext("{count} more", "{count} more", count).format(count=count)


def not_a_time(typed: str) -> str:
    """Plain text: bad_value() escapes it."""
    return _("{typed} is not a time; use HH:MM, e.g. 07:30 or 18:00").format(typed=echo(typed))


def bad_session_size() -> str:
    return _("session size must be a whole number from {low} to {high}").format(
        low=MIN_SESSION_SIZE, high=MAX_SESSION_SIZE
    )


def not_a_timezone(typed: str, *, offset: bool) -> str:
    if offset:
        return _("{typed} is not a valid UTC offset (UTC-12 … UTC+14)").format(typed=echo(typed))
    return _("{typed} is not a time zone; try Europe/Berlin or UTC+2").format(typed=echo(typed))


def daily_intro(decks: Sequence[Deck], due: int, missed: int, size: int) -> str:
    """The daily prompt: which decks today's questions come from, and how many."""
    titles = " · ".join(escape(deck.title) for deck in decks)
    return (
        _("⏰ <b>Daily revision</b> — {title}").format(title=titles)
        + "\n"
        + _("{due}, {missed}. {coming}").format(
            due=ngettext("{count} question due", "{count} questions due", due).format(count=due),
            missed=ngettext("{count} missed recently", "{count} missed recently", missed).format(
                count=missed
            ),
            coming=ngettext(
                "Here comes {count}; each answer brings the next.",
                "Here come {count}; each answer brings the next.",
                size,
            ).format(count=size),
        )
    )


def due_extras_button(cards: int, prompts: int) -> str:
    """One button under the summary for the flashcards and prompts due, short enough for a
    phone: the kinds as the icons their messages carry (🃏 flashcards, 💬 explain prompts)."""
    parts = []
    if cards:
        parts.append(f"🃏 {cards}")
    if prompts:
        parts.append(f"💬 {prompts}")
    return _("Review: {what}").format(what=" · ".join(parts))


def review_done(count: int, left: int = 0) -> str:
    """The end of a review of flashcards and prompts: how many, and how many are still due."""
    if left:
        still = ngettext(
            "{count} more flashcard or prompt is due before your next revision.",
            "{count} more flashcards and prompts are due before your next revision.",
            left,
        ).format(count=left)
    else:
        still = _("Nothing else is due before your next revision.")
    done = ngettext(
        "🏁 <b>Review done</b>: {count} item reviewed.",
        "🏁 <b>Review done</b>: {count} items reviewed.",
        count,
    ).format(count=count)
    return done + "\n" + still


def nothing_more_due() -> str:
    """A "more" button pressed when nothing is due any more, or pressed twice (≤ 200 chars,
    shown as a toast)."""
    return _("Nothing more is due before your next revision.")


def nothing_to_review() -> str:
    return _("Nothing else is due right now. 🎉")


def daily_off() -> str:
    return _("Daily revision is off. Turn it on with /daily HH:MM, e.g. /daily 08:30.")


def daily_setting(
    daily_time: str, zone: str, next_run: datetime, size: int, *, timezone_never_set: bool
) -> str:
    text = ngettext(
        "⏰ Daily revision at <b>{time}</b> ({zone}), {size} question per session.\n"
        "Next: {next_run:%a %d %b %H:%M}.",
        "⏰ Daily revision at <b>{time}</b> ({zone}), {size} questions per session.\n"
        "Next: {next_run:%a %d %b %H:%M}.",
        size,
    ).format(time=escape(daily_time), zone=escape(zone), size=size, next_run=next_run)
    if timezone_never_set:
        text += "\n" + _("Times are in UTC: set your zone with /timezone Europe/Berlin (or UTC+2).")
    return text


def timezone_current(zone: str | None) -> str:
    if zone is None:
        return _("Your time zone is not set, so times are UTC.") + " " + usage("timezone")
    return (
        _("Your time zone: <b>{zone}</b>.").format(zone=escape(shorten(zone)))
        + " "
        + usage("timezone")
    )


def timezone_set(zone: str) -> str:
    return _("Time zone set to <b>{zone}</b>.").format(zone=escape(shorten(zone)))


def retention_current(value: float) -> str:
    return _(
        "Desired retention: <b>{value}</b> — higher means more frequent reviews. "
        "Change it with /retention 0.80 … 0.97."
    ).format(value=f"{value:.2f}")

"""Refusals that say why: the range a value must be in, the choices there are, what was
probably meant. Plain text where `bad_value()` escapes it; HTML where noted."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.inputs import echo
from bot.i18n import LANGUAGES, _, ngettext


def retention_out_of_range(typed: str, low: float, high: float) -> str:
    """Plain text: bad_value() escapes it."""
    return _("{typed} is out of range: desired retention goes from {low} to {high}").format(
        typed=echo(typed), low=f"{low:.2f}", high=f"{high:.2f}"
    )


def not_a_retention(typed: str) -> str:
    """Plain text: bad_value() escapes it."""
    return _("{typed} is not a number; write a decimal such as 0.90").format(typed=echo(typed))


def unknown_language(typed: str) -> str:
    """Plain text: bad_value() escapes it."""
    choices = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
    return _(
        "{typed} is not a language I speak. Choose one of: {choices}, "
        "or auto to follow your Telegram settings"
    ).format(typed=echo(typed), choices=choices)


def challenge_too_many_questions(most: int) -> str:
    """Plain text: bad_value() escapes it."""
    return ngettext(
        "A round has at most {most} question.", "A round has at most {most} questions.", most
    ).format(most=most)


def challenge_too_few_questions(least: int) -> str:
    """Plain text: bad_value() escapes it."""
    return ngettext(
        "A round has at least {least} question.", "A round has at least {least} questions.", least
    ).format(least=least)


def challenge_seconds_out_of_range(low: int, high: int) -> str:
    """Plain text: bad_value() escapes it."""
    return ngettext(
        "Each question lasts from {low} to {high} second.",
        "Each question lasts from {low} to {high} seconds.",
        high,
    ).format(low=low, high=high)


def not_a_timezone_but_close(typed: str, zones: Sequence[str]) -> str:
    """Plain text: bad_value() escapes it. `zones`: the names close to what was typed."""
    return _("{typed} is not a time zone; did you mean {zones}?").format(
        typed=echo(typed), zones=_(" or ").join(zones)
    )


def already_recorded() -> str:
    """The answer to a second tap on a grade already stored."""
    return _("Already recorded.")

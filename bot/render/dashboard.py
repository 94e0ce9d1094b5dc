"""Texts of /progress and /dashboard, the buttons that open the Mini App."""

from __future__ import annotations

from bot.i18n import _


def progress_intro() -> str:
    return _("Your progress, what is due and the questions to revisit: tap the button.")


def progress_button() -> str:
    return _("Open my dashboard")


def dashboard_intro() -> str:
    return _(
        "The group's results: who missed what, each student's weeks, the roster and a CSV"
        " for your gradebook. Only the group's admins can open it."
    )


def dashboard_button() -> str:
    return _("Open the group dashboard")


def dashboard_refused() -> str:
    return _("Sorry, /dashboard is for the group's admins.")


def dashboard_not_configured() -> str:
    return _("The dashboard is not set up on this bot (its operator sets MINIAPP_URL).")

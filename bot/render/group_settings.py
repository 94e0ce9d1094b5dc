"""What a group's admins choose for their group: who may start /challenge rounds."""

from __future__ import annotations

from bot.i18n import _
from bot.render.help import usage


def challengers_current(admins_only: bool) -> str:
    if admins_only:
        text = _("In this group, only admins can start a round.")
    else:
        text = _("In this group, every member can start a round.")
    return text + "\n" + usage("challengers")


def challengers_set(admins_only: bool) -> str:
    if admins_only:
        return _("Done: from now on, only this group's admins can start a round.")
    return _("Done: from now on, every member of this group can start a round.")


def challengers_refused() -> str:
    return _("Only the group's admins can choose who starts rounds.")


def challenge_admins_only() -> str:
    return _("In this group, only admins can start a round.")

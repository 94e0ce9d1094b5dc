"""/challengers: a group's admins choose who may start /challenge rounds there (everyone by
default, or only the admins). Anyone may ask what the setting is."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot import render
from bot.flows import groups
from bot.handlers.chat_rules import group_command
from bot.handlers.common import is_group_admin, reply
from bot.handlers.context import TutorContext

_CHOICES = {"admins": True, "everyone": False}


async def challengers(update: Update, context: TutorContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    args = context.args or []
    if not args:
        admins_only = await groups.challenge_admins_only(context.storage, chat.id)
        await reply(update, render.challengers_current(admins_only))
        return
    wanted = args[0].strip().lower()
    if len(args) > 1 or wanted not in _CHOICES:
        await reply(update, render.usage("challengers"))
        return
    if not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.challengers_refused())
        return
    await groups.restrict_challenges(context.storage, chat.id, _CHOICES[wanted])
    await reply(update, render.challengers_set(_CHOICES[wanted]))


async def may_start_round(context: TutorContext, chat_id: int, user_id: int) -> bool:
    """Whether this member may start a round in this group (asks Telegram only when the
    group's admins restricted rounds to themselves)."""
    admins_only = await groups.challenge_admins_only(context.storage, chat_id)
    return not admins_only or await is_group_admin(context, chat_id, user_id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [group_command("challengers", challengers)]

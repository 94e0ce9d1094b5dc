"""/groupstats, for a group's admins: the challenge questions it gets wrong, who is missing."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler

from bot import render
from bot.flows import groups
from bot.handlers.chat_rules import group_command
from bot.handlers.common import is_group_admin, reply
from bot.handlers.context import TutorContext
from bot.render import charts

log = logging.getLogger(__name__)


async def groupstats(update: Update, context: TutorContext) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    if not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.groupstats_refused())
        return
    now = context.clock.now()
    try:
        count = await context.bot.get_chat_member_count(chat.id)
    except TelegramError as error:
        # The count stored from earlier calls and join/leave messages stands in.
        log.warning("group %s: getChatMemberCount failed: %r", chat.id, error)
    else:
        await groups.members_counted(context.storage, chat.id, count, now)
    report = await groups.group_report(context.storage, context.bank, chat.id, now)
    if report.empty:
        await reply(update, render.groupstats_nothing_yet())
        return
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    picture = await asyncio.to_thread(charts.group_png, report, chat.title or "")
    await message.reply_photo(
        picture,
        filename="group-report.png",
        caption=render.groupstats_caption(report),
        parse_mode="HTML",
        do_quote=False,
    )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [group_command("groupstats", groupstats)]

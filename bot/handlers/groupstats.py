"""/groupstats, for a group's admins: the challenge questions it gets wrong, who is missing."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler

from bot import charts, render
from bot.content.models import CardItem
from bot.domain.group_report import build_group_report
from bot.handlers.chat_rules import group_command
from bot.handlers.common import is_group_admin, reply
from bot.handlers.context import TutorContext


async def groupstats(update: Update, context: TutorContext) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    if not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.groupstats_refused())
        return
    progress = context.storage.progress
    tallies = await progress.challenge_tallies(chat.id)
    questions = {}
    for tally in tallies:
        item = context.bank.item(tally.item_id)
        if item is not None:
            questions[tally.item_id] = item.front if isinstance(item, CardItem) else item.question
    report = build_group_report(
        tallies,
        questions,
        await progress.challenge_members(chat.id),
        await progress.challenge_players_in_week(chat.id, context.clock.now()),
    )
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

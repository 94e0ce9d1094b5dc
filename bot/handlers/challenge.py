"""Group chats: the bot's introduction and /explain without spoilers (challenges: see below)."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.ext import BaseHandler

from bot import render
from bot.handlers.common import reply
from bot.handlers.context import TutorContext

PURPOSE_CHALLENGE = "challenge"


async def bot_added_to_group(context: TutorContext, change: ChatMemberUpdated) -> None:
    was_in = change.old_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED)
    is_in = change.new_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED)
    if is_in and not was_in:
        await context.bot.send_message(change.chat.id, render.group_intro(), parse_mode="HTML")


async def group_item_to_explain(update: Update, context: TutorContext) -> str | None:
    """The item a group /explain refers to, or None after telling the group why not."""
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    now = context.clock.now()
    replied = message.reply_to_message
    if replied is not None and replied.poll is not None:
        sent = await context.storage.polls.by_message(chat.id, replied.message_id)
    else:
        sent = await context.storage.polls.latest_in_chat(chat.id)
    if sent is None:
        await reply(update, render.group_nothing_to_explain())
        return None
    if sent.open_period is not None and (now - sent.sent_at).total_seconds() < sent.open_period:
        await reply(update, render.group_explain_while_open())
        return None
    return sent.item_id


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return []

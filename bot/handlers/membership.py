"""my_chat_member: a learner who blocks the bot becomes inactive; unblocking reactivates.
Join and leave service messages in groups keep the group's member count and roster."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.flows import groups, learners
from bot.handlers.challenge import bot_added_to_group
from bot.handlers.context import TutorContext

_GONE = {ChatMember.BANNED, ChatMember.LEFT}


async def my_chat_member(update: Update, context: TutorContext) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    if change.chat.type == ChatType.PRIVATE:
        await private_status_changed(context, change)
    else:
        await bot_added_to_group(context, change)


async def private_status_changed(context: TutorContext, change: ChatMemberUpdated) -> None:
    user = change.from_user
    blocked = change.new_chat_member.status in _GONE
    await learners.private_chat_blocked(
        context.storage, user.id, user.first_name, user.username, blocked, context.clock.now()
    )


async def members_changed(update: Update, context: TutorContext) -> None:
    """ "X joined" / "X left": the group's stored member count follows (once per message)."""
    message = update.effective_message
    if message is None:
        return
    now = context.clock.now()
    me = context.bot.id
    joined = [
        (user.id, user.first_name, user.is_bot)
        for user in message.new_chat_members
        if user.id != me
    ]
    if joined:
        await groups.members_joined(
            context.storage, message.chat_id, message.message_id, joined, now
        )
    gone = message.left_chat_member
    if gone is not None and gone.id != me:
        await groups.member_left(
            context.storage,
            message.chat_id,
            message.message_id,
            (gone.id, gone.first_name, gone.is_bot),
            now,
        )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(
            filters.ChatType.GROUPS
            & (filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER),
            members_changed,
        ),
    ]

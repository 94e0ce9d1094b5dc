"""Small pieces every command handler needs: who is asking, which deck, how to reply."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType

from bot import render
from bot.content.models import Deck
from bot.flows import decks, learners
from bot.flows.decks import deck_for_command
from bot.handlers.context import TutorContext
from bot.storage.records import User


async def learner(update: Update, context: TutorContext) -> User:
    """The learner behind this update, registered on first contact."""
    tg_user = update.effective_user
    if tg_user is None:
        raise ValueError("update without a user")
    return await learners.learner(
        context.storage, tg_user.id, tg_user.first_name, tg_user.username, context.clock.now()
    )


async def reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_html(text, do_quote=False)


def active_deck(context: TutorContext, user: User) -> Deck:
    return decks.active_deck(context.bank, user)


async def deck_from_args(update: Update, context: TutorContext, user: User) -> Deck | None:
    """The deck named in the command's arguments (it becomes the active deck, and the
    learner is told so when that changes it), else the learner's active deck.

    Replies with the list of decks and returns None when the name matches none.
    """
    query = " ".join(context.args or [])
    choice = await deck_for_command(context.storage, context.bank, user, query)
    if choice is None:
        await reply(update, render.unknown_deck(query, context.bank.decks))
        return None
    if choice.switched:
        await reply(update, render.deck_switched(choice.deck))
    return choice.deck


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def is_group_admin(context: TutorContext, chat_id: int, user_id: int) -> bool:
    """Whether Telegram says this member administers (or owns) the group."""
    member = await context.bot.get_chat_member(chat_id, user_id)
    return member.status in _ADMIN_STATUSES

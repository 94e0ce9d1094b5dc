"""/progress (private) and /dashboard (group admins): the buttons that open the Mini App;
and `TelegramChatActions`, what the Mini App asks of Telegram (bot/flows/dashboard.py's
ChatActions).

A private chat gets a `web_app` button (Telegram signs initData for the learner). A group
cannot open a Mini App from an inline button, so it gets a direct link,
t.me/<bot>/<short name>?startapp=g<chat id>: Telegram signs `start_param` into initData,
and the server still checks with getChatMember that the person opening it is an admin.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
    WebAppInfo,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, BaseHandler

from bot import render
from bot.content.models import McqItem
from bot.flows import challenge as challenge_flow
from bot.handlers.challenge import announce_and_begin
from bot.handlers.chat_rules import group_command, private_command
from bot.handlers.common import reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import send_quiz_poll
from bot.handlers.language import in_group_language

log = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def group_link(bot_username: str, short_name: str, chat_id: int) -> str:
    return f"https://t.me/{bot_username}/{short_name}?startapp=g{chat_id}"


async def progress(update: Update, context: TutorContext) -> None:
    """/progress in private: the learner's own dashboard."""
    message = update.effective_message
    url = context.settings.miniapp_url
    if message is None:
        return
    if not url:
        await reply(update, render.dashboard_not_configured())
        return
    button = InlineKeyboardButton(render.progress_button(), web_app=WebAppInfo(url))
    await message.reply_text(
        render.progress_intro(),
        reply_markup=InlineKeyboardMarkup([[button]]),
        do_quote=False,
    )


async def dashboard(update: Update, context: TutorContext) -> None:
    """/dashboard in a group, for its admins: a link that opens the group's dashboard."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    if not context.settings.miniapp_url:
        await reply(update, render.dashboard_not_configured())
        return
    if not await is_admin(context, chat.id, user.id):
        await reply(update, render.dashboard_refused())
        return
    link = group_link(context.bot.username, context.settings.miniapp_short_name, chat.id)
    button = InlineKeyboardButton(render.dashboard_button(), url=link)
    await message.reply_text(
        render.dashboard_intro(),
        reply_markup=InlineKeyboardMarkup([[button]]),
        do_quote=False,
    )


async def is_admin(context: TutorContext, chat_id: int, user_id: int) -> bool:
    """Whether Telegram says this user administers the group; a user not in it is not."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        return False
    return member.status in _ADMIN_STATUSES


class TelegramChatActions:
    """What the Mini App's flows ask of Telegram, done as the commands do it."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._application = application

    def _context(self) -> TutorContext:
        return TutorContext(self._application)

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        return await is_admin(self._context(), chat_id, user_id)

    async def member_count(self, chat_id: int) -> int | None:
        try:
            count: int = await self._application.bot.get_chat_member_count(chat_id)
        except (BadRequest, Forbidden):
            return None
        return count

    async def send_quiz(self, user_id: int, item_id: str) -> bool:
        context = self._context()
        item = context.bank.item(item_id)
        if not isinstance(item, McqItem):
            return False
        try:
            await send_quiz_poll(context, user_id, item, purpose="quiz")
        except Forbidden:  # the learner blocked the bot since opening the page
            return False
        return True

    async def start_challenge(
        self, chat_id: int, user_id: int, first_name: str, deck_id: str
    ) -> bool:
        """As `/challenge <deck>` from this admin: False when a round is already running."""
        context = self._context()
        deck = context.bank.deck(deck_id)
        if deck is None:
            return False
        started = await challenge_flow.start_round(
            context.storage,
            context.bank,
            context.services.rng,
            chat_id=chat_id,
            starter=(user_id, first_name, None),
            questions=challenge_flow.DEFAULT_QUESTIONS,
            seconds=challenge_flow.DEFAULT_SECONDS,
            deck_query=deck.id,
            now=context.clock.now(),
        )
        if not isinstance(started, challenge_flow.RoundStarted):
            return False  # a round is already running
        async with in_group_language(context, chat_id):
            await announce_and_begin(context, started, first_name)
        return True


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        private_command("progress", progress),
        group_command("dashboard", dashboard),
    ]

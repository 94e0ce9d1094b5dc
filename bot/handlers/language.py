"""The language every reply is rendered in, and /language to choose it.

A handler in group -1 runs before every other one and sets the language for the update:
in a private chat (or for a poll answer) the learner's /language choice, else Telegram's
`language_code`. A group chat, shared by many learners, speaks the language one of its
admins chose with /language there, else the default; so do the votes of its rounds and
the round's own messages (`in_group_language`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, TypeHandler

from bot import i18n, render
from bot.flows import settings as settings_flow
from bot.flows.quiz import cached_poll
from bot.handlers import menus
from bot.handlers.common import is_group_admin, is_private, learner, reply
from bot.handlers.context import TutorContext

BEFORE_ALL_HANDLERS = -1
AFTER_ALL_HANDLERS = 100


async def apply_language(update: Update, context: TutorContext) -> None:
    i18n.set_language(await language_for_update(update, context))


async def remember_language(update: Update, context: TutorContext) -> None:
    """After the handlers: a learner registered by this very update (their first /start) gets
    Telegram's language stored now, so tomorrow's daily prompt already speaks it."""
    user = update.effective_user
    # Registration happens through a command; a vote (thousands at once in a group round)
    # must not cost a write each.
    if update.message is None:
        return
    if user is not None and user.id not in context.services.languages:
        await language_for_update(update, context)


async def language_for_update(update: Update, context: TutorContext) -> str:
    user = update.effective_user
    chat = update.effective_chat
    if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        return await group_language(context, chat.id)
    if user is None or user.is_bot or (chat is not None and chat.type != ChatType.PRIVATE):
        return i18n.DEFAULT_LANGUAGE
    if update.poll_answer is not None:
        poll = cached_poll(context.services, update.poll_answer.poll_id)
        if poll is not None and poll.chat_id != user.id:
            return await group_language(context, poll.chat_id)  # a vote in a group round
    # Telegram's language is remembered, but not from a vote: a group round's thousands of
    # votes would each be a write; the learner's next message or button press records it.
    return await settings_flow.learner_language(
        context.services, user.id, user.language_code, remember=update.poll_answer is None
    )


async def learner_language(context: TutorContext, user_id: int) -> str:
    """For jobs: the learner's language without an update to read Telegram's from."""
    return await settings_flow.learner_language(context.services, user_id)


async def group_language(context: TutorContext, chat_id: int) -> str:
    """The group's chosen language, else the default (read once per process per group)."""
    return (await settings_flow.group_language(context.services, chat_id)).language


@contextlib.asynccontextmanager
async def in_group_language(context: TutorContext, chat_id: int) -> AsyncIterator[None]:
    """Render in the group's language inside the block (a round's timer has no update)."""
    with i18n.language(await group_language(context, chat_id)):
        yield


async def language_command(update: Update, context: TutorContext) -> None:
    if not is_private(update):
        await group_language_command(update, context)
        return
    user = await learner(update, context)
    args = context.args or []
    if not args:
        now = await settings_flow.language_now(
            context.services, user.user_id, i18n.current_language()
        )
        await reply(update, render.language_current(now.language, chosen=now.chosen))
        return
    if len(args) > 1:
        await reply(update, render.usage("language"))
        return
    telegram = update.effective_user.language_code if update.effective_user else None
    result = await settings_flow.choose_language(
        context.services, user.user_id, args[0], context.clock.now(), telegram
    )
    if isinstance(result, settings_flow.UnknownLanguage):
        await _unknown_language(update, result)
        return
    # Answer in the language just chosen.
    i18n.set_language(result.language)
    await reply(update, render.language_set(result.language, chosen=result.chosen))


async def group_language_command(update: Update, context: TutorContext) -> None:
    """/language in a group: anyone may ask, only its admins may change it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    args = context.args or []
    if not args:
        now = await settings_flow.group_language(context.services, chat.id)
        await reply(update, render.group_language_current(now.language, chosen=now.chosen))
        return
    if len(args) > 1:
        await reply(update, render.usage("language"))
        return
    wanted = settings_flow.wanted_language(args[0])
    if isinstance(wanted, settings_flow.UnknownLanguage):
        await _unknown_language(update, wanted)
        return
    if not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.group_language_refused())
        return
    language = await settings_flow.choose_group_language(context.services, chat.id, wanted)
    i18n.set_language(language)
    # The group's command menus too: a chat's own menus come before each member's app language.
    if wanted is None:
        await menus.delete_group_menus(context.bot, chat.id)
    else:
        await menus.set_group_menus(context.bot, chat.id)
    await reply(update, render.group_language_set(language, chosen=wanted is not None))


async def _unknown_language(update: Update, refused: settings_flow.UnknownLanguage) -> None:
    problem = render.unknown_language(refused.typed)
    await reply(update, render.bad_value(problem, render.usage("language")))


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CommandHandler("language", language_command)]


def language_handler() -> TypeHandler[Update, TutorContext, None]:
    return TypeHandler(Update, apply_language)


def remember_language_handler() -> TypeHandler[Update, TutorContext, None]:
    return TypeHandler(Update, remember_language)

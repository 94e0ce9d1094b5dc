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
from bot.handlers import menus
from bot.handlers.common import is_group_admin, is_private, learner, reply
from bot.handlers.context import TutorContext
from bot.storage.languages import LanguagePrefs

AUTO = "auto"
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
        poll = context.storage.polls.cached(update.poll_answer.poll_id)
        if poll is not None and poll.chat_id != user.id:
            return await group_language(context, poll.chat_id)  # a vote in a group round
    stored = await _stored_prefs(context, user.id)
    telegram = i18n.supported(user.language_code)
    # Written for registered learners only, and only when it changed: most updates write nothing.
    # Not on a vote: a group round's thousands of votes would each be a write; the learner's
    # next message or button press records it.
    if (
        stored is not None
        and telegram is not None
        and telegram != stored.telegram
        and update.poll_answer is None
    ):
        await context.storage.languages.seen_on_telegram(user.id, telegram)
        context.services.languages[user.id] = LanguagePrefs(stored.chosen, telegram)
    prefs = stored or LanguagePrefs()
    return i18n.pick_language(prefs.chosen, telegram or prefs.telegram)


async def learner_language(context: TutorContext, user_id: int) -> str:
    """For jobs: the learner's language without an update to read Telegram's from."""
    prefs = await _stored_prefs(context, user_id) or LanguagePrefs()
    return i18n.pick_language(prefs.chosen, prefs.telegram)


async def group_language(context: TutorContext, chat_id: int) -> str:
    """The group's chosen language, else the default (read once per process per group)."""
    cache = context.services.group_languages
    if chat_id not in cache:
        cache[chat_id] = await context.storage.languages.for_group(chat_id)
    return i18n.pick_language(cache[chat_id], None)


@contextlib.asynccontextmanager
async def in_group_language(context: TutorContext, chat_id: int) -> AsyncIterator[None]:
    """Render in the group's language inside the block (a round's timer has no update)."""
    with i18n.language(await group_language(context, chat_id)):
        yield


async def _stored_prefs(context: TutorContext, user_id: int) -> LanguagePrefs | None:
    """What SQLite knows (read once per process); None for someone not registered."""
    cached = context.services.languages.get(user_id)
    if cached is not None:
        return cached
    stored = await context.storage.languages.get(user_id)
    if stored is not None:
        context.services.languages[user_id] = stored
    return stored


async def language_command(update: Update, context: TutorContext) -> None:
    if not is_private(update):
        await group_language_command(update, context)
        return
    user = await learner(update, context)
    args = context.args or []
    if not args:
        prefs = await _stored_prefs(context, user.user_id) or LanguagePrefs()
        await reply(
            update,
            render.language_current(i18n.current_language(), chosen=prefs.chosen is not None),
        )
        return
    wanted = args[0].strip().lower()
    if len(args) > 1:
        await reply(update, render.usage("language"))
        return
    if wanted != AUTO and wanted not in i18n.LANGUAGES:
        await reply(
            update, render.bad_value(render.unknown_language(args[0]), render.usage("language"))
        )
        return
    chosen = None if wanted == AUTO else wanted
    await context.storage.languages.choose(user.user_id, chosen, context.clock.now())
    context.services.languages.pop(user.user_id, None)
    # Answer in the language just chosen.
    i18n.set_language(await language_for_update(update, context))
    await reply(update, render.language_set(i18n.current_language(), chosen=chosen is not None))


async def group_language_command(update: Update, context: TutorContext) -> None:
    """/language in a group: anyone may ask, only its admins may change it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    args = context.args or []
    if not args:
        chosen = await group_language(context, chat.id)
        stored = context.services.group_languages.get(chat.id)
        await reply(update, render.group_language_current(chosen, chosen=stored is not None))
        return
    wanted = args[0].strip().lower()
    if len(args) > 1:
        await reply(update, render.usage("language"))
        return
    if wanted != AUTO and wanted not in i18n.LANGUAGES:
        await reply(
            update, render.bad_value(render.unknown_language(args[0]), render.usage("language"))
        )
        return
    if not await is_group_admin(context, chat.id, user.id):
        await reply(update, render.group_language_refused())
        return
    chosen_language = None if wanted == AUTO else wanted
    await context.storage.languages.choose_for_group(chat.id, chosen_language)
    context.services.group_languages[chat.id] = chosen_language
    i18n.set_language(await group_language(context, chat.id))
    # The group's command menus too: a chat's own menus come before each member's app language.
    if chosen_language is None:
        await menus.delete_group_menus(context.bot, chat.id)
    else:
        await menus.set_group_menus(context.bot, chat.id)
    await reply(
        update,
        render.group_language_set(i18n.current_language(), chosen=chosen_language is not None),
    )


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [CommandHandler("language", language_command)]


def language_handler() -> TypeHandler[Update, TutorContext, None]:
    return TypeHandler(Update, apply_language)


def remember_language_handler() -> TypeHandler[Update, TutorContext, None]:
    return TypeHandler(Update, remember_language)

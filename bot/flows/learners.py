"""Learners: registration on first contact, /start, blocking and unblocking, /forget.

A learner is registered by the first update that comes from them (a command, a press, a
vote in a group round); a fresh /start in the private chat also turns daily revision on, as
it does for every new learner (see `bot.flows.daily.new_to_private_chat`).
"""

from __future__ import annotations

from datetime import datetime

from bot.flows.daily import new_to_private_chat
from bot.flows.services import Services
from bot.flows.settings import enable_default_daily
from bot.storage import Storage
from bot.storage.records import User


async def learner(
    storage: Storage, user_id: int, first_name: str, username: str | None, now: datetime
) -> User:
    """The learner with this Telegram id, registered on first contact; a learner who had
    blocked the bot, or whose name changed, is refreshed (and active again)."""
    user = await storage.users.get(user_id)
    if user is None or not user.active or user.first_name != first_name:
        user, _ = await storage.users.upsert(user_id, first_name, username, now)
    return user


async def start(
    storage: Storage, user_id: int, first_name: str, username: str | None, now: datetime
) -> User:
    """/start in the private chat: the learner, with daily revision on if they are new to
    the private chat (never seen, or seen only in groups)."""
    known = await storage.users.get(user_id)
    user = await learner(storage, user_id, first_name, username, now)
    if new_to_private_chat(known):
        user = await enable_default_daily(storage, user, now)
    return user


async def private_chat_blocked(
    storage: Storage,
    user_id: int,
    first_name: str,
    username: str | None,
    blocked: bool,
    now: datetime,
) -> None:
    """The learner blocked the bot (inactive: no more daily prompts) or unblocked it."""
    if await storage.users.get(user_id) is None:
        if blocked:
            return  # never registered: nothing to keep
        await storage.users.ensure(user_id, first_name, username, now)
    await storage.users.set_active(user_id, not blocked)


async def forget(services: Services, user_id: int) -> None:
    """Delete everything about the learner: answers, memory, sessions, settings.

    The learner's row, and with it their daily prompt time, is gone: nothing to unschedule.
    """
    await services.storage.users.delete(user_id)
    services.languages.pop(user_id, None)  # the language went too


async def blocked_bot(storage: Storage, user_id: int) -> None:
    """Telegram refused a send because the learner blocked the bot: inactive until they
    write again (no daily prompts meanwhile)."""
    await storage.users.set_active(user_id, False)

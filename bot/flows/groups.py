"""A group's members and the teacher's report on it (/groupstats, and the Mini App's roster).

Members are counted from what Telegram gives: getChatMemberCount (bots taken off) when the
adapter can ask, and the join and leave service messages in between, stored per group. Who
played comes from the challenge answers; a learner seen leaving is no longer a member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.content.models import CardItem, ContentBank
from bot.domain.group_report import GroupReport, build_group_report, people_in_group
from bot.storage import Storage
from bot.storage.roster import KnownMember


async def members_counted(
    storage: Storage, chat_id: int, telegram_count: int, now: datetime
) -> int:
    """Telegram's getChatMemberCount for the group, stored as people (bots taken off)."""
    people = people_in_group(telegram_count, await storage.groups.other_bots(chat_id))
    await storage.groups.set_size(chat_id, people, now)
    return people


async def members_joined(
    storage: Storage,
    chat_id: int,
    message_id: int,
    joined: Sequence[tuple[int, str, bool]],
    now: datetime,
) -> None:
    """A "new_chat_members" service message: (user id, first name, is a bot) of each who
    joined. The count follows, and the roster (the Mini App's) learns their names."""
    await storage.groups.joined(
        chat_id,
        message_id,
        [user_id for user_id, _, is_bot in joined if not is_bot],
        [user_id for user_id, _, is_bot in joined if is_bot],
        now,
    )
    people = [KnownMember(user_id, name) for user_id, name, is_bot in joined if not is_bot]
    if people:
        await storage.roster.joined(chat_id, people, now)


async def member_left(
    storage: Storage,
    chat_id: int,
    message_id: int,
    member: tuple[int, str, bool],
    now: datetime,
) -> None:
    """A "left_chat_member" service message: (user id, first name, is a bot)."""
    user_id, name, is_bot = member
    await storage.groups.left(chat_id, message_id, user_id, is_bot, now)
    if not is_bot:
        await storage.roster.left(chat_id, KnownMember(user_id, name), now)


async def group_report(
    storage: Storage, bank: ContentBank, chat_id: int, now: datetime
) -> GroupReport:
    """The challenge questions the group gets wrong, hardest first, and who played this
    week of the group's members (the stored count; see `members_counted`)."""
    progress = storage.progress
    tallies = await progress.challenge_tallies(chat_id)
    questions = {}
    for tally in tallies:
        item = bank.item(tally.item_id)
        if item is not None:
            questions[tally.item_id] = item.front if isinstance(item, CardItem) else item.question
    size = await storage.groups.size(chat_id)
    return build_group_report(
        tallies,
        questions,
        await progress.challenge_members(chat_id),
        await progress.challenge_players_in_week(chat_id, now),
        group_size=size.members if size else None,
        departed=await storage.groups.departed(chat_id),
    )


async def challenge_admins_only(storage: Storage, chat_id: int) -> bool:
    """Whether only the group's admins may start /challenge rounds there (off by default)."""
    return (await storage.group_settings.get(chat_id)).challenge_admins_only


async def restrict_challenges(storage: Storage, chat_id: int, admins_only: bool) -> None:
    """/challengers admins|everyone, sent by one of the group's admins."""
    await storage.group_settings.set_challenge_admins_only(chat_id, admins_only)

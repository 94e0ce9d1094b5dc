"""Which partition an update belongs to: its chat (else its user) modulo a fixed count.

Every update of one chat lands in one partition, and a partition has one owner at a time
(bot/pipeline/workers.py), so a chat's updates are handled in order by one worker. A
private chat's id is its user's id, so a learner's poll answers share their messages'
partition. Updates that need no order (Telegram's `poll` updates) spread by update id.

The count is fixed: changing it while rows are pending would move chats between owners
mid-stream. 64 leaves room for 64 workers, and is cheap to hold as advisory locks.
"""

from __future__ import annotations

from telegram import Update

PARTITIONS = 64


def ordering_key(update: object) -> int | None:
    """Updates with the same key are handled in order: the chat, else the user.

    A private chat's id is its user's id, so a learner's poll answers stay in order with
    their messages and button presses. Poll updates carry neither and need no order.
    """
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def partition_of_chat(chat_id: int, partitions: int = PARTITIONS) -> int:
    """Python's % is never negative, so group ids (negative) spread like user ids."""
    return chat_id % partitions


def partition_of(update: Update, partitions: int = PARTITIONS) -> int:
    key = ordering_key(update)
    return partition_of_chat(update.update_id if key is None else key, partitions)

"""What is stored around sending a study item, whichever command or job sends it.

A quiz poll is shuffled and its intent stored before sendPoll (so a send that timed out
after Telegram delivered it is still matched by the `poll` update that follows); the poll
is stored once Telegram says its id, and the intent dropped if Telegram refuses it for
good. Votes that came before their poll was known are parked and credited when it is.
The sending itself is the adapter's (bot/handlers/delivery.py).
"""

from __future__ import annotations

from datetime import datetime

from bot.content.models import McqItem
from bot.flows.services import Services
from bot.storage import Storage
from bot.storage.polls import ParkedAnswer, PollIntent
from bot.storage.records import SentPoll


async def poll_intent(
    services: Services,
    chat_id: int,
    item: McqItem,
    now: datetime,
    *,
    purpose: str,
    session_id: int | None,
    open_period: int | None,
) -> PollIntent:
    """A shuffled order of the item's options (`option_order[i]`: the item's option shown
    at position i), stored before the poll is sent."""
    order = list(range(len(item.options)))
    services.rng.shuffle(order)
    return await services.storage.poll_intents.add(
        chat_id, item.id, order, now, purpose, session_id, open_period
    )


async def poll_refused(storage: Storage, intent: PollIntent) -> None:
    """Telegram refused the send for good: no poll will ever match this intent."""
    await storage.poll_intents.discard(intent)


async def poll_sent(
    storage: Storage, intent: PollIntent, poll_id: str, message_id: int, now: datetime
) -> SentPoll:
    """Telegram answered sendPoll: the poll is stored (its intent gone) and, in a private
    chat, it is the learner's last item (what /explain explains)."""
    sent = intent.sent_poll(poll_id, message_id, now)
    await storage.poll_intents.confirm(intent, sent)
    if intent.chat_id > 0:  # a group's polls are no one's last item
        await item_sent(storage, intent.chat_id, intent.item_id)
    return sent


async def item_sent(storage: Storage, user_id: int, item_id: str) -> None:
    """An item went to the learner's private chat: it is their last item now."""
    await storage.users.set_last_item(user_id, item_id)


async def parked_answers(storage: Storage, poll_id: str) -> list[ParkedAnswer]:
    """Votes that arrived before their poll was known, oldest first."""
    return await storage.poll_intents.parked_for(poll_id)


async def unpark(storage: Storage, answer: ParkedAnswer) -> None:
    """A parked vote has been credited."""
    await storage.poll_intents.unpark(answer.poll_id, answer.user_id)

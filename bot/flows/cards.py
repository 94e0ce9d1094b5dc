"""/cards as a session: a few flashcards (due ones first, then new ones), each once, then an
end that says when the next card is due. A card graded Good waits for its interval instead
of coming straight back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content.models import CardItem, ContentBank, Deck
from bot.domain.chooser import plan_session
from bot.domain.memory import Grade, review
from bot.domain.purpose import Purpose
from bot.domain.timezones import parse_timezone
from bot.storage import Storage
from bot.storage.records import Session, User

CARDS_PER_SESSION = 5


@dataclass(frozen=True)
class CardsSummary:
    """The end of a /cards session: when the deck's next card is due (None: no card seen)."""

    deck: Deck
    graded: int
    next_due: datetime | None
    timezone: str | None


async def start_cards(
    storage: Storage, bank: ContentBank, user: User, deck: Deck, now: datetime, new_per_day: int
) -> Session | None:
    """Up to CARDS_PER_SESSION of the deck's cards: due ones (most forgotten first), then new
    ones while today's allowance lasts; None when nothing is due and no new card is left."""
    memories = await storage.reviews.all_for(user.user_id)
    local_now = now.astimezone(parse_timezone(user.timezone))
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    new_today = await storage.answers.new_items_since(user.user_id, start_of_day)
    item_ids = plan_session(
        [card.id for card in deck.cards],
        memories,
        now,
        size=CARDS_PER_SESSION,
        new_allowance=max(0, new_per_day - new_today),
        desired_retention=user.desired_retention,
    )
    if not item_ids:
        return None
    return await storage.sessions.start(user.user_id, Purpose.CARDS, deck.id, item_ids, now)


async def cards_summary(
    storage: Storage, bank: ContentBank, user_id: int, deck: Deck, graded: int
) -> CardsSummary:
    memories = await storage.reviews.all_for(user_id)
    dues = [memories[card.id].due for card in deck.cards if card.id in memories]
    user = await storage.users.get(user_id)
    return CardsSummary(deck, graded, min(dues, default=None), user.timezone if user else None)


async def grade_intervals(
    storage: Storage, user: User, card: CardItem, now: datetime
) -> dict[Grade, timedelta]:
    """How long until the card comes back after each grade (Anki shows this on its buttons)."""
    previous = await storage.reviews.get(user.user_id, card.id)
    return {
        grade: review(previous, card.id, grade, now, user.desired_retention).due - now
        for grade in Grade
    }

"""Which deck a command studies: one rule for /quiz, /cards, /test and /prompt."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.models import ContentBank, Deck
from bot.storage import Storage
from bot.storage.records import User


@dataclass(frozen=True)
class DeckChoice:
    deck: Deck
    switched: bool  # the learner's active deck changed to `deck` (they are told)


def active_deck(bank: ContentBank, user: User) -> Deck:
    deck = bank.deck(user.active_deck) if user.active_deck else None
    return deck or bank.default_deck


async def deck_for_command(
    storage: Storage, bank: ContentBank, user: User, query: str | None
) -> DeckChoice | None:
    """The deck a study command names, else the active one; None when the name matches none.

    Naming a deck makes it the active deck, whichever study command names it (Next, daily
    revision's review and the next command without a name then stay in it), so a learner
    is never left guessing which commands switch and which do not."""
    current = active_deck(bank, user)
    if not query:
        return DeckChoice(current, switched=False)
    deck = bank.find_deck(query)
    if deck is None:
        return None
    if deck.id != user.active_deck:
        await storage.users.set_active_deck(user.user_id, deck.id)
    return DeckChoice(deck, switched=deck.id != current.id)


async def deck_progress(storage: Storage, bank: ContentBank, user_id: int) -> dict[str, int]:
    """/decks: how many items of each deck the learner has answered at least once."""
    seen = await storage.answers.totals_by_item(user_id)
    return {deck.id: sum(1 for item in deck.items if item.id in seen) for deck in bank.decks}


async def choose_deck(storage: Storage, user: User, deck: Deck) -> None:
    """The learner picked `deck` from /decks: it becomes their active deck."""
    await storage.users.set_active_deck(user.user_id, deck.id)

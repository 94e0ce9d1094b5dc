"""Which questions daily revision draws from: every deck studied, new ones from the active deck."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.content.models import ContentBank, Deck


def studied_questions(bank: ContentBank, seen: Collection[str]) -> list[str]:
    """Quiz questions the learner has answered, in any deck, in deck order."""
    return [question.id for deck in bank.decks for question in deck.mcqs if question.id in seen]


def decks_of(bank: ContentBank, item_ids: Sequence[str]) -> list[Deck]:
    """The decks today's session comes from, in the bank's order (named in the intro)."""
    wanted = {bank.deck_of(item_id).id for item_id in item_ids}
    return [deck for deck in bank.decks if deck.id in wanted]

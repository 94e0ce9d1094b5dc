"""/decks and naming a deck."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.content.models import Deck
from bot.i18n import _, ngettext
from bot.render.base import (
    _KINDS,
    shorten,
)


def unknown_deck(query: str, decks: Sequence[Deck]) -> str:
    ids = ", ".join(f"<code>{escape(deck.id)}</code>" for deck in decks)
    return _("No deck called “{query}”. Decks: {ids}.").format(
        query=escape(shorten(query)), ids=ids
    )


def deck_list(decks: Sequence[Deck], progress: dict[str, int], active_deck_id: str) -> str:
    lines = [_("<b>Decks</b> (items seen / total)")]
    for deck in decks:
        marker = "▶ " if deck.id == active_deck_id else ""
        language = f" [{escape(deck.language)}]" if deck.language else ""
        lines.append(
            _(
                "{marker}<b>{title}</b> <code>{id}</code>{language}: "
                "{questions}, {cards}, {prompts} — {seen}/{total} seen"
            ).format(
                marker=marker,
                title=escape(deck.title),
                id=escape(deck.id),
                language=language,
                questions=ngettext("{count} question", "{count} questions", len(deck.mcqs)).format(
                    count=len(deck.mcqs)
                ),
                cards=ngettext("{count} flashcard", "{count} flashcards", len(deck.cards)).format(
                    count=len(deck.cards)
                ),
                prompts=ngettext(
                    "{count} explain prompt", "{count} explain prompts", len(deck.prompts)
                ).format(count=len(deck.prompts)),
                seen=progress.get(deck.id, 0),
                total=len(deck.items),
            )
        )
    lines.append("\n" + _("Tap a deck to study it."))
    return "\n".join(lines)


def deck_chosen(deck: Deck) -> str:
    return _("Now studying <b>{title}</b>. Send /quiz or /cards to begin.").format(
        title=escape(deck.title)
    )


def deck_switched(deck: Deck) -> str:
    """Said when naming a deck in /quiz, /cards, /test or /prompt made it the active deck."""
    return _(
        "📚 Your deck is now <b>{title}</b>: /quiz, /cards, /test and /prompt use it. "
        "Change it with /decks."
    ).format(title=escape(deck.title))


def deck_chosen_note(deck: Deck) -> str:
    """The short answer to the deck button (answerCallbackQuery allows 200 characters)."""
    return shorten(_("Studying {title}").format(title=deck.title), 200)


def no_items(deck: Deck, kind: str) -> str:
    return _("The deck <b>{title}</b> has no {kind}. Try /decks.").format(
        title=escape(deck.title), kind=escape(_(_KINDS.get(kind, kind)))
    )

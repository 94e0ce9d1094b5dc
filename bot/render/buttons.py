"""Button labels that fit a phone.

Telegram shows a button's label on one line and cuts what does not fit with "…". Two limits,
in display cells (a CJK character or an emoji takes two):

- `BUTTON_LIMIT` (30): a button sharing its row (the grades, Next ▶ / Explain, Yes / Cancel),
  and every fixed label the bot writes, so any of them may be put beside another one.
- `FULL_ROW_LIMIT` (40): a button alone on its row (a deck, a key concept) has the whole
  keyboard width; on a 360 dp phone that is about 40 Latin characters at Telegram's button
  font, and Cyrillic letters are a little wider, so 40 cells is the most we rely on.

Labels made from content (deck titles, key concepts) are cut at a word to fit; the message
above the buttons shows them whole.
"""

from __future__ import annotations

import unicodedata

from bot.content.models import Deck

BUTTON_LIMIT = 30
FULL_ROW_LIMIT = 40


def label_width(text: str) -> int:
    """Display cells: wide characters (emoji, CJK) count two, joiners and marks nothing."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        if char == "\ufe0f":  # the emoji presentation selector
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit_label(text: str, limit: int = BUTTON_LIMIT) -> str:
    """`text` cut at a word boundary (or inside a very long word) with "…" to `limit` cells."""
    if label_width(text) <= limit:
        return text
    cut = text
    while cut and label_width(cut) + 1 > limit:
        cut = cut[:-1]
    word_end = cut.rfind(" ")
    if word_end >= len(cut) // 2:
        cut = cut[:word_end]
    return cut.rstrip(" ,;:·—-") + "…"


def concept_button(concept: str, ticked: bool) -> str:
    """A key concept of an explain prompt, alone on its row, with its tick."""
    mark = "✅" if ticked else "▫️"
    return f"{mark} " + fit_label(concept, FULL_ROW_LIMIT - label_width(mark) - 1)


def deck_button(deck: Deck) -> str:
    """A deck in /decks, alone on its row."""
    return fit_label(deck.title, FULL_ROW_LIMIT)

"""What every format parser hands to the deck builder: raw items with their line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_MCQ_DIFFICULTY = "medium"
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class SourceItem:
    """One record of the input file as a raw deck item (a dict the deck schema validates).

    `ordinal` counts every record of the file, skipped ones included, so generated ids stay
    the same when a record is fixed or skipped in a later import.
    """

    line: int
    ordinal: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class LineNote:
    """A problem or a skipped record, tied to the input's line number (0: the whole file)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Parsed:
    items: list[SourceItem] = field(default_factory=list)
    problems: list[LineNote] = field(default_factory=list)
    # Records of a kind the bot cannot ask (GIFT essays, Anki cloze notes, ...).
    unsupported: list[LineNote] = field(default_factory=list)


def default_explanation(correct: str) -> str:
    """Polls need an explanation; formats without one get the correct answer restated."""
    return f"Correct answer: {correct}"

"""What every format parser hands to the deck builder: raw items with their line numbers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
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


def records(reader: Any, first_line: int, parsed: Parsed) -> Iterator[tuple[int, int, list[str]]]:
    """(input line, ordinal, cells) of every non-blank row a `csv.reader` gives, `first_line`
    being the file line before the reader's first one; a row csv cannot read is a problem
    and ends the file (what follows it cannot be trusted)."""
    ordinal = 0
    while True:
        line = first_line + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            parsed.problems.append(LineNote(line, f"cannot be read: {error}"))
            return
        if not any(cell.strip() for cell in row):
            continue
        ordinal += 1
        yield line, ordinal, row

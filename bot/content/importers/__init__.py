"""Import decks from spreadsheets (CSV/TSV), Anki plain-text exports, Aiken and GIFT."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.content.importers.aiken import parse_aiken
from bot.content.importers.anki import parse_anki
from bot.content.importers.build import ImportResult, build_deck, dump_deck, slug
from bot.content.importers.delimited import parse_delimited
from bot.content.importers.gift import parse_gift
from bot.content.importers.source import LineNote, Parsed

__all__ = [
    "FORMATS",
    "ImportResult",
    "LineNote",
    "build_deck",
    "dump_deck",
    "guess_format",
    "parse",
    "slug",
]

FORMATS: dict[str, Callable[[str], Parsed]] = {
    "csv": lambda text: parse_delimited(text, ","),
    "tsv": lambda text: parse_delimited(text, "\t"),
    "anki-txt": parse_anki,
    "aiken": parse_aiken,
    "gift": parse_gift,
}
_BY_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".gift": "gift", ".aiken": "aiken"}


def parse(text: str, format_name: str) -> Parsed:
    return FORMATS[format_name](text)


def guess_format(path: Path, text: str) -> str | None:
    """The format from the file name, else from the first lines of a `.txt` file."""
    if path.suffix.lower() in _BY_SUFFIX:
        return _BY_SUFFIX[path.suffix.lower()]
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if any(line.startswith("#separator:") for line in lines):
        return "anki-txt"
    if any(line.strip().upper().startswith("ANSWER:") for line in lines):
        return "aiken"
    if any("{" in line for line in lines if not line.lstrip().startswith("//")):
        return "gift"
    if lines and "\t" in lines[0]:
        return "anki-txt"
    return None

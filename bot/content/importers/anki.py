"""Anki's "Notes in Plain Text" export: one note per line, front and back become a flashcard.

Header lines (`#separator:tab`, `#html:true`, `#tags column:3`, `#guid column:1`,
`#notetype column:2`, `#deck column:3`) are honoured; without `#tags column` a third field
holds the tags. A tag `easy`, `medium`, `hard` (or `difficulty::hard`) sets the difficulty.
Cloze notes cannot be shown as a flashcard and are reported as skipped.
"""

from __future__ import annotations

import csv
import html
import re
from typing import Any

from bot.content.importers.source import DIFFICULTIES, LineNote, Parsed, SourceItem, records

_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_BREAK = re.compile(r"<br\s*/?>|</div>|</p>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_CLOZE = re.compile(r"\{\{c\d+::")
_SOUND = re.compile(r"\[sound:[^\]]*\]")


def parse_anki(text: str) -> Parsed:
    parsed = Parsed()
    lines = text.splitlines(keepends=True)
    headers: dict[str, str] = {}
    first_note = 0
    for number, header in enumerate(lines):
        if not header.startswith("#"):
            break
        key, _, value = header[1:].strip().partition(":")
        headers[key.strip().lower()] = value.strip()
        first_note = number + 1
    separator = _separator(headers, parsed)
    if separator is None:
        return parsed
    as_html = headers.get("html", "true").lower() != "false"
    skip = {_column(headers, name, parsed) for name in ("guid", "notetype", "deck")} - {None}
    tags_column = _column(headers, "tags", parsed)
    reader = csv.reader(lines[first_note:], delimiter=separator)
    for line, ordinal, row in records(reader, first_note, parsed):
        tags = row[tags_column - 1] if tags_column and tags_column <= len(row) else ""
        fields = [
            cell
            for index, cell in enumerate(row, start=1)
            if index not in skip and index != tags_column
        ]
        if tags_column is None and len(fields) >= 3:
            tags = fields[2]
        if any(_CLOZE.search(field) for field in fields):
            parsed.unsupported.append(LineNote(line, "cloze note: not a flashcard"))
            continue
        if len(fields) < 2:
            parsed.problems.append(LineNote(line, "needs a front and a back field"))
            continue
        card: dict[str, Any] = {
            "kind": "card",
            "front": _plain(fields[0], as_html),
            "back": _plain(fields[1], as_html),
        }
        difficulty = _difficulty(tags)
        if difficulty:
            card["difficulty"] = difficulty
        parsed.items.append(SourceItem(line, ordinal, card))
    return parsed


def _separator(headers: dict[str, str], parsed: Parsed) -> str | None:
    declared = headers.get("separator")
    if declared is None:
        # Anki's exporter writes tabs; older exports have no header at all.
        return "\t"
    separator = _SEPARATORS.get(declared.lower(), declared if len(declared) == 1 else None)
    if separator is None:
        parsed.problems.append(LineNote(1, f"unknown #separator {declared!r}"))
    return separator


def _column(headers: dict[str, str], name: str, parsed: Parsed) -> int | None:
    value = headers.get(f"{name} column")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        parsed.problems.append(LineNote(1, f"#{name} column must be a column number"))
        return None
    return int(value)


def _plain(field: str, as_html: bool) -> str:
    """Anki fields are HTML; the bot escapes what it sends, so keep the text only."""
    text = _SOUND.sub("", field)
    if as_html:
        text = _TAG.sub("", _BREAK.sub("\n", text))
        text = html.unescape(text).replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _difficulty(tags: str) -> str | None:
    for tag in tags.lower().split():
        level = tag.rpartition(":")[2]
        if level in DIFFICULTIES:
            return level
    return None

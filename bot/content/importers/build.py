"""Turn parsed records into a deck the loader accepts, or the list of what stops it.

Each record is checked against the deck schema (Telegram's limits) on its own, so every
problem names the input line; ids are checked for duplicates in the file and in the decks
already in the output folder, as `check-content` would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.content.importers.source import LineNote, Parsed, SourceItem
from bot.content.models import (
    EXPLANATION_LINE_FEEDS_MAX,
    EXPLANATION_MAX,
    POLL_OPTION_MAX,
    POLL_OPTIONS_MAX,
    POLL_OPTIONS_MIN,
    POLL_QUESTION_MAX,
    CardItem,
    Deck,
    Item,
    McqItem,
    PromptItem,
)

ID_MAX = 40
_ITEM = TypeAdapter[McqItem | CardItem | PromptItem](Item)
# Which Telegram limit a field's check stands for, named in every problem.
_TELEGRAM_LIMITS = {
    "question": f"Telegram poll question: at most {POLL_QUESTION_MAX} characters",
    "options": (
        f"Telegram poll: {POLL_OPTIONS_MIN}-{POLL_OPTIONS_MAX} options "
        f"of at most {POLL_OPTION_MAX} characters"
    ),
    "explanation": (
        f"Telegram quiz explanation: at most {EXPLANATION_MAX} characters "
        f"and {EXPLANATION_LINE_FEEDS_MAX} line feeds"
    ),
}


@dataclass
class ImportResult:
    deck: Deck | None
    problems: list[LineNote] = field(default_factory=list)
    skipped: list[LineNote] = field(default_factory=list)


def build_deck(
    parsed: Parsed,
    *,
    deck_id: str,
    title: str,
    description: str,
    existing: Iterable[tuple[str, dict[str, Any]]] = (),
    skip_invalid: bool = False,
    language: str | None = None,
) -> ImportResult:
    """Validate every record; with `skip_invalid` the invalid ones are skipped and listed."""
    problems = list(parsed.problems)
    valid: list[tuple[SourceItem, McqItem | CardItem | PromptItem]] = []
    prefix = _id_prefix(deck_id)
    for source in parsed.items:
        raw = {"id": f"{prefix}-{source.ordinal}", **source.fields}
        try:
            valid.append((source, _ITEM.validate_python(raw)))
        except ValidationError as error:
            problems.extend(_problems(source.line, error))
    valid, id_problems = _unique_ids(valid, existing, deck_id)
    problems.extend(id_problems)
    result = ImportResult(None, skipped=list(parsed.unsupported))
    if problems and not skip_invalid:
        result.problems = sorted(problems, key=lambda note: note.line)
        return result
    result.skipped = sorted([*result.skipped, *problems], key=lambda note: note.line)
    if not valid:
        result.problems = [LineNote(0, "no question or card could be imported")]
        return result
    try:
        result.deck = Deck(
            id=deck_id,
            title=title,
            description=description,
            language=language,
            items=[item for _, item in valid],
        )
    except ValidationError as error:
        result.problems = [
            LineNote(0, f"deck {'.'.join(map(str, d['loc']))}: {_message(d)}")
            for d in error.errors()
        ]
    return result


def dump_deck(deck: Deck) -> str:
    """The deck as YAML in the shape authors write by hand (block text for multi-line)."""
    data = deck.model_dump(mode="json", exclude_none=True)
    return yaml.dump(data, Dumper=_DeckDumper, sort_keys=False, allow_unicode=True, width=100)


def slug(text: str) -> str:
    """A deck id from a file name or title: lowercase letters, digits and hyphens."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value[:ID_MAX].rstrip("-")


def _id_prefix(deck_id: str) -> str:
    # Room for "-" and a 4-digit record number within the 40-character id limit.
    return deck_id[: ID_MAX - 5].rstrip("-")


def _problems(line: int, error: ValidationError) -> list[LineNote]:
    notes = []
    for detail in error.errors():
        location = [str(p) for p in detail["loc"] if p not in ("mcq", "card", "prompt")]
        name = location[0] if location else "item"
        where = ".".join(location) or "item"
        limit = _TELEGRAM_LIMITS.get(name)
        message = f"{where} {_message(detail)}"
        notes.append(LineNote(line, f"{message} ({limit})" if limit else message))
    return notes


def _message(detail: Any) -> str:
    return str(detail["msg"]).removeprefix("Value error, ")


def _unique_ids(
    valid: list[tuple[SourceItem, McqItem | CardItem | PromptItem]],
    existing: Iterable[tuple[str, dict[str, Any]]],
    deck_id: str,
) -> tuple[list[tuple[SourceItem, McqItem | CardItem | PromptItem]], list[LineNote]]:
    taken: dict[str, str] = {}
    problems: list[LineNote] = []
    for file, raw in existing:
        if raw.get("id") == deck_id:
            problems.append(LineNote(0, f"deck id {deck_id!r} is already used by {file}"))
        items = raw.get("items")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                taken.setdefault(item["id"], file)
    first_line: dict[str, int] = {}
    kept = []
    for source, item in valid:
        if item.id in first_line:
            problems.append(
                LineNote(source.line, f"duplicate id {item.id!r}: line {first_line[item.id]}")
            )
        elif item.id in taken:
            problems.append(
                LineNote(source.line, f"duplicate id {item.id!r}: already in {taken[item.id]}")
            )
        else:
            first_line[item.id] = source.line
            kept.append((source, item))
    return kept, problems


class _DeckDumper(yaml.SafeDumper):
    pass


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_DeckDumper.add_representer(str, _represent_text)

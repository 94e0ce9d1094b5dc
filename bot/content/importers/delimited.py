"""CSV and TSV with a header row: one question (or flashcard) per row.

Columns (case and spaces/underscores ignored): `question`, `option1`…`option12` (or
`option a`…`option l`), `correct` (the option's text, number or letter), `explanation`,
`difficulty`, optional `id`, `kind`, and for a worked solution `steps`, `final_answer`,
`quick_check`, `hint`, `common_mistakes`; flashcards use `front` and `back`.
"""

from __future__ import annotations

import csv
import re
import string
from typing import Any

from bot.content.importers.source import (
    DEFAULT_MCQ_DIFFICULTY,
    LineNote,
    Parsed,
    SourceItem,
    default_explanation,
    records,
)

_OPTION = re.compile(r"^option([0-9]{1,2}|[a-l])$")
_PLAIN_COLUMNS = {
    "id",
    "kind",
    "question",
    "correct",
    "explanation",
    "difficulty",
    "front",
    "back",
    "steps",
    "finalanswer",
    "quickcheck",
    "hint",
    "commonmistakes",
}
_LIST_SEPARATOR = re.compile(r"\s*(?:\n|\s\|\s)\s*")


def parse_delimited(text: str, delimiter: str) -> Parsed:
    parsed = Parsed()
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        parsed.problems.append(LineNote(0, "the file is empty: a header row is needed"))
        return parsed
    except csv.Error as error:
        parsed.problems.append(LineNote(1, f"cannot be read as a header row: {error}"))
        return parsed
    columns, option_columns = _read_header(header, parsed)
    if parsed.problems:
        return parsed
    for line, ordinal, row in records(reader, 0, parsed):
        if len(row) > len(header):
            parsed.problems.append(
                LineNote(line, f"has {len(row)} cells but the header has {len(header)} columns")
            )
            continue
        cells = {columns[i]: cell.strip() for i, cell in enumerate(row) if columns[i]}
        options = [cells[name] for name in option_columns if cells.get(name)]
        fields = _item_fields(cells, options, line, parsed)
        if fields is not None:
            parsed.items.append(SourceItem(line, ordinal, fields))
    return parsed


def _read_header(header: list[str], parsed: Parsed) -> tuple[list[str], list[str]]:
    columns: list[str] = []
    options: list[tuple[int, str]] = []
    for cell in header:
        name = re.sub(r"[\s_\-]+", "", cell.strip().lower())
        option = _OPTION.match(name)
        if option:
            key = option.group(1)
            number = int(key) if key.isdigit() else string.ascii_lowercase.index(key) + 1
            options.append((number, name))
        elif name not in _PLAIN_COLUMNS:
            parsed.problems.append(LineNote(1, f"unknown column {cell.strip()!r}"))
        if name in columns:
            parsed.problems.append(LineNote(1, f"column {cell.strip()!r} appears twice"))
        columns.append(name)
    if "question" not in columns and not {"front", "back"} <= set(columns):
        parsed.problems.append(
            LineNote(1, "the header needs a 'question' column (or 'front' and 'back' for cards)")
        )
    return columns, [name for _, name in sorted(options)]


def _item_fields(
    cells: dict[str, str], options: list[str], line: int, parsed: Parsed
) -> dict[str, Any] | None:
    kind = cells.get("kind", "").lower() or (
        "card" if cells.get("front") and not cells.get("question") else "mcq"
    )
    fields: dict[str, Any] = {"kind": kind}
    if cells.get("id"):
        fields["id"] = cells["id"]
    if cells.get("difficulty"):
        fields["difficulty"] = cells["difficulty"].lower()
    if kind == "card":
        fields["front"] = cells.get("front", "")
        fields["back"] = cells.get("back", "")
        return fields
    if kind != "mcq":
        parsed.problems.append(LineNote(line, f"kind {kind!r} is not 'mcq' or 'card'"))
        return None
    correct = _correct_option(cells.get("correct", ""), options)
    fields.update(
        question=cells.get("question", ""),
        options=options,
        correct=correct,
        explanation=cells.get("explanation") or default_explanation(correct),
    )
    fields.setdefault("difficulty", DEFAULT_MCQ_DIFFICULTY)
    solution = _solution(cells, correct)
    if solution is not None:
        fields["solution"] = solution
    return fields


def _correct_option(value: str, options: list[str]) -> str:
    """`correct` may be the option's text, its number (1-based) or its letter."""
    if value in options:
        return value
    if value.isdigit() and 1 <= int(value) <= len(options):
        return options[int(value) - 1]
    letter = value.lower()
    if len(letter) == 1 and letter in string.ascii_lowercase[: len(options)]:
        return options[string.ascii_lowercase.index(letter)]
    return value


def _solution(cells: dict[str, str], correct: str) -> dict[str, Any] | None:
    keys = ("steps", "finalanswer", "quickcheck", "hint", "commonmistakes")
    if not any(cells.get(key) for key in keys):
        return None
    steps = []
    for number, step in enumerate(_split_list(cells.get("steps", "")), start=1):
        title, colon, detail = step.partition(": ")
        steps.append(
            {"title": title, "detail": detail}
            if colon
            else {"title": f"Step {number}", "detail": step}
        )
    return {
        "steps": steps,
        "final_answer": cells.get("finalanswer") or correct,
        "quick_check": cells.get("quickcheck", ""),
        "hint": cells.get("hint", ""),
        "common_mistakes": _split_list(cells.get("commonmistakes", "")),
    }


def _split_list(value: str) -> list[str]:
    """Several steps or mistakes in one cell: one per line, or separated by ' | '."""
    return [part for part in _LIST_SEPARATOR.split(value.strip()) if part]

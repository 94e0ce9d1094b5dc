"""Load decks from YAML and check them against Telegram's limits and the bank's rules.

Every problem is collected, not just the first, and each names the file, the
item id, the field and the rule broken, so an author can fix a deck in one pass.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.models import ContentBank, Deck

# libyaml's safe loader when PyYAML was built with it: the same documents, parsed about ten
# times faster, which keeps a live reload of large decks short.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ContentProblem:
    file: str
    item_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.item_id:
            where.append(f"item {self.item_id}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{': '.join(where)}: {self.message}"


class ContentError(Exception):
    """The content directory holds at least one invalid deck."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{len(problems)} content problem(s):\n{lines}")


def load_bank(directory: Path) -> ContentBank:
    """Load every `*.yaml` deck in `directory`; raise ContentError listing all problems."""
    decks, problems = _load_all(directory)
    if problems:
        raise ContentError(problems)
    return ContentBank(sorted(decks, key=lambda deck: (deck.order, deck.id)))


def check_content(directory: Path) -> tuple[list[Deck], list[ContentProblem]]:
    decks, problems = _load_all(directory)
    return sorted(decks, key=lambda deck: (deck.order, deck.id)), problems


def _load_all(directory: Path) -> tuple[list[Deck], list[ContentProblem]]:
    if not directory.is_dir():
        return [], [ContentProblem(str(directory), None, None, "is not a directory")]
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        return [], [ContentProblem(str(directory), None, None, "holds no *.yaml deck")]
    decks: list[Deck] = []
    raw_decks: list[tuple[Path, dict[str, Any]]] = []
    problems: list[ContentProblem] = []
    for path in files:
        raw, deck, deck_problems = _load_deck(path)
        problems.extend(deck_problems)
        if raw is not None:
            raw_decks.append((path, raw))
        if deck is not None:
            decks.append(deck)
    # Bank rules read the raw decks, so a duplicate id shows up even in a deck that
    # has other problems: the author sees every problem in one pass.
    problems.extend(_bank_problems(raw_decks))
    return decks, problems


def _load_deck(
    path: Path,
) -> tuple[dict[str, Any] | None, Deck | None, list[ContentProblem]]:
    name = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [ContentProblem(name, None, None, f"cannot be read: {error}")]
    except yaml.YAMLError as error:
        return None, None, [ContentProblem(name, None, None, f"is not valid YAML: {error}")]
    if not isinstance(raw, dict):
        message = "must be a mapping with id, title, items"
        return None, None, [ContentProblem(name, None, None, message)]
    try:
        return raw, Deck.model_validate(raw), []
    except ValidationError as error:
        return raw, None, [_problem_from(name, raw, detail) for detail in error.errors()]


def _problem_from(file: str, raw: dict[str, Any], detail: Any) -> ContentProblem:
    location: tuple[Any, ...] = tuple(detail["loc"])
    item_id: str | None = None
    field_path = list(location)
    if len(location) >= 2 and location[0] == "items" and isinstance(location[1], int):
        index = location[1]
        items = raw.get("items")
        item = items[index] if isinstance(items, list) and index < len(items) else None
        item_id = str(item.get("id")) if isinstance(item, dict) and item.get("id") else None
        item_id = item_id or f"#{index + 1}"
        # Drop "items", the index and pydantic's union tag ("mcq", "card", ...).
        field_path = [part for part in location[2:] if part not in ("mcq", "card", "prompt")]
    if str(detail["type"]).startswith("union_tag"):
        field_path.append("kind")  # an unknown or missing item kind
    field = ".".join(str(part) for part in field_path) or None
    message = str(detail["msg"]).removeprefix("Value error, ")
    return ContentProblem(file, item_id, field, message)


def _bank_problems(decks: list[tuple[Path, dict[str, Any]]]) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    deck_ids = Counter(raw.get("id") for _, raw in decks if raw.get("id"))
    first_file: dict[str, str] = {}
    for path, raw in decks:
        deck_id = raw.get("id")
        if deck_id and deck_ids[deck_id] > 1:
            problems.append(
                ContentProblem(
                    str(path), None, "id", f"deck id {deck_id!r} is used by another deck"
                )
            )
        items = raw.get("items")
        for item in items if isinstance(items, list) else []:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            if item_id in first_file:
                problems.append(
                    ContentProblem(
                        str(path),
                        item_id,
                        "id",
                        f"item id is not unique: also in {first_file[item_id]}",
                    )
                )
            else:
                first_file[item_id] = str(path)
    return problems

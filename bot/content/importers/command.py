"""`python -m bot import-deck FILE`: parse, validate, and write one YAML deck (or nothing)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.content.importers import FORMATS, build_deck, dump_deck, guess_format, parse, slug

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the file to import")
    parser.add_argument("--format", choices=sorted(FORMATS), help="default: from the file")
    parser.add_argument("--deck-id", help="default: from the file name")
    parser.add_argument("--title", help="default: from the deck id")
    parser.add_argument("--description", help="default: where the deck was imported from")
    parser.add_argument(
        "--language", help="the deck's language, e.g. en or pt-BR (shown in /decks)"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder of decks (CONTENT_DIR)")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid records and list the invalid ones instead of refusing the file",
    )


def run_import_deck(args: argparse.Namespace, default_out: Path) -> int:
    source: Path = args.file
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: {source} cannot be read: {error}", file=sys.stderr)
        return EXIT_USAGE
    format_name = args.format or guess_format(source, text)
    if format_name is None:
        print(
            f"error: cannot tell the format of {source}; pass --format {'|'.join(sorted(FORMATS))}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    deck_id = args.deck_id or slug(source.stem)
    out: Path = args.out or default_out
    target = out / f"{deck_id}.yaml"
    result = build_deck(
        parse(text, format_name),
        deck_id=deck_id,
        title=args.title or deck_id.replace("-", " ").capitalize(),
        description=args.description or f"Imported from {source.name} ({format_name}).",
        existing=_existing_decks(out, target),
        skip_invalid=args.skip_invalid,
        language=args.language,
    )
    for note in result.skipped:
        print(f"skipped: {note}", file=sys.stderr)
    if result.deck is None:
        print(f"{len(result.problems)} problem(s) in {source}; nothing written:", file=sys.stderr)
        for note in result.problems:
            print(f"  {note}", file=sys.stderr)
        return EXIT_PROBLEMS
    out.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_deck(result.deck), encoding="utf-8")
    kinds = {kind: sum(item.kind == kind for item in result.deck.items) for kind in ("mcq", "card")}
    print(
        f"wrote {target}: {len(result.deck.items)} items "
        f"(mcq {kinds['mcq']}, card {kinds['card']}); {len(result.skipped)} skipped"
    )
    return 0


def _existing_decks(out: Path, target: Path) -> list[tuple[str, dict[str, Any]]]:
    """The other decks in the output folder (the target itself is being replaced)."""
    decks: list[tuple[str, dict[str, Any]]] = []
    if not out.is_dir():
        return decks
    for path in sorted([*out.glob("*.yaml"), *out.glob("*.yml")]):
        if path.resolve() == target.resolve():
            continue
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # check-content reports broken decks; here only their ids matter
        if isinstance(raw, dict):
            decks.append((str(path), raw))
    return decks

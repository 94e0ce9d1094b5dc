"""`python -m bot` runs the bot; `check-content [DIR]` checks decks; `import-deck FILE` adds one."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections import Counter
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings
from bot.content.importers import command as import_deck
from bot.content.loader import ContentError, check_content

EXIT_CONTENT = 1
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Quiz Tutor Telegram bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (the default)")
    check = commands.add_parser("check-content", help="validate the decks and summarise them")
    check.add_argument("directory", nargs="?", type=Path, default=None)
    importer = commands.add_parser(
        "import-deck", help="write a YAML deck from CSV/TSV/Anki/Aiken/GIFT"
    )
    import_deck.add_arguments(importer)
    args = parser.parse_args(argv)

    if args.command == "check-content":
        return run_check_content(args.directory)
    if args.command == "import-deck":
        return import_deck.run_import_deck(
            args, Path(_setting_or_default("CONTENT_DIR", "content"))
        )
    return run_bot()


def run_check_content(directory: Path | None) -> int:
    if directory is None:
        directory = Path(_setting_or_default("CONTENT_DIR", "content"))
    decks, problems = check_content(directory)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONTENT
    for deck in decks:
        kinds = Counter(item.kind for item in deck.items)
        levels = Counter(item.difficulty.value for item in deck.items)
        print(
            f"{deck.id}: {len(deck.items)} items "
            f"(mcq {kinds['mcq']}, card {kinds['card']}, prompt {kinds['prompt']}; "
            f"easy {levels['easy']}, medium {levels['medium']}, hard {levels['hard']})"
        )
    print(f"OK: {len(decks)} decks, {sum(len(d.items) for d in decks)} items")
    return 0


def run_bot() -> int:
    # Opt in to PTB's timedelta durations now (RetryAfter, open periods), which PTB 22
    # otherwise warns about on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        settings = Settings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as error:
        missing = [
            ".".join(str(p) for p in e["loc"]) for e in error.errors() if e["type"] == "missing"
        ]
        if "telegram_bot_token" in missing:
            print(
                "error: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather in Telegram "
                "and put it in the environment or in .env.",
                file=sys.stderr,
            )
        else:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
            )
            print(f"error: invalid settings: {problems}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, including the URL with the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs a line per job added and per run: one per learner per day.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from bot.app import run
    from bot.storage.database import DatabaseUnusableError, check_database

    try:
        # Before PTB starts: a database problem is one line naming the path, not a traceback.
        asyncio.run(check_database(settings.database_path))
        run(settings)
    except DatabaseUnusableError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as error:
        print(f"error: the content bank is invalid, refusing to start.\n{error}", file=sys.stderr)
        return EXIT_CONTENT
    return 0


def _setting_or_default(name: str, default: str) -> str:
    return os.environ.get(name, default)


if __name__ == "__main__":
    sys.exit(main())

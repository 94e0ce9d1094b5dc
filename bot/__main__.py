"""`python -m bot` runs the bot; `check-content [DIR]` checks the decks; `import-deck FILE`
writes a deck from CSV/TSV/Anki/Aiken/GIFT; `export-answers [--user ID] [--since DATE] FILE`
writes answers as CSV; `memory-report [--deck D]` prints the memory model's calibration;
`migrate-to-postgres --from FILE --to URL [--resume]` moves a SQLite database into PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from bot import move_cli
from bot.config import Settings
from bot.content.importers import command as import_deck
from bot.content.loader import ContentError, check_content
from bot.logsafe import install_redaction

EXIT_CONTENT = 1
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Quiz Tutor Telegram bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (the default)")
    check = commands.add_parser("check-content", help="validate the decks and summarise them")
    check.add_argument("directory", nargs="?", type=Path, default=None)
    export = commands.add_parser("export-answers", help="write answers as CSV (operator)")
    export.add_argument("--user", type=int, default=None, help="only this Telegram user id")
    export.add_argument("--since", type=_since, default=None, help="YYYY-MM-DD (UTC) or ISO time")
    export.add_argument("file", type=Path, help="CSV file to write; - for standard output")
    importer = commands.add_parser(
        "import-deck", help="write a YAML deck from CSV/TSV/Anki/Aiken/GIFT"
    )
    import_deck.add_arguments(importer)
    memory = commands.add_parser(
        "memory-report", help="calibration of predicted recall: default vs fitted FSRS weights"
    )
    memory.add_argument("--deck", default=None, help="only this deck's answers and fit")
    move = commands.add_parser(
        "migrate-to-postgres", help="copy a SQLite database into PostgreSQL (bot stopped)"
    )
    move_cli.add_arguments(move)
    args = parser.parse_args(argv)

    if args.command == "check-content":
        return run_check_content(args.directory)
    if args.command == "export-answers":
        from bot.export_cli import export_answers

        return export_answers(
            # DATABASE_URL (PostgreSQL) when set, as the bot itself reads it.
            os.environ.get("DATABASE_URL")
            or Path(_setting_or_default("DATABASE_PATH", "data/quiz.sqlite3")),
            Path(_setting_or_default("CONTENT_DIR", "content")),
            args.file,
            user_id=args.user,
            since=args.since,
        )
    if args.command == "memory-report":
        from bot.memory_report import memory_report

        return memory_report(
            os.environ.get("DATABASE_URL")
            or Path(_setting_or_default("DATABASE_PATH", "data/quiz.sqlite3")),
            Path(_setting_or_default("CONTENT_DIR", "content")),
            args.deck,
            sys.stdout,
        )
    if args.command == "migrate-to-postgres":
        return move_cli.run(args)
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
    install_redaction(_secrets(settings))
    # httpx logs every request at INFO, including the URL with the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs a line per job added and per run: one per learner per day.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from bot.app import run
    from bot.storage.database import DatabaseUnusableError, check_database
    from bot.web.runner import MiniAppPortError, check_port

    try:
        # Before PTB starts: a database problem is one line naming the setting, not a traceback.
        asyncio.run(check_database(settings.database_target))
        if settings.miniapp_url:
            check_port(settings.miniapp_listen, settings.dashboard_port)
        run(settings)
    except (DatabaseUnusableError, MiniAppPortError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as error:
        print(f"error: the content bank is invalid, refusing to start.\n{error}", file=sys.stderr)
        return EXIT_CONTENT
    return 0


def _secrets(settings: Settings) -> list[str]:
    secrets = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    if settings.database_url is not None:
        from bot.storage.postgres import url_secrets

        secrets += url_secrets(settings.database_url.get_secret_value())
    return secrets


def _since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _setting_or_default(name: str, default: str) -> str:
    return os.environ.get(name, default)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bot migrate-to-postgres --from FILE --to URL [--resume]`: the move from SQLite.

Stop the bot first. Exit 0: every table copied and its row count equal on both sides;
1: a count differs or a row could not be converted; 2: the move could not start (no file,
an unreachable or non-empty target without --resume)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.storage.database import DatabaseUnusableError, is_postgres_url
from bot.storage.move import MoveFailed, MoveRefused, move_to_postgres
from bot.storage.postgres import redact_url

EXIT_MISMATCH = 1
EXIT_REFUSED = 2
BAR = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", type=Path, required=True, help="SQLite file")
    parser.add_argument("--to", dest="target", required=True, help="postgresql://… URL")
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted move into a non-empty target"
    )


class ProgressBar:
    """One line per table on stderr, redrawn in place on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._live = out.isatty()
        self._last = 0.0

    def __call__(self, table: str, done: int, total: int) -> None:
        finished = done >= total
        now = time.monotonic()
        if not finished and (not self._live or now - self._last < 0.1):
            return
        self._last = now
        share = done / total if total else 1.0
        filled = int(BAR * share)
        line = f"{table:<22} [{'#' * filled}{'.' * (BAR - filled)}] {share:4.0%} {done:,}/{total:,}"
        if self._live:
            self._out.write("\r" + line + ("\n" if finished else ""))
        elif finished:
            self._out.write(line + "\n")
        self._out.flush()


def run(args: argparse.Namespace) -> int:
    if not is_postgres_url(args.target):
        print("error: --to must be a postgresql:// URL", file=sys.stderr)
        return EXIT_REFUSED
    try:
        counts = asyncio.run(
            move_to_postgres(
                args.source, args.target, resume=args.resume, progress=ProgressBar(sys.stderr)
            )
        )
    except (MoveRefused, DatabaseUnusableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except MoveFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_MISMATCH
    differ = [count for count in counts if not count.equal]
    for count in differ:
        print(
            f"error: {count.table}: {count.source:,} rows in {args.source},"
            f" {count.target:,} in PostgreSQL",
            file=sys.stderr,
        )
    if differ:
        return EXIT_MISMATCH
    rows = sum(count.source for count in counts)
    print(
        f"moved {rows:,} rows in {len(counts)} tables from {args.source}"
        f" to {redact_url(args.target)}; row counts equal"
    )
    return 0

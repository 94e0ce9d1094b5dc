"""The operator's answer export: `python -m bot export-answers [--user ID] [--since DATE] FILE`.

Reads the database directly (no bot token needed) in batches, so exporting millions of
answers stays within a few megabytes of memory.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.content.loader import check_content
from bot.content.models import ContentBank
from bot.export import AnswerCsv
from bot.storage import Storage

EXIT_NO_DATABASE = 2


def export_answers(
    database: Path | str,
    content_dir: Path,
    target: Path,
    *,
    user_id: int | None = None,
    since: datetime | None = None,
) -> int:
    if isinstance(database, Path) and not database.is_file():
        print(f"error: no database at {database} (set DATABASE_PATH)", file=sys.stderr)
        return EXIT_NO_DATABASE
    # Decks that fail validation are left out: their answers keep their ids, without the text.
    decks, problems = check_content(content_dir)
    if problems:
        print(
            f"warning: {len(problems)} content problem(s) in {content_dir}; "
            "answers to items not loaded have no deck or question text",
            file=sys.stderr,
        )
    bank = ContentBank(decks)
    if str(target) == "-":
        rows = asyncio.run(_write(database, bank, sys.stdout, user_id, since))
    else:
        with target.open("w", encoding="utf-8", newline="") as out:
            rows = asyncio.run(_write(database, bank, out, user_id, since))
    print(f"exported {rows} answer(s) to {target}", file=sys.stderr)
    return 0


async def _write(
    database: Path | str,
    bank: ContentBank,
    out: TextIO,
    user_id: int | None,
    since: datetime | None,
) -> int:
    storage = Storage(database)
    await storage.open()
    try:
        document = AnswerCsv(bank, with_user=True)
        out.write(document.header())
        async for batch in storage.progress.export(user_id, since):
            out.write(document.batch(batch))
        return document.rows
    finally:
        await storage.close()

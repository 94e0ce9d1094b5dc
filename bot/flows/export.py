"""/export: the learner's answers as CSV documents small enough to upload."""

from __future__ import annotations

import asyncio

from bot.content.models import ContentBank
from bot.export import CsvDocuments
from bot.storage import Storage


async def learner_answers(
    storage: Storage, bank: ContentBank, user_id: int, document_limit: int
) -> CsvDocuments:
    """Every answer of the learner, as CSV documents of at most `document_limit` bytes.

    Batch by batch: a long history is held as CSV bytes, not as answer objects (several
    times larger); the CSV is built off the event loop.
    """
    csv = CsvDocuments(bank, document_limit)
    async for batch in storage.progress.export(user_id):
        await asyncio.to_thread(csv.add, batch)
    return csv

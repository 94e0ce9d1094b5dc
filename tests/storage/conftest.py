"""Every storage test that takes `storage` runs on both backends: a fresh SQLite file, and
a fresh PostgreSQL database copied from a migrated template on the suite's own server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Storage


@pytest.fixture
async def storage(database_target: Path | str) -> AsyncIterator[Storage]:
    store = Storage(database_target)
    await store.open()
    yield store
    await store.close()

"""/export through PTB and the operator's `export-answers`: one CSV row per stored answer."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.export import LEARNER_COLUMNS, OPERATOR_COLUMNS
from bot.handlers import export as export_handler
from tests.conftest import Harness
from tests.handlers.test_stats import database_counts, quiz_round


def exported(harness: Harness) -> list[dict[str, str]]:
    call = harness.api.of("sendDocument")[-1]
    upload = call.params["document"]
    assert upload["filename"].endswith(".csv")
    assert call.result["document"]["file_size"] == upload["size"]
    reader = csv.DictReader(io.StringIO(upload["content"].decode("utf-8")))
    assert tuple(reader.fieldnames or ()) == LEARNER_COLUMNS
    return list(reader)


async def test_export_sends_one_row_per_answer_in_the_learners_zone(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/timezone Europe/Berlin")
    await quiz_round(harness, ada, 7)
    await harness.command(ada, "/export")

    rows = exported(harness)
    answers, right = database_counts(harness, 11)
    assert len(rows) == answers == 7
    assert sum(row["result"] == "right" for row in rows) == right
    bank = harness.services.bank
    stored = await harness.services.storage.answers.for_user(11)
    for row, answer in zip(rows, stored, strict=True):
        moment = datetime.fromisoformat(row["time"])
        assert moment.utcoffset() == timedelta(hours=1)  # Berlin in November
        assert moment == answer.answered_at.replace(microsecond=0)
        item = bank.item(row["item"])
        assert item is not None and row["item"] == answer.item_id
        assert row["question"] == item.question  # type: ignore[union-attr]
        assert row["deck"] == bank.deck_of(row["item"]).title
        assert row["chosen_option"] in item.options  # type: ignore[union-attr]
        assert (row["chosen_option"] == item.correct) == (row["result"] == "right")  # type: ignore[union-attr]
        assert row["context"] == "quiz" and float(row["seconds"]) == 8.0
    assert "7 rows" in harness.api.of("sendDocument")[-1].result["caption"]


async def test_export_with_no_answers_says_so(harness: Harness) -> None:
    await harness.command(harness.user(11), "/export")
    assert not harness.api.of("sendDocument")
    assert "no answers to export" in harness.api.texts(11)[-1]


async def test_forget_still_deletes_everything_export_included(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = harness.user(11), harness.user(12, "Bob")
    await quiz_round(harness, ada, 3)
    await quiz_round(harness, bob, 2)
    await harness.command(ada, "/forget")
    await harness.press(ada, harness.last_message_with_buttons(), "fg:yes")
    await harness.command(ada, "/export")
    assert "no answers to export" in harness.api.texts(11)[-1]

    monkeypatch.setenv("DATABASE_PATH", str(harness.services.settings.database_path))
    target = tmp_path / "all.csv"
    # The CLI runs its own event loop, as `python -m bot` does: off this test's loop.
    assert await asyncio.to_thread(main, ["export-answers", str(target)]) == 0
    with target.open(encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == OPERATOR_COLUMNS
        rows = list(reader)
    assert [row["user_id"] for row in rows] == ["12", "12"]


async def test_operator_export_filters_by_user_and_date(
    harness: Harness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ada, bob = harness.user(11), harness.user(12, "Bob")
    await quiz_round(harness, ada, 2)
    harness.clock.advance(timedelta(days=3))
    await quiz_round(harness, ada, 3)
    await quiz_round(harness, bob, 1)
    monkeypatch.setenv("DATABASE_PATH", str(harness.services.settings.database_path))
    since = (harness.clock.now() - timedelta(days=1)).astimezone(UTC).date().isoformat()
    target = tmp_path / "ada.csv"
    command = ["export-answers", "--user", "11", "--since", since, str(target)]
    assert await asyncio.to_thread(main, command) == 0
    with target.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 3 and {row["user_id"] for row in rows} == {"11"}
    assert "exported 3 answer(s)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export-answers", "--since", "yesterday", str(target)])


def test_operator_export_without_a_database_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "missing.sqlite3"))
    assert main(["export-answers", str(tmp_path / "out.csv")]) == 2
    assert "no database" in capsys.readouterr().err


async def test_a_history_past_telegrams_upload_limit_comes_in_several_documents(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each document stays within the limit, has the header, and together they hold every
    answer once, in order (the limit is made small here; Telegram's is 50 MB)."""
    monkeypatch.setattr(export_handler, "DOCUMENT_LIMIT", 700)
    ada = harness.user(11)
    await quiz_round(harness, ada, 9)
    await harness.command(ada, "/export")

    calls = harness.api.of("sendDocument")
    assert len(calls) > 2
    rows: list[dict[str, str]] = []
    for number, call in enumerate(calls, start=1):
        upload = call.params["document"]
        assert upload["filename"].endswith(f"-part{number}of{len(calls)}.csv")
        assert len(upload["content"]) <= 700
        reader = csv.DictReader(io.StringIO(upload["content"].decode("utf-8")))
        assert tuple(reader.fieldnames or ()) == LEARNER_COLUMNS
        rows += list(reader)
    stored = await harness.services.storage.answers.for_user(11)
    assert [row["item"] for row in rows] == [answer.item_id for answer in stored]
    assert "9 rows" in calls[0].result["caption"]

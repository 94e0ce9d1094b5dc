"""Answers as CSV: columns, local times, option text, items the bank no longer has."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bot import export
from bot.content.models import CardItem, ContentBank, McqItem
from bot.export import LEARNER_COLUMNS, OPERATOR_COLUMNS, AnswerCsv, CsvDocuments
from bot.storage.progress import ExportedAnswer

AT = datetime(2026, 7, 1, 21, 30, 15, 600000, tzinfo=UTC)


def exported(item_id: str, **overrides: object) -> ExportedAnswer:
    values: dict[str, object] = {
        "answer_id": 1,
        "user_id": 11,
        "timezone": "Asia/Kolkata",
        "item_id": item_id,
        "chosen_option": 1,
        "grade": "again",
        "correct": False,
        "answered_at": AT,
        "seconds": 12.345,
        "context": "daily",
        **overrides,
    }
    return ExportedAnswer(**values)  # type: ignore[arg-type]


def answers_csv(bank: ContentBank, answers: list[ExportedAnswer]) -> str:
    """One learner's whole CSV document, as /export's single document holds it."""
    documents = CsvDocuments(bank, limit=10**9)
    documents.add(answers)
    (document,) = documents.documents()
    return document.decode("utf-8")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_learner_csv_has_local_times_and_option_text(bank: ContentBank) -> None:
    mcq = next(item for deck in bank.decks for item in deck.items if isinstance(item, McqItem))
    card = next(item for deck in bank.decks for item in deck.items if isinstance(item, CardItem))
    text = answers_csv(
        bank,
        [exported(mcq.id), exported(card.id, chosen_option=None, grade="good", correct=True)],
    )
    assert text.splitlines()[0] == ",".join(LEARNER_COLUMNS)
    first, second = rows(text)
    assert first["time"] == "2026-07-02T03:00:15+05:30"
    assert first["deck"] == bank.deck_of(mcq.id).title
    assert first["question"] == mcq.question
    assert first["chosen_option"] == mcq.options[1]
    assert (first["result"], first["grade"], first["seconds"]) == ("wrong", "again", "12.3")
    assert first["context"] == "daily"
    assert second["question"] == card.front
    assert (second["chosen_option"], second["result"]) == ("", "right")


def test_answers_to_removed_items_keep_their_id_and_never_set_zone_is_utc(
    bank: ContentBank,
) -> None:
    [row] = rows(answers_csv(bank, [exported("gone", timezone=None, seconds=None)]))
    assert (row["item"], row["deck"], row["question"]) == ("gone", "", "")
    assert row["chosen_option"] == "1"
    assert row["time"] == "2026-07-01T21:30:15+00:00"
    assert row["seconds"] == ""


def test_operator_csv_leads_with_the_user_and_quotes_commas_and_newlines(
    bank: ContentBank,
) -> None:
    document = AnswerCsv(bank, with_user=True)
    text = document.header() + document.batch([exported('a,b\n"c"', user_id=5)])
    [row] = rows(text)
    assert tuple(row) == OPERATOR_COLUMNS
    assert (row["user_id"], row["item"]) == ("5", 'a,b\n"c"')
    assert document.rows == 1


def test_documents_split_between_records_never_inside_one(
    bank: ContentBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question may hold a line break (a quoted field): the split falls between
    records, every document starts with the header, and a record longer than the limit
    still goes out (alone) rather than being lost."""
    card = next(item for deck in bank.decks for item in deck.items if isinstance(item, CardItem))
    monkeypatch.setattr(export, "_question", lambda item: 'First line,\nsecond "line"')
    answers = [exported(card.id, answer_id=n, chosen_option=None) for n in range(7)]
    one = len(AnswerCsv(bank).records(answers[:1])[0].encode())
    header = len(AnswerCsv(bank).header().encode())
    documents = CsvDocuments(bank, header + 2 * one)
    documents.add(answers[:4])
    documents.add(answers[4:])
    parts = documents.documents()
    assert [len(rows(part.decode())) for part in parts] == [2, 2, 2, 1]
    assert all(len(part) <= header + 2 * one for part in parts)
    questions = [row["question"] for part in parts for row in rows(part.decode())]
    assert questions == ['First line,\nsecond "line"'] * 7

    tiny = CsvDocuments(bank, 10)
    tiny.add(answers[:2])
    assert [len(rows(part.decode())) for part in tiny.documents()] == [1, 1]
    assert CsvDocuments(bank, 10).documents() == []

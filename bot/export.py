"""Answers as CSV: the learner's /export and the operator's `python -m bot export-answers`.

Pure presentation: stored answers and the content bank in, CSV text out. Times are written
in each learner's own zone, with the offset, so a spreadsheet and a script read the same moment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import tzinfo

from bot.content.models import CardItem, ContentBank, McqItem, PromptItem
from bot.domain.timezones import UTC, UnknownTimezoneError, parse_timezone
from bot.storage.progress import ExportedAnswer

LEARNER_COLUMNS = (
    "time",
    "deck",
    "item",
    "question",
    "chosen_option",
    "result",
    "grade",
    "seconds",
    "context",
)
OPERATOR_COLUMNS = ("user_id", *LEARNER_COLUMNS)


def _zone(name: str | None, cache: dict[str | None, tzinfo]) -> tzinfo:
    if name not in cache:
        try:
            cache[name] = parse_timezone(name)
        except UnknownTimezoneError:  # a zone the zoneinfo database has since dropped
            cache[name] = UTC
    return cache[name]


def _question(item: McqItem | CardItem | PromptItem | None) -> str:
    if isinstance(item, McqItem | PromptItem):
        return item.question
    if isinstance(item, CardItem):
        return item.front
    return ""


def _chosen(item: McqItem | CardItem | PromptItem | None, answer: ExportedAnswer) -> str:
    if answer.chosen_option is None:
        return ""
    if isinstance(item, McqItem) and 0 <= answer.chosen_option < len(item.options):
        return item.options[answer.chosen_option]
    return str(answer.chosen_option)  # the deck changed since: the stored index is all we know


class AnswerCsv:
    """Builds one CSV document from batches of answers (header first)."""

    def __init__(self, bank: ContentBank, *, with_user: bool = False) -> None:
        self._bank = bank
        self._with_user = with_user
        self._zones: dict[str | None, tzinfo] = {}
        self.rows = 0

    def header(self) -> str:
        return self._lines([OPERATOR_COLUMNS if self._with_user else LEARNER_COLUMNS])

    def batch(self, answers: Iterable[ExportedAnswer]) -> str:
        return "".join(self.records(answers))

    def records(self, answers: Iterable[ExportedAnswer]) -> list[str]:
        """Each answer's CSV record (a quoted field may hold a line break: never split one)."""
        rows: list[tuple[object, ...]] = []
        for answer in answers:
            item = self._bank.item(answer.item_id)
            deck = self._bank.deck_of(answer.item_id).title if item is not None else ""
            local = answer.answered_at.astimezone(_zone(answer.timezone, self._zones))
            row: tuple[object, ...] = (
                local.isoformat(timespec="seconds"),
                deck,
                answer.item_id,
                _question(item),
                _chosen(item, answer),
                "right" if answer.correct else "wrong",
                answer.grade,
                "" if answer.seconds is None else f"{answer.seconds:.1f}",
                answer.context,
            )
            rows.append((answer.user_id, *row) if self._with_user else row)
        self.rows += len(rows)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        records = []
        for row in rows:
            writer.writerow(row)
            records.append(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
        return records

    @staticmethod
    def _lines(rows: Iterable[Iterable[object]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()


class CsvDocuments:
    """Answers as CSV documents of at most `limit` bytes each (Telegram's upload limit for a
    bot), each with the header, built batch by batch so the answers need not be held."""

    def __init__(self, bank: ContentBank, limit: int) -> None:
        self._csv = AnswerCsv(bank)
        self._header = self._csv.header().encode("utf-8")
        self._limit = limit
        self._done: list[bytes] = []
        self._current = bytearray(self._header)

    @property
    def rows(self) -> int:
        return self._csv.rows

    def add(self, answers: Iterable[ExportedAnswer]) -> None:
        for record in self._csv.records(answers):
            data = record.encode("utf-8")
            if len(self._current) > len(self._header) and (
                len(self._current) + len(data) > self._limit
            ):
                self._done.append(bytes(self._current))
                self._current = bytearray(self._header)
            self._current += data

    def documents(self) -> list[bytes]:
        """Every document, in answer order; none when there were no answers."""
        if not self.rows:
            return []
        return [*self._done, bytes(self._current)]

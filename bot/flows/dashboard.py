"""The dashboard's use cases: plain values in, typed results out.

Called by the Mini App's HTTP adapter (bot/web) and usable by any handler; knows nothing of
Telegram or HTTP. What needs Telegram itself (sending a poll, starting a round, asking who
administers a group, how many members it has) comes in through `ChatActions`, wired in
bot/app.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol

from bot.content.models import CardItem, ContentBank, McqItem
from bot.domain.clock import Clock
from bot.domain.progress import ProgressReport
from bot.domain.scoring import week_start
from bot.flows.progress import progress_report
from bot.storage import Storage
from bot.storage.challenge_totals import ALL_TIME, period_of
from bot.storage.dashboard import Cell, SortKey, WeekTotal
from bot.storage.roster import KnownMember

# How far back the heatmap and the streak look (as /stats).
MISSED_LIMIT = 50
PAGE_MAX = 100
ADMIN_CACHE_TTL = timedelta(minutes=1)
NEVER_PLAYED_SHOWN = 200


class ChatActions(Protocol):
    """What the dashboard asks of Telegram (implemented in bot/handlers/dashboard.py)."""

    async def is_admin(self, chat_id: int, user_id: int) -> bool: ...

    async def member_count(self, chat_id: int) -> int | None: ...

    async def send_quiz(self, user_id: int, item_id: str) -> bool:
        """False when Telegram would not deliver it (the learner blocked the bot)."""
        ...

    async def start_challenge(
        self, chat_id: int, user_id: int, first_name: str, deck_id: str
    ) -> bool: ...


class AdminCache:
    """Who administers which group, as Telegram said at most `ttl` ago.

    A demoted admin keeps access for at most a minute; every API call of an open dashboard
    does not cost a getChatMember.
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[bool]],
        clock: Clock,
        ttl: timedelta = ADMIN_CACHE_TTL,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._ttl = ttl
        self._known: dict[tuple[int, int], tuple[datetime, bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        now = self._clock.now()
        cached = self._known.get((chat_id, user_id))
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        answer = await self._fetch(chat_id, user_id)
        if len(self._known) > 10_000:  # bounded: drop what has expired
            self._known = {k: v for k, v in self._known.items() if now - v[0] < self._ttl}
        self._known[(chat_id, user_id)] = (now, answer)
        return answer


# ---- learner ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissedQuestion:
    item_id: str
    deck: str
    question: str
    options: tuple[str, ...]
    correct: str
    explanation: str
    misses: int
    last_missed_at: datetime


@dataclass(frozen=True)
class LearnerDashboard:
    first_name: str
    report: ProgressReport
    missed: tuple[MissedQuestion, ...]


async def learner_dashboard(
    storage: Storage, bank: ContentBank, user_id: int, now: datetime
) -> LearnerDashboard | None:
    """The learner's own dashboard; None for someone the bot has never met."""
    user = await storage.users.get(user_id)
    if user is None:
        return None
    report = await progress_report(storage, bank, user, now)
    missed = []
    for answer in await storage.dashboard.missed(user_id, MISSED_LIMIT):
        item = bank.item(answer.item_id)
        if not isinstance(item, McqItem):
            continue  # a self-graded card or prompt, or a question a reload removed
        missed.append(
            MissedQuestion(
                item_id=item.id,
                deck=bank.deck_of(item.id).title,
                question=item.question,
                options=tuple(item.options),
                correct=item.correct,
                explanation=item.explanation,
                misses=answer.misses,
                last_missed_at=answer.last_missed_at,
            )
        )
    return LearnerDashboard(user.first_name, report, tuple(missed))


class QuizRefused(Exception):
    """The learner asked for a question that is not a quiz question of the bank."""


async def send_missed_quiz(
    bank: ContentBank, actions: ChatActions, user_id: int, item_id: str
) -> bool:
    """Send one question again as a quiz poll in the learner's private chat; False when
    Telegram would not deliver it."""
    if not isinstance(bank.item(item_id), McqItem):
        raise QuizRefused(item_id)
    return await actions.send_quiz(user_id, item_id)


# ---- teacher ------------------------------------------------------------------------------


class NotAdmin(Exception):
    """The caller does not administer this group (as Telegram says, cached a minute)."""


@dataclass(frozen=True)
class DeckChoice:
    id: str
    title: str


@dataclass(frozen=True)
class GroupSummary:
    member_count: int | None  # getChatMemberCount, humans and bots; None if Telegram refused
    played_ever: int
    played_this_week: int
    never_played: tuple[KnownMember, ...]  # seen joining, never played (first of them)
    never_played_known: int  # how many such members the bot knows of
    unseen: int | None  # members the bot has neither seen join nor play
    weeks: tuple[str, ...]  # Mondays (YYYY-MM-DD) with a round, latest first
    decks: tuple[DeckChoice, ...]


async def group_summary(
    storage: Storage,
    bank: ContentBank,
    actions: ChatActions,
    chat_id: int,
    now: datetime,
) -> GroupSummary:
    rounds = await storage.dashboard.rounds(chat_id)
    weeks = sorted({period_of(r.started_at) for r in rounds}, reverse=True)
    played_ever = await storage.dashboard.played(chat_id, ALL_TIME)
    never, never_count = await storage.roster.never_played(chat_id, NEVER_PLAYED_SHOWN)
    count = await actions.member_count(chat_id)
    unseen = None
    if count is not None:
        # The count includes this bot; players who left since are no longer in it.
        present_players = played_ever - await storage.roster.left_players(chat_id)
        unseen = max(0, count - 1 - present_players - never_count)
    return GroupSummary(
        member_count=count,
        played_ever=played_ever,
        played_this_week=await storage.dashboard.played(chat_id, period_of(now)),
        never_played=tuple(never),
        never_played_known=never_count,
        unseen=unseen,
        weeks=tuple(weeks),
        decks=tuple(DeckChoice(deck.id, deck.title) for deck in bank.decks if deck.mcqs),
    )


@dataclass(frozen=True)
class QuestionColumn:
    item_id: str
    text: str
    answers: int
    right: int


@dataclass(frozen=True)
class StudentLine:
    user_id: int
    first_name: str
    right: int
    points: int
    last_active: datetime | None
    # One per column: "right" (every answer right), "wrong" (any answer wrong), None: none.
    cells: tuple[Literal["right", "wrong"] | None, ...]


@dataclass(frozen=True)
class Matrix:
    week: str | None
    deck_id: str | None
    sort: SortKey
    descending: bool
    offset: int
    total_students: int
    questions: tuple[QuestionColumn, ...]
    students: tuple[StudentLine, ...]


class BadFilter(Exception):
    """A week or deck the group does not have, or a page out of range."""


def _week_bounds(week: str) -> tuple[datetime, datetime]:
    try:
        day = date.fromisoformat(week)
    except ValueError:
        raise BadFilter(f"week {week!r}") from None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if week_start(start) != start:
        raise BadFilter(f"week {week!r} is not a Monday")
    return start, start + timedelta(days=7)


async def group_matrix(
    storage: Storage,
    bank: ContentBank,
    chat_id: int,
    *,
    week: str | None,
    deck_id: str | None,
    sort: SortKey,
    descending: bool,
    offset: int,
    limit: int,
) -> Matrix:
    """Students × questions: a page of students (sorted by points, right answers or name),
    each question the group was asked (in the week, of the deck) as a column."""
    if not 1 <= limit <= PAGE_MAX or offset < 0:
        raise BadFilter("page")
    deck_items: set[str] | None = None
    if deck_id is not None:
        deck = bank.deck(deck_id)
        if deck is None:
            raise BadFilter(f"deck {deck_id!r}")
        deck_items = {item.id for item in deck.items}
    bounds = _week_bounds(week) if week is not None else None
    totals = await storage.dashboard.question_totals(chat_id, week)
    # Columns in the order the rounds asked them; a question asked in no round still
    # listed (a round a reload changed) comes last.
    order: dict[str, int] = {}
    for round_ in await storage.dashboard.rounds(chat_id):
        for item_id in round_.item_ids:
            order.setdefault(item_id, len(order))
    asked = sorted(
        (i for i in totals if deck_items is None or i in deck_items),
        key=lambda item_id: (order.get(item_id, len(order)), item_id),
    )
    columns = tuple(
        QuestionColumn(item_id, _question_text(bank, item_id), cell.answers, cell.right)
        for item_id in asked
        if (cell := totals[item_id]).answers
    )
    students, total = await storage.dashboard.students(
        chat_id, week, sort, descending, offset, limit
    )
    ids = [student.user_id for student in students]
    item_ids = [column.item_id for column in columns]
    if bounds is None:
        cells = await storage.dashboard.cells(chat_id, ids, item_ids)
    else:
        cells = await storage.dashboard.cells(chat_id, ids, item_ids, bounds[0], bounds[1])
    last = await storage.dashboard.last_active(chat_id, ids)
    lines = tuple(
        StudentLine(
            user_id=s.user_id,
            first_name=s.first_name,
            right=s.right,
            points=s.points,
            last_active=last.get(s.user_id),
            cells=tuple(_mark(cells.get((s.user_id, column.item_id))) for column in columns),
        )
        for s in students
    )
    return Matrix(week, deck_id, sort, descending, offset, total, columns, lines)


def _mark(cell: Cell | None) -> Literal["right", "wrong"] | None:
    if cell is None or cell.answers == 0:
        return None
    return "right" if cell.right == cell.answers else "wrong"


def _question_text(bank: ContentBank, item_id: str) -> str:
    item = bank.item(item_id)
    if item is None:
        return item_id  # removed by a reload since: its id is all there is
    return item.front if isinstance(item, CardItem) else item.question


@dataclass(frozen=True)
class StudentTrend:
    user_id: int
    first_name: str
    weeks: tuple[WeekTotal, ...]


async def student_trend(storage: Storage, chat_id: int, user_id: int) -> StudentTrend | None:
    """One member's challenge results per week here; None if they never played here."""
    name = await storage.dashboard.is_player(chat_id, user_id)
    if name is None:
        return None
    weeks = await storage.dashboard.week_totals(chat_id, user_id)
    return StudentTrend(user_id, name, tuple(weeks))


CSV_HEADER = ("user_id", "first_name", "question_id", "deck", "question", "answers", "right")


async def results_csv(storage: Storage, bank: ContentBank, chat_id: int) -> AsyncIterator[bytes]:
    """The group's results, one line per (member, question), for a gradebook; UTF-8 with a
    byte order mark so spreadsheet programs read the names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for batch in storage.dashboard.results(chat_id):
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            item = bank.item(row.item_id)
            deck = bank.deck_of(row.item_id).id if item is not None else ""
            writer.writerow(
                (
                    row.user_id,
                    _spreadsheet_safe(row.first_name),
                    row.item_id,
                    deck,
                    _spreadsheet_safe(_question_text(bank, row.item_id)),
                    row.answers,
                    row.right,
                )
            )
        yield buffer.getvalue().encode()


def _spreadsheet_safe(text: str) -> str:
    """A name such as "=HYPERLINK(…)" stays text in a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class ChallengeRefused(Exception):
    """No such deck, or the deck has no quiz questions."""


async def start_group_challenge(
    bank: ContentBank,
    actions: ChatActions,
    chat_id: int,
    user_id: int,
    first_name: str,
    deck_id: str,
) -> bool:
    """Start a round in the group from this deck; False when one is already running."""
    deck = bank.deck(deck_id)
    if deck is None or not deck.mcqs:
        raise ChallengeRefused(deck_id)
    return await actions.start_challenge(chat_id, user_id, first_name, deck_id)

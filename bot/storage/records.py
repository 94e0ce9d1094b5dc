"""Typed values the repositories hand out and take in (never raw rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class User:
    user_id: int
    first_name: str
    username: str | None
    active: bool
    active_deck: str | None
    last_item_id: str | None
    timezone: str | None
    daily_time: str | None
    daily_size: int
    desired_retention: float
    last_daily_date: str | None


@dataclass(frozen=True)
class SentPoll:
    poll_id: str
    chat_id: int
    message_id: int
    item_id: str
    option_order: tuple[int, ...]  # content index of the option shown at each position
    sent_at: datetime
    context: str
    session_id: int | None = None
    open_period: int | None = None

    def content_index(self, shown_position: int) -> int:
        return self.option_order[shown_position]


@dataclass(frozen=True)
class NewAnswer:
    user_id: int
    item_id: str
    chat_id: int
    grade: str
    correct: bool
    answered_at: datetime
    context: str
    poll_id: str | None = None
    chosen_option: int | None = None
    seconds: float | None = None
    session_id: int | None = None
    points: int = 0
    message_id: int | None = None  # the card or prompt message graded (one grade each)


@dataclass(frozen=True)
class Answer:
    user_id: int
    item_id: str
    chat_id: int
    correct: bool
    answered_at: datetime
    context: str
    session_id: int | None
    seconds: float | None
    points: int


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    kind: str
    deck_id: str
    item_ids: tuple[str, ...]
    position: int
    started_at: datetime
    finished_at: datetime | None

    @property
    def next_item_id(self) -> str | None:
        return self.item_ids[self.position] if self.position < len(self.item_ids) else None


@dataclass(frozen=True)
class DeckStats:
    deck_id: str
    answers: int
    correct: int
    items_seen: int

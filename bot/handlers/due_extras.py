"""Flashcards and explain prompts due: left out of the daily quiz, offered after it.

Daily revision is quiz polls only; what else is due is counted at the summary and
offered with one button, which opens a review session of those cards and prompts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.content.models import CardItem, ContentBank, PromptItem
from bot.domain.daily import MAX_SESSION_SIZE, next_prompt_at
from bot.domain.memory import MemoryState, recall_probability
from bot.domain.planner import is_due_by
from bot.domain.timezones import parse_timezone
from bot.handlers.callbacks import ReviewDue
from bot.storage.records import User


def next_prompt_for(user: User | None, now: datetime) -> datetime:
    """The learner's next daily prompt; a day from now when daily revision is off."""
    if user is None or user.daily_time is None:
        return now + timedelta(days=1)
    return next_prompt_at(user.daily_time, parse_timezone(user.timezone), now)


def due_cards_and_prompts(
    bank: ContentBank, memories: Mapping[str, MemoryState], now: datetime, next_prompt: datetime
) -> list[CardItem | PromptItem]:
    """Seen cards and prompts (any deck) due before the next prompt, most forgotten first."""
    due: list[CardItem | PromptItem] = []
    for item_id, memory in memories.items():
        item = bank.item(item_id)
        if isinstance(item, CardItem | PromptItem) and is_due_by(memory, next_prompt):
            due.append(item)
    due.sort(key=lambda item: recall_probability(memories[item.id], now))
    return due[:MAX_SESSION_SIZE]


def extras_keyboard(due: list[CardItem | PromptItem]) -> InlineKeyboardMarkup | None:
    if not due:
        return None
    cards = sum(1 for item in due if isinstance(item, CardItem))
    label = render.due_extras_button(cards, len(due) - cards)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=ReviewDue().pack())]])

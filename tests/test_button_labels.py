"""Buttons fit a phone (issue 16, item 16): every button label, in every language, for every
count, within `BUTTON_LIMIT` display cells (30), or `FULL_ROW_LIMIT` (40) for a button alone
on its row (see bot/render/buttons.py for why). Checked on the keyboards the bot sends."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup

from bot import i18n, render
from bot.content.models import CardItem, ContentBank, McqItem
from bot.flows.sessions import DailySummary
from bot.handlers.chat_rules import private_chat_keyboard
from bot.handlers.delivery import after_answer_keyboard, card_grade_keyboard, prompt_keyboard
from bot.handlers.sessions import extras_keyboard
from bot.render import BUTTON_LIMIT, FULL_ROW_LIMIT, fit_label, label_width
from tests.fakes.telegram_server import BOT_USERNAME

COUNTS = (0, 1, 2, 5, 11, 21, 101, 1000)
GRADES = ("again", "hard", "good", "easy")


def label_functions() -> dict[str, Callable[..., str]]:
    """Every render function that makes a button label (by name: `*_button`, `grade_label`)."""
    return {
        name: function
        for name, function in vars(render).items()
        if callable(function)
        and (name.endswith("_button") or name == "grade_label")
        and name not in ("concept_button", "deck_button")  # content: checked below
    }


def samples(name: str, function: Callable[..., str]) -> Iterator[tuple[Any, ...]]:
    parameters = list(inspect.signature(function).parameters.values())
    if name == "grade_label":
        yield from ((grade,) for grade in GRADES)
        return
    if name == "grade_button":  # the grade and when the card comes back: "Good · 3 d"
        spans = [None, *(timedelta(minutes=m) for m in (1, 10, 59)), timedelta(hours=23)]
        spans += [timedelta(days=d) for d in (1, 3, 30, 365, 36_500)]
        yield from itertools.product(GRADES, spans)
        return
    assert all(parameter.annotation in ("int", int) for parameter in parameters), (
        f"add samples for {name}{inspect.signature(function)} to this test"
    )
    for values in itertools.product(COUNTS, repeat=len(parameters)):
        if len(values) > 1 and not any(values):
            continue  # nothing to label
        yield values


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_label_the_bot_writes_fits_beside_another(language: str) -> None:
    too_long = []
    functions = label_functions()
    assert {"due_extras_button", "grade_label", "next_button", "forget_yes_button"} <= set(
        functions
    )
    with i18n.language(language):
        for name, function in functions.items():
            for args in samples(name, function):
                label = function(*args)
                if label_width(label) > BUTTON_LIMIT:
                    too_long.append(f"{name}{args}: {label!r} ({label_width(label)} cells)")
    assert too_long == []


def rows(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    assert markup is not None
    return [[button.text for button in row] for row in markup.inline_keyboard]


def check(markup: InlineKeyboardMarkup | None) -> list[str]:
    """Labels over their limit: 30 cells beside others, 40 alone on a row."""
    problems = []
    for row in rows(markup):
        limit = FULL_ROW_LIMIT if len(row) == 1 else BUTTON_LIMIT
        problems += [f"{label!r} > {limit}" for label in row if label_width(label) > limit]
    return problems


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_keyboard_the_bot_sends_fits(language: str, bank: ContentBank) -> None:
    problems: list[str] = []
    with i18n.language(language):
        for deck in bank.decks:
            for item in deck.items:
                if isinstance(item, McqItem):
                    problems += check(after_answer_keyboard(item))
                elif isinstance(item, CardItem):
                    problems += check(card_grade_keyboard(item))
                else:
                    for ticked in (False, True):
                        problems += check(prompt_keyboard(item, [ticked] * len(item.key_concepts)))
            problems += [
                f"deck {deck.title!r}"
                for deck in bank.decks
                if label_width(render.deck_button(deck)) > FULL_ROW_LIMIT
            ]
        cards, prompts = bank.default_deck.cards, bank.default_deck.prompts
        for extras in ([*cards[:2], *prompts[:1]], cards[:1], prompts[:3]):
            problems += check(
                extras_keyboard(DailySummary(right=1, answered=2, streak=1, extras=list(extras)))
            )
        problems += check(private_chat_keyboard(BOT_USERNAME, "quiz"))
    assert problems == []


def test_the_complaint_fits_now() -> None:
    """'2 flashcards and 1 explain prompt due — review them' was cut off."""
    assert render.due_extras_button(2, 1) == "Review: 🃏 2 · 💬 1"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short", 30, "Short"),
        (
            "ML pipelines add model training, evaluation and retraining",
            37,
            "ML pipelines add model training…",
        ),
        ("Supercalifragilisticexpialidocious" * 2, 10, "Supercali…"),
    ],
)
def test_a_long_label_is_cut_at_a_word(text: str, limit: int, expected: str) -> None:
    cut = fit_label(text, limit)
    assert label_width(cut) <= limit
    assert cut == expected


def test_wide_characters_count_twice() -> None:
    assert label_width("🃏 2") == 4
    assert label_width("▫️ a") == 3  # the variation selector takes no cell
    assert label_width("日本") == 4

"""Why an item was sent, and so what its answer is part of: stored with every answer (its
`context`) and every sent poll, and the kind of every session."""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    QUIZ = "quiz"  # /quiz: one question, feedback after the answer
    CARDS = "cards"  # /cards: a session of a few flashcards (or a card's button outside one)
    PROMPT = "prompt"  # /prompt outside a session
    CHALLENGE = "challenge"  # a group round: timed, speed-scored
    TEST = "test"  # /test: a session of ten questions, easy to hard
    DAILY = "daily"  # the daily revision session
    REVIEW = "review"  # the cards and prompts due, opened from the daily summary


SESSION_KINDS = (Purpose.DAILY, Purpose.TEST, Purpose.REVIEW, Purpose.CARDS)

"""Typed callback data: every button kind packs within Telegram's 64 bytes, unpacks to what it
packed, and refuses data of another kind, forged fields, and items the bank does not have."""

from __future__ import annotations

import pytest

from bot.content.models import CardItem, ContentBank, McqItem, PromptItem
from bot.domain.memory import Grade
from bot.handlers.callbacks import (
    CallbackData,
    ChooseDeck,
    ConfirmForget,
    ExplainItem,
    FinishPrompt,
    GradeCard,
    MoreQuestions,
    QuizNext,
    ReviewDue,
    ShowCard,
    TickConcept,
)

KINDS: list[type[CallbackData]] = [
    QuizNext,
    ReviewDue,
    ExplainItem,
    ShowCard,
    GradeCard,
    TickConcept,
    FinishPrompt,
    ChooseDeck,
    ConfirmForget,
    MoreQuestions,
]


def examples(bank: ContentBank) -> list[CallbackData]:
    items = [item for deck in bank.decks for item in deck.items]
    card = next(item for item in items if isinstance(item, CardItem))
    prompt = next(item for item in items if isinstance(item, PromptItem))
    question = next(item for item in items if isinstance(item, McqItem))
    ticks = tuple(index % 2 == 0 for index in range(len(prompt.key_concepts)))
    return [
        QuizNext(),
        ReviewDue(),
        ExplainItem(question),
        ShowCard(card),
        *(GradeCard(grade, card) for grade in Grade),
        TickConcept(prompt, ticks),
        FinishPrompt(prompt, ticks),
        ChooseDeck(bank.default_deck),
        ConfirmForget(confirmed=True),
        ConfirmForget(confirmed=False),
        MoreQuestions(session_id=999_999_999, position=105),
    ]


def test_every_kind_has_its_own_prefix() -> None:
    prefixes = [kind.prefix for kind in KINDS]
    assert len(set(prefixes)) == len(prefixes)


def test_pack_unpack_round_trip_within_64_bytes(bank: ContentBank) -> None:
    for data in examples(bank):
        packed = data.pack()
        assert len(packed.encode()) <= 64, packed
        assert type(data).unpack(packed, bank) == data
        assert type(data).pattern().match(packed)
        others = [kind for kind in KINDS if kind is not type(data)]
        assert not any(kind.pattern().match(packed) for kind in others), packed
        assert all(kind.unpack(packed, bank) is None for kind in others), packed


@pytest.mark.parametrize(
    ("kind", "forged"),
    [
        (QuizNext, "qn:1"),
        (ExplainItem, "ex:no-such-item"),
        (ExplainItem, "ex:"),
        (ShowCard, "cs"),
        (GradeCard, "cg:perfect:x"),
        (TickConcept, "pt:-1:x"),
        (TickConcept, "pt:１:x"),
        (ChooseDeck, "dk:nope"),
        (ConfirmForget, "fg:maybe"),
        (MoreQuestions, "mq:12"),
        (MoreQuestions, "mq:-1:5"),
        (MoreQuestions, "mq:1:x"),
    ],
)
def test_forged_data_unpacks_to_nothing(
    bank: ContentBank, kind: type[CallbackData], forged: str
) -> None:
    assert kind.unpack(forged, bank) is None


def test_a_mask_naming_concepts_the_prompt_lacks_is_refused(bank: ContentBank) -> None:
    prompt = next(
        item for deck in bank.decks for item in deck.items if isinstance(item, PromptItem)
    )
    beyond = 1 << len(prompt.key_concepts)
    assert TickConcept.unpack(f"pt:{beyond}:{prompt.id}", bank) is None
    assert TickConcept.unpack(f"pt:{beyond - 1}:{prompt.id}", bank) is not None

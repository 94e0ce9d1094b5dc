"""The deck schema itself: limits at their boundary, defaults, and the ContentBank index."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.content import models
from bot.content.models import (
    CardItem,
    ContentBank,
    Deck,
    Difficulty,
    McqItem,
    PromptItem,
)


def mcq_data(item_id: str = "t-q1", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "mcq",
        "id": item_id,
        "question": "Which one?",
        "options": ["Alpha", "Beta", "Gamma"],
        "correct": "Beta",
        "difficulty": "medium",
        "explanation": "Because.",
    }
    data.update(overrides)
    return data


def prompt_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "prompt",
        "id": "t-p1",
        "question": "Explain it.",
        "think_about": "Think.",
        "key_concepts": ["One", "Two"],
    }
    data.update(overrides)
    return data


def errors_of(model: type[Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return list(raised.value.errors())


def make_deck(deck_id: str, title: str, item_ids: list[str], order: int = 100) -> Deck:
    return Deck.model_validate(
        {
            "id": deck_id,
            "title": title,
            "description": "d",
            "order": order,
            "items": [mcq_data(item_id) for item_id in item_ids],
        }
    )


def test_limits_match_telegram_poll_limits() -> None:
    assert models.POLL_QUESTION_MAX == 300
    assert models.POLL_OPTION_MAX == 100
    assert (models.POLL_OPTIONS_MIN, models.POLL_OPTIONS_MAX) == (2, 12)
    assert models.EXPLANATION_MAX == 200
    assert models.EXPLANATION_LINE_FEEDS_MAX == 2


@pytest.mark.parametrize(
    ("field", "at_limit", "over_limit"),
    [
        ("question", "q" * 300, "q" * 301),
        ("explanation", "e" * 200, "e" * 201),
    ],
)
def test_mcq_text_is_accepted_at_the_limit_and_rejected_one_over(
    field: str, at_limit: str, over_limit: str
) -> None:
    assert getattr(McqItem.model_validate(mcq_data(**{field: at_limit})), field) == at_limit
    (error,) = errors_of(McqItem, mcq_data(**{field: over_limit}))
    assert error["loc"] == (field,)
    assert str(len(over_limit)) in error["msg"]


def test_option_of_exactly_100_chars_is_accepted() -> None:
    option = "o" * 100
    item = McqItem.model_validate(mcq_data(options=[option, "b"], correct=option))
    assert item.options[0] == option


@pytest.mark.parametrize("count", [2, 12])
def test_two_to_twelve_options_are_accepted(count: int) -> None:
    options = [f"opt {n}" for n in range(count)]
    assert len(McqItem.model_validate(mcq_data(options=options, correct="opt 1")).options) == count


@pytest.mark.parametrize("count", [0, 1, 13])
def test_option_count_outside_2_to_12_is_rejected(count: int) -> None:
    options = [f"opt {n}" for n in range(count)]
    errors = errors_of(McqItem, mcq_data(options=options, correct="opt 0"))
    assert errors[0]["loc"] == ("options",)
    assert f"has {count} options" in errors[0]["msg"]


def test_whitespace_is_stripped_before_limits_and_comparisons() -> None:
    item = McqItem.model_validate(
        mcq_data(
            question="  " + "q" * 300 + "\n",
            options=["  Alpha ", "Beta"],
            correct="Alpha",
            explanation="\n\nshort\n\n",
        )
    )
    assert item.question == "q" * 300
    assert item.options == ["Alpha", "Beta"]
    assert item.explanation == "short"
    assert item.correct_index == 0


def test_blank_text_is_rejected() -> None:
    (error,) = errors_of(McqItem, mcq_data(explanation="   "))
    assert error["loc"] == ("explanation",)


def test_correct_index_is_the_position_of_the_correct_option() -> None:
    assert McqItem.model_validate(mcq_data()).correct_index == 1


def test_duplicate_options_after_stripping_are_rejected() -> None:
    errors = errors_of(McqItem, mcq_data(options=["Alpha", "Alpha "], correct="Alpha"))
    assert "duplicate option 'Alpha'" in errors[0]["msg"]


def test_options_are_case_sensitive_so_case_variants_are_not_duplicates() -> None:
    item = McqItem.model_validate(mcq_data(options=["Alpha", "alpha"], correct="alpha"))
    assert item.correct_index == 1


def test_unknown_difficulty_is_rejected() -> None:
    (error,) = errors_of(McqItem, mcq_data(difficulty="extreme"))
    assert error["loc"] == ("difficulty",)


def test_items_are_frozen() -> None:
    item = McqItem.model_validate(mcq_data())
    with pytest.raises(ValidationError):
        item.question = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("item_id", ["ab", "a1", "9-lives", "x" * 40])
def test_item_id_pattern_accepts_lowercase_digits_hyphens_up_to_40(item_id: str) -> None:
    assert McqItem.model_validate(mcq_data(item_id)).id == item_id


@pytest.mark.parametrize("item_id", ["a", "x" * 41, "-ab", "Ab", "a_b", "a.b", "ä-b"])
def test_item_id_pattern_rejects_everything_else(item_id: str) -> None:
    (error,) = errors_of(McqItem, mcq_data(item_id))
    assert error["loc"] == ("id",)


def test_solution_needs_at_least_one_step() -> None:
    solution = {"steps": [], "final_answer": "Beta", "quick_check": "c", "hint": "h"}
    errors = errors_of(McqItem, mcq_data(solution=solution))
    assert errors[0]["loc"] == ("solution", "steps")


def test_solution_common_mistakes_default_to_empty() -> None:
    solution = {
        "steps": [{"title": "t", "detail": "d"}],
        "final_answer": "Beta",
        "quick_check": "c",
        "hint": "h",
    }
    item = McqItem.model_validate(mcq_data(solution=solution))
    assert item.solution is not None
    assert item.solution.common_mistakes == []


def test_card_defaults_to_easy_and_limits_each_side_to_1000() -> None:
    card = CardItem.model_validate({"kind": "card", "id": "t-c1", "front": "f", "back": "b"})
    assert card.difficulty is Difficulty.EASY
    (error,) = errors_of(CardItem, {"kind": "card", "id": "t-c1", "front": "f", "back": "b" * 1001})
    assert error["loc"] == ("back",)
    assert "1000" in error["msg"]


def test_prompt_defaults_to_medium() -> None:
    assert PromptItem.model_validate(prompt_data()).difficulty is Difficulty.MEDIUM


@pytest.mark.parametrize("count", [0, 9])
def test_prompt_needs_1_to_8_key_concepts(count: int) -> None:
    (error,) = errors_of(PromptItem, prompt_data(key_concepts=[f"c{n}" for n in range(count)]))
    assert error["loc"] == ("key_concepts",)


def test_prompt_key_concept_over_60_chars_is_rejected() -> None:
    (error,) = errors_of(PromptItem, prompt_data(key_concepts=["ok", "c" * 61]))
    assert "concept 2 is 61 characters, the limit is 60" in error["msg"]


def test_prompt_question_over_500_chars_is_rejected() -> None:
    PromptItem.model_validate(prompt_data(question="q" * 500))
    (error,) = errors_of(PromptItem, prompt_data(question="q" * 501))
    assert "500" in error["msg"]


def test_deck_title_over_64_chars_is_rejected() -> None:
    errors = errors_of(
        Deck, {"id": "d1", "title": "t" * 65, "description": "d", "items": [mcq_data()]}
    )
    assert [e["loc"] for e in errors] == [("title",)]


def test_deck_splits_items_by_kind_in_deck_order() -> None:
    deck = Deck.model_validate(
        {
            "id": "mixed",
            "title": "Mixed",
            "description": "d",
            "items": [
                mcq_data("q-one"),
                {"kind": "card", "id": "c-one", "front": "f", "back": "b"},
                prompt_data(id="p-one"),
                mcq_data("q-two"),
            ],
        }
    )
    assert [i.id for i in deck.mcqs] == ["q-one", "q-two"]
    assert [i.id for i in deck.cards] == ["c-one"]
    assert [i.id for i in deck.prompts] == ["p-one"]
    assert deck.order == 100


def test_bank_indexes_items_and_decks() -> None:
    first = make_deck("alpha", "Alpha basics", ["a-one", "a-two"], order=1)
    second = make_deck("beta", "Beta advanced", ["b-one"])
    bank = ContentBank([first, second])
    assert bank.deck("beta") is second
    assert bank.deck("gamma") is None
    item = bank.item("b-one")
    assert item is not None and item.id == "b-one"
    assert bank.item("nope") is None
    assert bank.deck_of("a-two") is first
    assert bank.default_deck is first


@pytest.mark.parametrize(
    ("query", "expected"),
    [("beta", "beta"), ("  BET ", "beta"), ("alp", "alpha"), ("beta adv", "beta"), ("zzz", None)],
)
def test_find_deck_by_id_or_case_insensitive_prefix(query: str, expected: str | None) -> None:
    bank = ContentBank(
        [make_deck("alpha", "Alpha basics", ["a-one"]), make_deck("beta", "Beta advanced", ["b-1"])]
    )
    found = bank.find_deck(query)
    assert (found.id if found else None) == expected


def test_find_deck_prefers_an_exact_id_over_a_prefix_of_an_earlier_deck() -> None:
    bank = ContentBank(
        [make_deck("ab-long", "First", ["x-one"]), make_deck("ab", "Second", ["y-one"])]
    )
    found = bank.find_deck("ab")
    assert found is not None and found.id == "ab"

"""The ten-question exam: the easy/medium/hard mix, filling short levels, and the verdict."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bot.content.models import ContentBank, Difficulty, McqItem
from bot.domain.exam import EXAM_MIX, EXAM_SIZE, LevelScore, pick_exam, score_exam

EASY, MEDIUM, HARD = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD


def question(item_id: str, difficulty: Difficulty) -> McqItem:
    return McqItem(
        kind="mcq",
        id=item_id,
        question=f"Question {item_id}?",
        options=["Right", "Wrong"],
        correct="Right",
        difficulty=difficulty,
        explanation="Because.",
    )


def deck_of(easy: int, medium: int, hard: int) -> list[McqItem]:
    return [
        *(question(f"easy-{n}", EASY) for n in range(easy)),
        *(question(f"medium-{n}", MEDIUM) for n in range(medium)),
        *(question(f"hard-{n}", HARD) for n in range(hard)),
    ]


def levels_of(ids: list[str]) -> Counter[str]:
    return Counter(item_id.split("-")[0] for item_id in ids)


def test_exam_mix_is_three_four_three() -> None:
    assert EXAM_SIZE == 10
    assert EXAM_MIX == {EASY: 3, MEDIUM: 4, HARD: 3}


@pytest.mark.parametrize("seed", range(5))
def test_full_deck_gives_ten_distinct_ids_across_levels_easy_to_hard(seed: int) -> None:
    questions = deck_of(8, 8, 8)
    ids = pick_exam(questions, random.Random(seed))
    assert len(ids) == 10
    assert len(set(ids)) == 10
    assert set(ids) <= {q.id for q in questions}
    assert levels_of(ids) == {"easy": 3, "medium": 4, "hard": 3}
    order = {"easy": 0, "medium": 1, "hard": 2}
    ranks = [order[item_id.split("-")[0]] for item_id in ids]
    assert ranks == sorted(ranks)


def test_the_same_seed_gives_the_same_exam_and_questions_are_shuffled() -> None:
    questions = deck_of(8, 8, 8)
    assert pick_exam(questions, random.Random(3)) == pick_exam(questions, random.Random(3))
    exams = {tuple(pick_exam(questions, random.Random(seed))) for seed in range(10)}
    assert len(exams) > 1


def test_a_short_level_is_filled_from_the_other_levels() -> None:
    ids = pick_exam(deck_of(6, 6, 1), random.Random(1))
    assert len(ids) == 10
    assert levels_of(ids) == {"easy": 5, "medium": 4, "hard": 1}


def test_a_missing_level_is_filled_from_the_others() -> None:
    ids = pick_exam(deck_of(3, 10, 0), random.Random(1))
    assert len(ids) == 10
    assert levels_of(ids) == {"easy": 3, "medium": 7}


def test_fill_goes_to_the_next_level_when_the_first_runs_out_too() -> None:
    ids = pick_exam(deck_of(4, 6, 1), random.Random(1))
    assert levels_of(ids) == {"easy": 4, "medium": 5, "hard": 1}


@pytest.mark.parametrize(("easy", "medium", "hard"), [(1, 1, 1), (0, 4, 0), (2, 3, 4), (0, 0, 0)])
def test_never_more_than_the_deck_holds(easy: int, medium: int, hard: int) -> None:
    questions = deck_of(easy, medium, hard)
    ids = pick_exam(questions, random.Random(1))
    assert sorted(ids) == sorted(q.id for q in questions)


def test_larger_size_takes_more_when_the_deck_has_them() -> None:
    ids = pick_exam(deck_of(8, 8, 8), random.Random(1), size=12)
    assert len(ids) == 12
    assert len(set(ids)) == 12


def test_smaller_size_gives_at_most_size_ids() -> None:
    assert len(pick_exam(deck_of(8, 8, 8), random.Random(1), size=5)) == 5


def test_shipped_decks_give_a_full_exam(bank: ContentBank) -> None:
    for deck in bank.decks:
        ids = pick_exam(deck.mcqs, random.Random(0))
        assert len(ids) == min(10, len(deck.mcqs))
        assert len(set(ids)) == len(ids)
        assert {bank.deck_of(item_id).id for item_id in ids} == {deck.id}


# --- scoring ----------------------------------------------------------------------


def test_score_counts_per_level_and_lists_missed_ids_in_exam_order() -> None:
    asked = deck_of(3, 4, 3)
    correct = {q.id: True for q in asked}
    correct.update({"easy-1": False, "hard-0": False, "hard-2": False})
    result = score_exam(asked, correct)
    assert result.levels == (
        LevelScore(EASY, 2, 3),
        LevelScore(MEDIUM, 4, 4),
        LevelScore(HARD, 1, 3),
    )
    assert (result.right, result.total) == (7, 10)
    assert result.missed == ("easy-1", "hard-0", "hard-2")


def test_unanswered_questions_count_as_missed() -> None:
    asked = deck_of(1, 1, 1)
    result = score_exam(asked, {"easy-0": True})
    assert result.right == 1
    assert result.missed == ("medium-0", "hard-0")


def test_answers_to_questions_not_asked_are_ignored() -> None:
    result = score_exam(deck_of(1, 0, 0), {"easy-0": True, "other": True})
    assert (result.right, result.total) == (1, 1)


def test_nine_of_ten_with_every_level_at_least_half_is_strong() -> None:
    asked = deck_of(3, 4, 3)
    correct = {q.id: q.id != "hard-0" for q in asked}
    assert score_exam(asked, correct).strong is True


def test_eight_of_ten_exactly_is_strong() -> None:
    asked = deck_of(3, 4, 3)
    correct = {q.id: q.id not in {"easy-0", "hard-0"} for q in asked}
    result = score_exam(asked, correct)
    assert result.right == 8
    assert result.strong is True


def test_seven_of_ten_needs_review() -> None:
    asked = deck_of(3, 4, 3)
    correct = {q.id: q.id not in {"easy-0", "medium-0", "hard-0"} for q in asked}
    assert score_exam(asked, correct).strong is False


def test_eighty_percent_overall_but_weak_on_hard_needs_review() -> None:
    asked = deck_of(4, 4, 2)
    correct = {q.id: not q.id.startswith("hard") for q in asked}
    result = score_exam(asked, correct)
    assert result.right / result.total == 0.8
    assert result.strong is False


def test_a_level_with_no_questions_does_not_block_a_strong_verdict() -> None:
    asked = deck_of(5, 5, 0)
    result = score_exam(asked, {q.id: True for q in asked})
    assert result.levels[2] == LevelScore(HARD, 0, 0)
    assert result.strong is True


def test_an_empty_exam_is_not_strong() -> None:
    result = score_exam([], {})
    assert (result.right, result.total, result.missed) == (0, 0, ())
    assert result.strong is False

"""The FSRS wrapper: grading rules, schedules that grow, and the forgetting curve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from fsrs import State

from bot.content.models import Difficulty
from bot.domain.memory import (
    MAX_RETENTION,
    MIN_RETENTION,
    SLOW_ANSWER_SECONDS,
    Grade,
    MemoryState,
    forgetting_curve,
    grade_explain_prompt,
    grade_quiz_answer,
    is_due,
    is_leech,
    may_be_a_guess,
    recall_probability,
    review,
    validate_retention,
)
from bot.domain.progress import is_mastered

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_right_answers_at_each_due_date_push_the_next_due_date_further_out() -> None:
    memory: MemoryState | None = None
    now = START
    intervals = []
    for _ in range(6):
        memory = review(memory, "x", Grade.GOOD, now)
        intervals.append(memory.due - now)
        now = memory.due
    assert all(later > earlier for earlier, later in pairwise(intervals))
    assert intervals[-1] > timedelta(days=30)


def test_a_wrong_answer_is_due_sooner_than_a_right_one() -> None:
    wrong = review(None, "x", Grade.AGAIN, START)
    right = review(None, "x", Grade.GOOD, START)
    easy = review(None, "x", Grade.EASY, START)
    assert wrong.due < right.due < easy.due


@pytest.mark.parametrize("later", [timedelta(hours=1), timedelta(days=1), timedelta(days=7)])
def test_wrong_answer_gives_lower_recall_than_right_at_the_same_later_moment(
    later: timedelta,
) -> None:
    wrong = review(None, "x", Grade.AGAIN, START)
    right = review(None, "x", Grade.GOOD, START)
    moment = START + later
    assert recall_probability(wrong, moment) < recall_probability(right, moment)


def test_recall_falls_over_time_from_one_at_review() -> None:
    memory = review(None, "x", Grade.GOOD, START)
    values = [recall_probability(memory, START + timedelta(days=d)) for d in (0, 1, 3, 10, 60)]
    assert values[0] == pytest.approx(1.0)
    assert all(later < earlier for earlier, later in pairwise(values))
    assert 0.0 < values[-1] < 0.7


def test_recall_at_stability_days_is_ninety_percent() -> None:
    memory = review(None, "x", Grade.GOOD, START)
    assert memory.stability is not None
    moment = START + timedelta(days=memory.stability)
    assert recall_probability(memory, moment) == pytest.approx(0.9)


def test_recall_of_a_never_reviewed_item_is_zero() -> None:
    unseen = MemoryState("x", 0, 0, None, None, START, None)
    assert recall_probability(unseen, START) == 0.0


def test_recall_before_the_last_review_is_clamped_to_one() -> None:
    memory = review(None, "x", Grade.GOOD, START)
    assert recall_probability(memory, START - timedelta(days=2)) == pytest.approx(1.0)


def test_review_counts_reps_and_only_counts_lapses_after_the_first_review() -> None:
    first = review(None, "x", Grade.AGAIN, START)
    assert (first.reps, first.lapses) == (1, 0)
    second = review(first, "x", Grade.GOOD, START + timedelta(minutes=5))
    assert (second.reps, second.lapses) == (2, 0)
    third = review(second, "x", Grade.AGAIN, START + timedelta(days=1))
    assert (third.reps, third.lapses) == (3, 1)


def test_review_keeps_item_id_and_works_in_utc() -> None:
    local = START.astimezone(timezone(timedelta(hours=-5)))
    memory = review(None, "the-item", Grade.GOOD, local)
    assert memory.item_id == "the-item"
    assert memory.last_review == START
    assert memory.due.utcoffset() == timedelta(0)


def test_review_is_deterministic() -> None:
    assert review(None, "x", Grade.HARD, START) == review(None, "x", Grade.HARD, START)


def test_higher_retention_schedules_sooner() -> None:
    state = review(None, "x", Grade.GOOD, START)
    relaxed = review(state, "x", Grade.GOOD, state.due, desired_retention=MIN_RETENTION)
    strict = review(state, "x", Grade.GOOD, state.due, desired_retention=MAX_RETENTION)
    assert strict.due < relaxed.due


def test_is_due_from_the_due_moment_on() -> None:
    memory = review(None, "x", Grade.GOOD, START)
    assert not is_due(memory, memory.due - timedelta(seconds=1))
    assert is_due(memory, memory.due)
    assert is_due(memory, memory.due + timedelta(days=1))


# --- grading ----------------------------------------------------------------------


def test_slow_answer_thresholds_grow_with_difficulty() -> None:
    assert SLOW_ANSWER_SECONDS == {
        Difficulty.EASY: 20.0,
        Difficulty.MEDIUM: 40.0,
        Difficulty.HARD: 60.0,
    }


@pytest.mark.parametrize("difficulty", list(Difficulty))
def test_quiz_answer_grade_around_the_slow_threshold(difficulty: Difficulty) -> None:
    limit = SLOW_ANSWER_SECONDS[difficulty]
    known = _known()
    assert grade_quiz_answer(True, 0.5, difficulty, known) is Grade.GOOD
    assert grade_quiz_answer(True, limit, difficulty, known) is Grade.GOOD
    assert grade_quiz_answer(True, limit + 0.1, difficulty, known) is Grade.HARD
    assert grade_quiz_answer(True, None, difficulty, known) is Grade.GOOD


def _known() -> MemoryState:
    """An item answered right twice (out of its learning steps): a right answer is not luck."""
    first = review(None, "x", Grade.GOOD, START)
    return review(first, "x", Grade.GOOD, START + timedelta(days=1))


@pytest.mark.parametrize(
    ("seconds", "difficulty", "grade"),
    [
        (30.0, Difficulty.EASY, Grade.HARD),
        (30.0, Difficulty.MEDIUM, Grade.GOOD),
        (50.0, Difficulty.MEDIUM, Grade.HARD),
        (50.0, Difficulty.HARD, Grade.GOOD),
    ],
)
def test_the_same_time_is_slow_for_an_easy_question_but_not_for_a_hard_one(
    seconds: float, difficulty: Difficulty, grade: Grade
) -> None:
    assert grade_quiz_answer(True, seconds, difficulty, _known()) is grade


@pytest.mark.parametrize("seconds", [None, 1.0, 500.0])
def test_wrong_quiz_answer_is_again_however_fast(seconds: float | None) -> None:
    assert grade_quiz_answer(False, seconds, Difficulty.EASY) is Grade.AGAIN


@pytest.mark.parametrize(
    ("covered", "total", "grade"),
    [
        (4, 4, Grade.EASY),
        (3, 3, Grade.EASY),
        (2, 2, Grade.GOOD),
        (1, 1, Grade.GOOD),
        (3, 4, Grade.GOOD),
        (2, 4, Grade.HARD),
        (1, 2, Grade.HARD),
        (1, 3, Grade.AGAIN),
        (1, 4, Grade.AGAIN),
        (0, 4, Grade.AGAIN),
        (0, 1, Grade.AGAIN),
    ],
)
def test_explain_prompt_grade_follows_the_share_of_concepts(
    covered: int, total: int, grade: Grade
) -> None:
    assert grade_explain_prompt(covered, total) is grade


def test_explain_prompt_without_concepts_is_an_error() -> None:
    with pytest.raises(ValueError):
        grade_explain_prompt(0, 0)


@pytest.mark.parametrize("value", [MIN_RETENTION, 0.9, MAX_RETENTION])
def test_retention_within_bounds_is_accepted(value: float) -> None:
    assert validate_retention(value) == value


@pytest.mark.parametrize("value", [0.79, 0.98, 0.0, 1.0, -0.9])
def test_retention_outside_bounds_is_rejected(value: float) -> None:
    with pytest.raises(ValueError, match=r"between 0\.8 and 0\.97"):
        validate_retention(value)


def test_a_right_answer_on_first_sight_or_just_after_a_miss_counts_as_hard() -> None:
    # One time in four a learner who does not know a 4-option question is right anyway.
    assert grade_quiz_answer(True, 3.0, Difficulty.EASY, None) is Grade.HARD
    missed = review(None, "x", Grade.AGAIN, START)
    assert may_be_a_guess(missed)
    assert grade_quiz_answer(True, 3.0, Difficulty.EASY, missed) is Grade.HARD
    relapsed = review(_known(), "x", Grade.AGAIN, START + timedelta(days=5))
    assert grade_quiz_answer(True, 3.0, Difficulty.EASY, relapsed) is Grade.HARD
    assert not may_be_a_guess(_known())
    assert grade_quiz_answer(True, 3.0, Difficulty.EASY, None, guess_aware=False) is Grade.GOOD


def test_leech_after_the_configured_number_of_lapses() -> None:
    memory = _known()
    moment = START + timedelta(days=2)
    for lapse in range(1, 5):
        memory = review(memory, "x", Grade.AGAIN, moment)
        assert memory.lapses == lapse
        assert is_leech(memory, 4) is (lapse >= 4)
        assert is_leech(memory, 2) is (lapse >= 2)
        moment += timedelta(days=1)


def test_closed_form_curve_matches_recall_probability_and_fsrs_updates() -> None:
    curve = forgetting_curve()
    memory = _known()
    later = START + timedelta(days=9)
    assert memory.stability is not None and memory.difficulty is not None
    elapsed = (later - (memory.last_review or START)).total_seconds() / 86_400
    assert curve.recall(memory.stability, elapsed) == pytest.approx(
        recall_probability(memory, later)
    )
    # A whole-day gap: fsrs' own update (whole days) and the closed form agree.
    recall = curve.recall(memory.stability, 8.0)
    hit = review(memory, "x", Grade.GOOD, START + timedelta(days=9))
    miss = review(memory, "x", Grade.AGAIN, START + timedelta(days=9))
    assert hit.stability == pytest.approx(
        curve.stability_after_recall(memory.stability, memory.difficulty, recall), rel=1e-6
    )
    assert miss.stability == pytest.approx(
        curve.stability_after_lapse(memory.stability, memory.difficulty, recall), rel=1e-6
    )
    # The mean of the curve over an interval lies between its end values.
    mean = curve.mean_recall(memory.stability, 0.0, 30.0)
    assert curve.recall(memory.stability, 30.0) < mean < 1.0


def test_a_question_answered_right_day_after_day_leaves_learning_and_is_mastered() -> None:
    """Only the first right answer may be a guess: the next one is Good, so the question
    graduates, its intervals grow, and after weeks of right answers its memory lasts."""
    moment, memory = START, None
    grades = []
    for _ in range(8):
        grade = grade_quiz_answer(True, 3.0, Difficulty.EASY, memory)
        grades.append(grade)
        memory = review(memory, "x", grade, moment)
        moment = max(memory.due, moment + timedelta(days=1))
    assert grades[:2] == [Grade.HARD, Grade.GOOD] and set(grades[2:]) == {Grade.GOOD}
    assert memory is not None and memory.state == State.Review
    assert is_mastered(memory)
    # A miss puts it back: the next right answer may be luck again, the one after is not.
    missed = review(memory, "x", Grade.AGAIN, moment)
    assert grade_quiz_answer(True, 3.0, Difficulty.EASY, missed) is Grade.HARD
    hard = review(missed, "x", Grade.HARD, moment + timedelta(minutes=10))
    assert grade_quiz_answer(True, 3.0, Difficulty.EASY, hard) is Grade.GOOD

"""Half-life regression fitted to the bot's answers: the fit, its counts of recalls, the
choice of family by held-out log loss, and the planner's values under it."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bot.domain.fitting import (
    FSRS,
    HLR,
    Answer,
    Calibration,
    FitOutcome,
    Histories,
    choose_family,
    refit,
)
from bot.domain.hlr import (
    AnswerLog,
    HlrModel,
    HlrValues,
    HlrWeights,
    _walk,
    fit_and_check,
    fit_hlr,
    fit_recalls,
    mean_recall,
    recall_counts,
)
from bot.domain.memory import DEFAULT_PARAMETERS, Grade, MemoryState, recall_probability, review
from bot.domain.planner import plan_daily

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
THETA = (1.0, 2.5, -1.2)


def hlr_population(learners: int, days: int, seed: int = 1) -> list[Answer]:
    """Learners whose memory is a half-life regression of their *recalls* (THETA), each
    with their own ability; a right answer is a recall or a 1-in-4 guess."""
    rng = random.Random(seed)
    answers = []
    for user in range(learners):
        ability = rng.gauss(0.0, 0.5)
        counts: dict[int, list[int]] = {}
        last: dict[int, int] = {}
        for day in range(days):
            for item in rng.sample(range(30), 6):
                if item in counts:
                    right, missed = counts[item]
                    z = THETA[0] + ability + THETA[1] * (math.sqrt(1 + right) - 1)
                    z += THETA[2] * (math.sqrt(1 + missed) - 1)
                    recalled = rng.random() < 2 ** (-(day - last[item]) / 2**z)
                    counts[item][0 if recalled else 1] += 1
                else:
                    recalled = False
                    counts[item] = [0, 0]
                last[item] = day
                right_answer = recalled or rng.random() < 0.25
                grade = Grade.GOOD if right_answer else Grade.AGAIN
                at = START + timedelta(days=day, seconds=item)
                answers.append(Answer(user, f"q{item}", at, grade))
    return answers


def test_counting_recalls_recovers_the_true_growth_that_right_answers_blur() -> None:
    log = AnswerLog.of(Histories.of(hlr_population(learners=30, days=40)).cards)
    plain = fit_hlr(log.reviews(), 0.25)
    recalls, _ = fit_recalls(log, 0.25)
    # A right answer is a guess one time in four when not recalled: counted as a recall,
    # it blurs how much a real recall lengthens a memory.
    assert abs(recalls.theta[1] - THETA[1]) < 0.5
    assert abs(recalls.theta[1] - THETA[1]) < abs(plain.theta[1] - THETA[1])
    assert recalls.theta[2] < 0  # a miss shortens the memory


def test_the_counts_on_arrays_equal_a_walk_through_each_history() -> None:
    histories = Histories.of(hlr_population(learners=4, days=15))
    weights = HlrWeights((0.5, 2.0, -1.0), {1: 0.3}, {"q3": -0.4})
    reviews = AnswerLog.of(histories.cards).reviews(weights, 0.25)
    walked = []
    for (user, item), history in histories.cards.items():
        steps, right, missed = _walk(history, item, weights.for_learner(user), 0.25)
        walked += [(at.timestamp(), r, m) for at, days, r, m, _ in steps if days >= 1]
        assert (right, missed) == recall_counts(history, item, weights.for_learner(user), 0.25)
        assert right + missed == pytest.approx(len(history) - 1)
    on_arrays = sorted(zip(reviews.at, reviews.right, reviews.missed, strict=True))
    assert len(walked) == len(on_arrays)
    assert np.allclose(np.array(sorted(walked)), np.array(on_arrays))


def test_hlr_is_chosen_only_when_it_predicts_the_same_held_out_answers_better() -> None:
    histories = Histories.of(hlr_population(learners=30, days=40))
    cut = histories.cut()
    assert cut is not None
    hlr = fit_and_check(histories.cards, cut, 0.25)
    assert hlr is not None
    worse = Calibration(hlr.heldout_reviews, hlr.heldout_log_loss + 0.01, 0.1, 0.6)
    better = Calibration(hlr.heldout_reviews, hlr.heldout_log_loss - 0.01, 0.1, 0.6)
    assert choose_family(FitOutcome(DEFAULT_PARAMETERS, 1, worse, worse, 0.0), hlr) == HLR
    # FSRS's fit (or its defaults) predicting better keeps FSRS.
    assert choose_family(FitOutcome(DEFAULT_PARAMETERS, 1, worse, better, 0.0), hlr) == FSRS
    assert choose_family(FitOutcome(DEFAULT_PARAMETERS, 1, better, None, 0.0), hlr) == FSRS
    # Judged on other answers: no comparison, no switch.
    other = Calibration(hlr.heldout_reviews + 1, 0.01, 0.1, 0.6)
    assert choose_family(FitOutcome(DEFAULT_PARAMETERS, 1, other, other, 0.0), hlr) == FSRS
    assert choose_family(FitOutcome(DEFAULT_PARAMETERS, 1, None, None, 0.0), hlr) == FSRS


def test_the_refit_prefers_hlr_for_hlr_learners_and_fsrs_for_fsrs_learners() -> None:
    assert refit(hlr_population(learners=30, days=40), learners=False).family == HLR
    assert refit(fsrs_population(learners=30, days=40), learners=False).family == FSRS


def fsrs_population(learners: int, days: int, seed: int = 2) -> list[Answer]:
    """Learners who remember exactly as FSRS's defaults say (no guessing beyond 1 in 4)."""
    rng = random.Random(seed)
    answers = []
    for user in range(learners):
        memories: dict[str, MemoryState] = {}
        for day in range(days):
            now = START + timedelta(days=day)
            for item in rng.sample(range(30), 6):
                item_id = f"q{item}"
                previous = memories.get(item_id)
                recall = recall_probability(previous, now) if previous else 0.0
                right = rng.random() < recall or rng.random() < 0.25
                grade = Grade.GOOD if right else Grade.AGAIN
                memories[item_id] = review(previous, item_id, grade, now)
                answers.append(Answer(user, item_id, now, grade))
    return answers


def test_a_review_is_worth_what_it_adds_to_the_mean_recall_over_the_horizon() -> None:
    model = HlrModel(THETA, 0.0, {})
    values = HlrValues(model, 30.0)
    ((value, order, item_id),) = values.scored([("q1", 2.0, 1.0, 3.0, 4)])
    z = model.log2_half_life(["q1"], np.array([2.0]), np.array([1.0]))[0]
    hit = model.log2_half_life(["q1"], np.array([3.0]), np.array([1.0]))[0]
    miss = model.log2_half_life(["q1"], np.array([2.0]), np.array([2.0]))[0]
    p = 2 ** (-3.0 / 2**z)
    mean = lambda z_: float(mean_recall(np.array([2.0**z_]), 30.0)[0])  # noqa: E731
    assert value == pytest.approx(p * mean(hit) + (1 - p) * mean(miss) - p * mean(z))
    assert (order, item_id) == (-4, "q1")
    # A new question's value is its first curve's mean over the horizon.
    assert values.new_values(["n"]) == [pytest.approx(mean(THETA[0]))]


def test_under_hlr_the_planner_drills_seen_questions_the_fsrs_planner_leaves_for_later() -> None:
    now = START + timedelta(days=10)
    memories = {}
    for index in range(6):
        memory = None
        for day in (0, 2, 5):  # right every time: FSRS puts the next review weeks away
            memory = review(memory, f"q{index}", Grade.GOOD, START + timedelta(days=day))
        assert memory is not None and memory.due > now + timedelta(days=1)
        memories[f"q{index}"] = memory
    seen = list(memories)
    new = [f"n{index}" for index in range(10)]
    kwargs = {"size": 5, "new_allowance": 10}
    fsrs_plan = plan_daily(seen, new, memories, now, now + timedelta(days=1), **kwargs)  # type: ignore[arg-type]
    assert set(fsrs_plan.item_ids) <= set(new)  # nothing due: new questions only
    fast = HlrModel((0.0, 3.0, -1.0), 0.0, {})  # a recall multiplies a short half-life
    hlr_plan = plan_daily(
        seen,
        new,
        memories,
        now,
        now + timedelta(days=1),
        hlr=fast,
        **kwargs,  # type: ignore[arg-type]
    )
    assert set(hlr_plan.item_ids) & set(seen)
    assert len(hlr_plan.item_ids) == 5 and len(set(hlr_plan.item_ids)) == 5

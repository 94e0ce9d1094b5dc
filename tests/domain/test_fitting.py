"""Fitting FSRS to the bot's answers: metrics, minimum data, held-out judgement, replay."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.domain.fitting import (
    LEARNER_PRIOR,
    MIN_POPULATION_REVIEWS,
    Answer,
    Calibration,
    FitOutcome,
    Histories,
    calibration,
    fit,
    fit_weights,
    predictions,
    refit,
    refit_due,
    replay,
    shrink,
    training_sequences,
    within_bounds,
)
from bot.domain.memory import DEFAULT_PARAMETERS, Grade, recall_probability, review
from bot.domain.planner import plan_daily

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def forgetful_population(
    learners: int,
    days: int,
    seed: int = 1,
    truth: dict[tuple[int, str, datetime], float] | None = None,
) -> list[Answer]:
    """Learners whose memory halves in about a day (far below FSRS's defaults), 4 options.

    `truth`, if given, receives each review's true recall (what a guess-aware fit is after).
    """
    rng = random.Random(seed)
    answers = []
    for user in range(learners):
        half_life: dict[int, float] = {}
        last: dict[int, float] = {}
        for day in range(days):
            for item in rng.sample(range(30), 5):
                if item in half_life:
                    recall = 2 ** (-(day - last[item]) / half_life[item])
                    if truth is not None:
                        truth[(user, f"q{item}", START + timedelta(days=day))] = recall
                    recalled = rng.random() < recall
                    right = recalled or rng.random() < 0.25
                    half_life[item] *= 2.0 if recalled else 0.5
                else:
                    right = rng.random() < 0.25
                    half_life[item] = 0.8
                last[item] = day
                grade = Grade.GOOD if right else Grade.AGAIN
                answers.append(Answer(user, f"q{item}", START + timedelta(days=day), grade))
    return answers


def test_calibration_figures_are_srs_benchmarks() -> None:
    predicted = np.array([0.5, 0.5, 0.5, 0.5])
    recalled = np.array([1.0, 0.0, 1.0, 0.0])
    check = calibration(predicted, recalled)
    assert check is not None
    assert math.isclose(check.log_loss, math.log(2))
    assert math.isclose(check.rmse_bins, 0.0, abs_tol=1e-12)  # one bin, mean 0.5 both
    assert check.auc == 0.5
    ranked = calibration(np.array([0.9, 0.8, 0.3, 0.2]), np.array([1.0, 1.0, 0.0, 0.0]))
    assert ranked is not None and ranked.auc == 1.0
    assert calibration(np.array([]), np.array([])) is None


def test_predictions_are_the_bots_own_fsrs_recall() -> None:
    """fsrs-rs's replay gives the recall the bot's scheduler (py-fsrs) predicts."""
    times = [START, START + timedelta(days=2), START + timedelta(days=5)]
    grades = [Grade.GOOD, Grade.AGAIN, Grade.GOOD]
    answers = [Answer(1, "q", at, grade) for at, grade in zip(times, grades, strict=True)]
    predicted, recalled = predictions(Histories.of(answers), DEFAULT_PARAMETERS, guess=0.0)
    memory = None
    expected = []
    for at, grade in zip(times, grades, strict=True):
        if memory is not None:
            expected.append(recall_probability(memory, at))
        memory = review(memory, "q", grade, at)
    assert np.allclose(predicted, expected, atol=1e-4)
    assert list(recalled) == [0.0, 1.0]
    # Read as memory behind 4-option answers: right with that recall, or by a 1-in-4 guess.
    answered, _ = predictions(Histories.of(answers), DEFAULT_PARAMETERS, guess=0.25)
    assert np.allclose(answered, 0.25 + 0.75 * np.array(expected), atol=1e-4)


def test_a_guess_aware_fit_describes_memory_not_right_answers() -> None:
    """fsrs-rs's plain fit learns P(right), which never falls below the 1-in-4 guess rate,
    so it reads more memory than there is; the guess-aware fit's R tracks true recall."""
    truth: dict[tuple[int, str, datetime], float] = {}
    histories = Histories.of(forgetful_population(learners=30, days=30, truth=truth))
    sequences = training_sequences(histories, None)
    plain = fit_weights(sequences, guess=0.0)
    aware = fit_weights(sequences, guess=0.25)
    true = np.array(
        [
            truth[(user, item, at)]
            for (user, item), history in histories.cards.items()
            if any(b - a >= timedelta(days=1) for (a, _), (b, _) in itertools.pairwise(history))
            for at, _ in history[1:]
        ]
    )
    errors = {}
    for name, weights in (("plain", plain), ("aware", aware)):
        recall, _ = predictions(histories, weights, guess=0.0)
        assert recall.shape == true.shape
        errors[name] = abs(float(recall.mean() - true.mean()))
    assert errors["aware"] < errors["plain"] / 3


def test_too_few_reviews_keep_the_defaults() -> None:
    answers = forgetful_population(learners=2, days=10)
    assert Histories.of(answers).reviews() < MIN_POPULATION_REVIEWS
    outcome = fit(Histories.of(answers))
    assert outcome.parameters == DEFAULT_PARAMETERS
    assert not outcome.accepted


def test_a_fit_to_forgetful_learners_predicts_held_out_answers_better() -> None:
    outcome = fit(Histories.of(forgetful_population(learners=20, days=30)))
    assert outcome.base is not None and outcome.fitted is not None
    assert outcome.accepted
    assert outcome.fitted.log_loss < outcome.base.log_loss
    # They forget faster than the defaults say: a first right answer is less stable.
    assert outcome.parameters[2] < DEFAULT_PARAMETERS[2]


def test_a_fit_no_better_on_held_out_answers_is_not_used() -> None:
    same = Calibration(100, 0.5, 0.1, 0.7)
    worse = Calibration(100, 0.51, 0.1, 0.7)
    assert not FitOutcome(DEFAULT_PARAMETERS, 500, same, same, 0.1).accepted
    assert not FitOutcome(DEFAULT_PARAMETERS, 500, same, worse, 0.1).accepted
    assert FitOutcome(DEFAULT_PARAMETERS, 500, worse, same, 0.1).accepted


def test_refit_waits_for_the_minimum_then_for_growth() -> None:
    assert not refit_due(MIN_POPULATION_REVIEWS - 1, 0)
    assert refit_due(MIN_POPULATION_REVIEWS, 0)
    assert not refit_due(1200, 1000)
    assert refit_due(1250, 1000)


def test_a_learners_fit_is_shrunk_halfway_at_the_prior() -> None:
    own = tuple(value * 2 for value in DEFAULT_PARAMETERS)
    half = shrink(own, DEFAULT_PARAMETERS, int(LEARNER_PRIOR))
    assert np.allclose(half, [value * 1.5 for value in DEFAULT_PARAMETERS])


def test_refit_fits_the_population_and_learners_with_enough_reviews() -> None:
    result = refit(forgetful_population(learners=20, days=40), deck_of={})
    assert result.population.accepted
    own = [outcome for outcome in result.learners.values() if outcome.fitted is not None]
    assert own  # 40 days x 5 answers: enough for fsrs-rs to fit some learners on their own
    for outcome in own:
        assert outcome.parameters != result.population.parameters
    cut_short = refit(forgetful_population(learners=20, days=40), budget_seconds=0.0)
    assert cut_short.out_of_time and not cut_short.learners


def test_replay_recomputes_stability_under_new_weights() -> None:
    answers = forgetful_population(learners=1, days=6)
    histories = Histories.of(answers)
    memories = {}
    for answer in answers:
        key = (answer.user_id, answer.item_id)
        memories[key] = review(memories.get(key), answer.item_id, answer.grade, answer.at)
    slower = tuple(v * 0.5 if i < 4 else v for i, v in enumerate(DEFAULT_PARAMETERS))
    replayed = replay(memories, histories, lambda _user: slower)
    assert replayed.keys() == memories.keys()
    first_sight_only = [k for k, h in histories.cards.items() if len(h) == 1]
    for key in first_sight_only:
        assert replayed[key].stability is not None and memories[key].stability is not None
        assert math.isclose(replayed[key].stability, memories[key].stability * 0.5)


def test_the_value_rule_follows_the_fitted_model() -> None:
    """Depth when memories grow fast with spaced success, breadth when every exposure lasts."""
    seen_at = START - timedelta(days=1)
    grows = list(DEFAULT_PARAMETERS)
    grows[0:4] = [0.05, 0.1, 0.2, 0.5]  # a first exposure barely lasts
    grows[8] = 3.0  # a spaced success multiplies stability
    grows[20] = 0.8  # and what is not reviewed is soon gone (a steep curve)
    lasts = list(DEFAULT_PARAMETERS)
    lasts[0:4] = [20.0, 30.0, 40.0, 60.0]  # every first exposure lasts weeks
    lasts[8] = 0.01  # and a review adds little
    lasts[20] = 0.1  # a flat curve
    choices = {}
    for name, weights in (("grows", grows), ("lasts", lasts)):
        parameters = tuple(weights)
        old = review(None, "old", Grade.GOOD, seen_at, parameters=parameters)  # met once
        old = type(old)(**{**old.__dict__, "due": START})  # due now under either model
        plan = plan_daily(
            ["old"],
            ["new"],
            {"old": old},
            START,
            START + timedelta(days=1),
            size=1,
            new_allowance=1,
            parameters=parameters,
            own_fit=True,
        )
        choices[name] = plan.item_ids
    assert choices == {"grows": ["old"], "lasts": ["new"]}


def test_weights_a_float32_hair_beyond_a_bound_are_brought_inside() -> None:
    """fsrs-rs returned w20 = 0.800000011920929 in bench/learning.py; fsrs.Scheduler
    refuses anything above 0.8, so a review under that fit crashed."""
    beyond = list(DEFAULT_PARAMETERS)
    beyond[20] = 0.800000011920929
    inside = within_bounds(beyond)
    assert inside[20] == 0.8 and inside[:20] == DEFAULT_PARAMETERS[:20]
    assert review(None, "q", Grade.GOOD, START, parameters=inside).stability

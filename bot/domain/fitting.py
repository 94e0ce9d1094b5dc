"""FSRS parameters fitted to the bot's own answers, checked on answers the fit never saw.

FSRS's default weights describe an average Anki user reviewing self-graded flashcards.
The bot's learners answer four-option quizzes on a daily budget, and they forget at their
own pace; so, as Anki does per preset, the bot fits the weights to its own review log:

* **The optimizer** is fsrs-rs (the Rust crate Anki itself runs, through its Python
  wheel `fsrs-rs-python`): no torch, and a fit of a million reviews takes seconds.
* **Held out.** The answers are split by time: the fit sees the first `TRAIN_SHARE`,
  and the rest judge it. A fit whose held-out log loss is not lower than that of the
  parameters it would replace is not used (`FitOutcome.accepted`).
* **Minimum data.** fsrs-rs keeps its defaults when it has too few reviews; the bot asks
  for at least `MIN_POPULATION_REVIEWS` reviews after first sight before it tries, and
  until a fit is accepted the defaults stay in force.
* **Who a fit is for.** One fit for the whole population; one per deck once a deck has
  enough reviews of its own; and one per learner once they have `MIN_LEARNER_REVIEWS`,
  shrunk toward the population's: w = w_pop + n / (n + LEARNER_PRIOR) · (w_own − w_pop).
  fsrs-rs's bounds are a box, so the shrunk weights are valid weights too.
* **Guesses.** A right answer to a 4-option question is luck one time in four for a
  learner who does not remember: the fit explains answers as g + (1 − g)·R, so its
  weights describe memory as FSRS's defaults do (`fit_weights`), and every held-out
  log loss is that of g + (1 − g)·R.
* **Calibration** is reported as srs-benchmark does: log loss, RMSE over bins of
  predicted recall, and AUC (`Calibration`).

Everything here is pure and synchronous: the refit job runs it off the event loop.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import fsrs_rs_python as fsrs_rs
import numpy as np
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from bot.domain.hlr import HlrFit, fit_and_check
from bot.domain.memory import (
    DEFAULT_PARAMETERS,
    DEFAULT_RETENTION,
    Grade,
    MemoryState,
    Parameters,
    next_interval,
    review,
)
from bot.domain.planner import GUESS_CHANCE

# Reviews after first sight before fsrs-rs is asked at all (fsrs-rs itself keeps the
# defaults below a few hundred), and before a deck or a learner gets a fit of their own.
MIN_POPULATION_REVIEWS = 400
MIN_DECK_REVIEWS = 2000
MIN_LEARNER_REVIEWS = 150
# A learner's own weights count as this many reviews' worth of the population's.
LEARNER_PRIOR = 600.0
# The earliest share of the answers trains; the rest (the most recent) judge.
TRAIN_SHARE = 0.8
# A right answer to a 4-option question is luck one time in four for a learner who does
# not remember (planner.GUESS_CHANCE). A guess-aware fit explains the answers as
# P(right) = g + (1 − g)·R, so the weights it returns describe memory (R), as FSRS's
# defaults do, and not the chance of a right answer: see `fit_weights`.
FIT_GUESS = GUESS_CHANCE
# Rounds of relabelling in a guess-aware fit (`fit_weights`).
GUESS_ROUNDS = 3
# Bins of predicted recall for RMSE(bins).
RMSE_BINS = 20
_RATING = {Grade.AGAIN: 1, Grade.HARD: 2, Grade.GOOD: 3, Grade.EASY: 4}
_GRADE = {rating: grade for grade, rating in _RATING.items()}
_DAY = timedelta(days=1)
_REVIEW = 2  # fsrs State.Review


@dataclass(frozen=True)
class Answer:
    """One graded answer from the review log."""

    user_id: int
    item_id: str
    at: datetime
    grade: Grade


@dataclass(frozen=True)
class Calibration:
    """How well predicted recall matches the answers given (srs-benchmark's three figures)."""

    reviews: int
    log_loss: float
    rmse_bins: float
    auc: float


@dataclass(frozen=True)
class FitOutcome:
    """A fit and its check on held-out answers."""

    parameters: Parameters  # the fitted weights (the base ones when no fit was possible)
    reviews: int  # reviews after first sight that the fit and its check used
    base: Calibration | None  # the replaced parameters on the held-out answers
    fitted: Calibration | None  # the fit on the same answers
    seconds: float

    @property
    def accepted(self) -> bool:
        return (
            self.base is not None
            and self.fitted is not None
            and self.fitted.log_loss < self.base.log_loss
        )

    @property
    def improvement(self) -> float:
        """Held-out log loss saved per review (positive: the fit predicts better)."""
        if self.base is None or self.fitted is None:
            return 0.0
        return self.base.log_loss - self.fitted.log_loss


@dataclass
class Histories:
    """Each (learner, item)'s answers in time order: the review log as FSRS reads it."""

    cards: dict[tuple[int, str], list[tuple[datetime, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, answers: Iterable[Answer]) -> Histories:
        cards: dict[tuple[int, str], list[tuple[datetime, int]]] = defaultdict(list)
        for answer in answers:
            cards[(answer.user_id, answer.item_id)].append((answer.at, _RATING[answer.grade]))
        for history in cards.values():
            history.sort()
        return cls(dict(cards))

    def reviews(self) -> int:
        """Answers after first sight: what a fit learns from."""
        return sum(len(history) - 1 for history in self.cards.values())

    def select(self, keep: Callable[[tuple[int, str]], bool]) -> Histories:
        return Histories({key: value for key, value in self.cards.items() if keep(key)})

    def cut(self) -> datetime | None:
        """The time before which TRAIN_SHARE of the reviews were given."""
        times = sorted(at for history in self.cards.values() for at, _ in history[1:])
        if not times:
            return None
        return times[min(len(times) - 1, int(len(times) * TRAIN_SHARE))]


def _delta_days(earlier: datetime, later: datetime) -> int:
    """Whole days between two answers, as fsrs (Python and Rust) count them."""
    return max(0, (later - earlier) // _DAY)


def _reviews(history: Sequence[tuple[datetime, int]]) -> list[fsrs_rs.FSRSReview]:
    out = [fsrs_rs.FSRSReview(history[0][1], 0)]
    for (before, _), (at, rating) in itertools.pairwise(history):
        out.append(fsrs_rs.FSRSReview(rating, _delta_days(before, at)))
    return out


Sequence_ = list[tuple[int, int]]  # one training item: (rating, days since the answer before)


def training_sequences(histories: Histories, before: datetime | None) -> list[Sequence_]:
    """One sequence per review after first sight (its history + itself), before `before`."""
    out: list[Sequence_] = []
    for history in histories.cards.values():
        sequence = [(history[0][1], 0)] + [
            (rating, _delta_days(earlier, at))
            for (earlier, _), (at, rating) in itertools.pairwise(history)
        ]
        long_term = False
        for index in range(1, len(history)):
            if before is not None and history[index][0] >= before:
                break
            # fsrs-rs takes only items with a review a day or more after the one before.
            long_term = long_term or sequence[index][1] > 0
            if long_term:
                out.append(sequence[: index + 1])
    return out


def _item(sequence: Sequence_) -> fsrs_rs.FSRSItem:
    return fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(rating, days) for rating, days in sequence])


def training_items(histories: Histories, before: datetime | None) -> list[fsrs_rs.FSRSItem]:
    """One FSRS item per review after first sight (its history + itself), before `before`."""
    return [_item(sequence) for sequence in training_sequences(histories, before)]


def _optimize(base: Parameters, sequences: Sequence[Sequence_]) -> Parameters:
    items = [_item(sequence) for sequence in sequences]
    fitted = fsrs_rs.FSRS(list(base)).compute_parameters(items, enable_short_term=True)
    return within_bounds(fitted)


def within_bounds(weights: Iterable[float]) -> Parameters:
    """fsrs-rs's weights, inside the bounds the `fsrs` scheduler checks.

    fsrs-rs computes in float32: a weight at its bound comes back a hair beyond it
    (w20 = 0.800000011920929 against 0.8), and `fsrs.Scheduler` refuses it.
    """
    return tuple(
        min(high, max(low, float(value)))
        for value, low, high in zip(
            weights, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )


def _label_recall(parameters: Parameters, sequences: Sequence[Sequence_]) -> np.ndarray:
    """R at each sequence's last answer, from the answers before it."""
    model = fsrs_rs.FSRS(list(parameters))
    states = model.memory_state_batch([_item(sequence[:-1]) for sequence in sequences])
    stability = np.array([state.stability for state in states], dtype=float)
    days = np.array([sequence[-1][1] for sequence in sequences], dtype=float)
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return np.asarray((1 + factor * days / np.maximum(stability, 1e-3)) ** decay)


def fit_weights(
    sequences: Sequence[Sequence_],
    base: Parameters = DEFAULT_PARAMETERS,
    guess: float = FIT_GUESS,
    plain: Parameters | None = None,
) -> Parameters:
    """fsrs-rs's fit of the sequences; with `guess` > 0, a fit of memory, not of right answers.

    fsrs-rs fits P(right answer) = R. Quiz answers are right by luck one time in `1/guess`
    when not remembered, so that fit learns a curve that never falls below the guess rate
    (a long flat tail, first memories that last) and a planner that reads it as memory
    overvalues every first exposure. The guess-aware fit is an EM around fsrs-rs: each
    right answer counts as recalled with the chance R / (R + g·(1 − R)) that the current
    fit gives it (Bayes: a miss is never a recall; the first round reads the plain fit's
    P as memory (P − g) / (1 − g)), drawn once per answer with a fixed seed (the fit is
    reproducible), else as a miss; fsrs-rs fits these labels again, `GUESS_ROUNDS` times.
    `plain`: fsrs-rs's own fit of `sequences`, if already made.
    """
    fitted = plain if plain is not None else _optimize(base, sequences)
    if guess <= 0 or not sequences:
        return fitted
    right = np.array([sequence[-1][0] > 1 for sequence in sequences])
    draws = np.random.default_rng(0).random(len(sequences))
    # First round: the plain fit predicts right answers P, so memory is (P − g) / (1 − g)
    # and a right answer was recalled with chance memory / P.
    answered = np.clip(_label_recall(fitted, sequences), 1e-6, 1.0)
    recalled_if_right = np.clip((answered - guess) / (1 - guess), 0.0, 1.0) / answered
    for _ in range(GUESS_ROUNDS):
        recalled = right & (draws < recalled_if_right)
        relabelled = [
            sequence if keep or not was_right else [*sequence[:-1], (1, sequence[-1][1])]
            for sequence, keep, was_right in zip(sequences, recalled, right, strict=True)
        ]
        fitted = _optimize(base, relabelled)
        recall = _label_recall(fitted, sequences)
        recalled_if_right = recall / (recall + guess * (1 - recall))
    return fitted


def _long_term(history: Sequence[tuple[datetime, int]]) -> bool:
    """Whether any answer came a day or more after the one before (what fsrs-rs needs)."""
    return any(_delta_days(before, at) > 0 for (before, _), (at, _) in itertools.pairwise(history))


def predictions(
    histories: Histories,
    parameters: Parameters,
    since: datetime | None = None,
    guess: float = FIT_GUESS,
) -> tuple[np.ndarray, np.ndarray]:
    """(predicted chance of a right answer, right) for each review after first sight on or
    after `since`: g + (1 − g)·R for weights that describe memory R and answers that are
    right by luck with chance `guess` (0: R itself).

    Only reviews a day or more after the previous one count (srs-benchmark's rule: a
    same-day repeat is short-term memory, not what the schedule is about).
    """
    model = fsrs_rs.FSRS(list(parameters))
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    keys = [key for key, history in histories.cards.items() if _long_term(history)]
    items = [fsrs_rs.FSRSItem(_reviews(histories.cards[key])) for key in keys]
    states = model.historical_memory_state_batch(items) if items else []
    predicted: list[float] = []
    recalled: list[float] = []
    for key, item_states in zip(keys, states, strict=True):
        history = histories.cards[key]
        for index in range(1, len(history)):
            at, rating = history[index]
            days = _delta_days(history[index - 1][0], at)
            if days < 1 or (since is not None and at < since):
                continue
            stability = item_states[index - 1].stability
            recall = (1 + factor * days / stability) ** decay
            predicted.append(guess + (1 - guess) * recall)
            recalled.append(1.0 if rating > 1 else 0.0)
    return np.array(predicted, dtype=float), np.array(recalled, dtype=float)


def calibration(predicted: np.ndarray, recalled: np.ndarray) -> Calibration | None:
    """Log loss, RMSE over RMSE_BINS bins of predicted recall, AUC; None without answers."""
    if predicted.size == 0:
        return None
    p = np.clip(predicted, 1e-6, 1 - 1e-6)
    log_loss = float(-np.mean(recalled * np.log(p) + (1 - recalled) * np.log(1 - p)))
    bins = np.minimum((p * RMSE_BINS).astype(int), RMSE_BINS - 1)
    counts = np.bincount(bins, minlength=RMSE_BINS)
    mean_p = np.bincount(bins, weights=p, minlength=RMSE_BINS)
    mean_y = np.bincount(bins, weights=recalled, minlength=RMSE_BINS)
    used = counts > 0
    gaps = (mean_p[used] - mean_y[used]) / counts[used]
    rmse = float(math.sqrt(np.sum(counts[used] * gaps**2) / predicted.size))
    return Calibration(int(predicted.size), log_loss, rmse, _auc(p, recalled))


def _auc(predicted: np.ndarray, recalled: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties halved); 0.5 with one class only."""
    positives = int(recalled.sum())
    negatives = recalled.size - positives
    if positives == 0 or negatives == 0:
        return 0.5
    order = np.argsort(predicted, kind="mergesort")
    ranks = np.empty(predicted.size, dtype=float)
    sorted_p = predicted[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_p, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2
    ranks[order] = np.repeat(average, counts)
    rank_sum = float(ranks[recalled == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def evaluate(
    histories: Histories,
    parameters: Parameters,
    since: datetime | None = None,
    guess: float = FIT_GUESS,
) -> Calibration | None:
    return calibration(*predictions(histories, parameters, since, guess))


def fit(
    histories: Histories,
    base: Parameters = DEFAULT_PARAMETERS,
    *,
    min_reviews: int = MIN_POPULATION_REVIEWS,
    guess: float = FIT_GUESS,
) -> FitOutcome:
    """Fit FSRS to the earlier answers; judge it against `base` on the later ones (both
    read as memory behind answers right by luck with chance `guess`: `fit_weights`)."""
    started = time.perf_counter()
    reviews = histories.reviews()
    cut = histories.cut()
    if reviews < min_reviews or cut is None:
        return FitOutcome(base, reviews, None, None, time.perf_counter() - started)
    sequences = training_sequences(histories, cut)
    plain = _optimize(base, sequences)
    if np.allclose(plain, fsrs_rs.DEFAULT_PARAMETERS, atol=1e-6):
        # fsrs-rs keeps its defaults when the data are too few: no fit.
        return FitOutcome(base, reviews, None, None, time.perf_counter() - started)
    fitted = fit_weights(sequences, base, guess, plain)
    held_base = evaluate(histories, base, since=cut, guess=guess)
    held_fit = evaluate(histories, fitted, since=cut, guess=guess)
    return FitOutcome(fitted, reviews, held_base, held_fit, time.perf_counter() - started)


def shrink(own: Parameters, population: Parameters, reviews: int) -> Parameters:
    """A learner's weights pulled toward the population's: their reviews against the prior."""
    trust = reviews / (reviews + LEARNER_PRIOR)
    return tuple(p + trust * (o - p) for o, p in zip(own, population, strict=True))


def fit_learner(
    histories: Histories, population: Parameters, guess: float = FIT_GUESS
) -> FitOutcome:
    """One learner's own fit, shrunk toward the population's and judged against it."""
    started = time.perf_counter()
    outcome = fit(histories, population, min_reviews=MIN_LEARNER_REVIEWS, guess=guess)
    if outcome.fitted is None:
        return outcome
    shrunk = shrink(outcome.parameters, population, outcome.reviews)
    cut = histories.cut()
    held = evaluate(histories, shrunk, since=cut, guess=guess)
    return FitOutcome(shrunk, outcome.reviews, outcome.base, held, time.perf_counter() - started)


# The memory model families the planner can value reviews with.
FSRS = "fsrs"
HLR = "hlr"


@dataclass(frozen=True)
class RefitResult:
    """What one refit produced: the population's fit, each deck's and each learner's,
    and the half-life regression judged against FSRS on the same held-out answers."""

    population: FitOutcome
    decks: dict[str, FitOutcome]
    learners: dict[int, FitOutcome]
    seconds: float
    out_of_time: bool
    hlr: HlrFit | None = None

    @property
    def family(self) -> str:
        """The family with the lowest held-out log loss: HLR only if it beats FSRS's
        defaults and FSRS's fit alike."""
        return choose_family(self.population, self.hlr)


def hlr_outcome(fsrs: FitOutcome, hlr: HlrFit | None) -> FitOutcome | None:
    """The HLR fit as a `FitOutcome` judged against FSRS's best on the same held-out
    answers (accepted: HLR predicts them better). Its parameters are θ only."""
    if hlr is None or fsrs.base is None:
        return None
    base = fsrs.base
    if fsrs.fitted is not None and fsrs.fitted.log_loss < base.log_loss:
        base = fsrs.fitted
    return FitOutcome(
        hlr.weights.theta,
        hlr.reviews,
        base,
        calibration(hlr.heldout_predicted, hlr.heldout_outcome),
        hlr.seconds,
    )


def choose_family(fsrs: FitOutcome, hlr: HlrFit | None) -> str:
    """HLR when its held-out log loss is below FSRS's best (defaults or fit) on the very
    same held-out reviews; else FSRS."""
    if hlr is None or fsrs.base is None:
        return FSRS
    best = fsrs.base.log_loss
    if fsrs.fitted is not None:
        best = min(best, fsrs.fitted.log_loss)
    if hlr.heldout_reviews != fsrs.base.reviews:
        return FSRS  # not judged on the same answers: no comparison, no switch
    return HLR if hlr.heldout_log_loss < best else FSRS


def refit(
    answers: Iterable[Answer],
    current: Parameters = DEFAULT_PARAMETERS,
    *,
    deck_of: Mapping[str, str] | None = None,
    learners: bool = True,
    budget_seconds: float = 60.0,
    clock: Callable[[], float] = time.perf_counter,
    guess: float = FIT_GUESS,
    families: bool = True,
) -> RefitResult:
    """Fit the population, then each deck and each learner with enough reviews, in budget.

    `current`: the population parameters in force (the defaults until a fit is accepted);
    decks and learners are judged against the population's parameters that result.
    Learners with the most reviews go first, so a budget cut leaves out the least informed.
    """
    started = clock()
    histories = Histories.of(answers)
    population = fit(histories, current, guess=guess)
    pop_params = population.parameters if population.accepted else current
    cut = histories.cut()
    hlr = (
        fit_and_check(histories.cards, cut, guess)
        if population.base is not None and cut is not None and families
        else None
    )
    decks: dict[str, FitOutcome] = {}
    out_of_time = False
    if deck_of is not None:
        by_deck: dict[str, int] = defaultdict(int)
        for (_, item_id), history in histories.cards.items():
            deck = deck_of.get(item_id)
            if deck is not None:
                by_deck[deck] += len(history) - 1
        for deck, count in sorted(by_deck.items()):
            if count < MIN_DECK_REVIEWS:
                continue
            if clock() - started > budget_seconds:
                out_of_time = True
                break
            decks[deck] = fit(
                histories.select(lambda key, d=deck: deck_of.get(key[1]) == d),  # type: ignore[misc]
                pop_params,
                min_reviews=MIN_DECK_REVIEWS,
                guess=guess,
            )
    fitted_learners: dict[int, FitOutcome] = {}
    if learners and not out_of_time:
        per_learner: dict[int, dict[tuple[int, str], list[tuple[datetime, int]]]] = defaultdict(
            dict
        )
        for key, history in histories.cards.items():
            per_learner[key[0]][key] = history
        counts = {
            user: sum(len(history) - 1 for history in cards.values())
            for user, cards in per_learner.items()
        }
        for user in sorted(counts, key=lambda user: (-counts[user], user)):
            if counts[user] < MIN_LEARNER_REVIEWS:
                break
            if clock() - started > budget_seconds:
                out_of_time = True
                break
            fitted_learners[user] = fit_learner(Histories(per_learner[user]), pop_params, guess)
    return RefitResult(population, decks, fitted_learners, clock() - started, out_of_time, hlr)


def replay(
    memories: Mapping[tuple[int, str], MemoryState],
    histories: Histories,
    parameters_of: Callable[[int], Parameters],
    desired_retention: float = DEFAULT_RETENTION,
) -> dict[tuple[int, str], MemoryState]:
    """Each memory's stability and difficulty recomputed from its answers under new weights.

    What Anki does when a preset's weights change: the card's history is replayed, so
    the planner does not read a stability the old weights made. A card in review gets
    the due date its new stability asks for; one in (re)learning keeps its step's.
    """
    keys = [key for key in memories if key in histories.cards]
    by_parameters: dict[Parameters, list[tuple[int, str]]] = defaultdict(list)
    for key in keys:
        by_parameters[parameters_of(key[0])].append(key)
    out: dict[tuple[int, str], MemoryState] = {}
    for parameters, group in by_parameters.items():
        model = fsrs_rs.FSRS(list(parameters))
        long_term = [key for key in group if _long_term(histories.cards[key])]
        items = [fsrs_rs.FSRSItem(_reviews(histories.cards[key])) for key in long_term]
        states = [
            (float(state.stability), float(state.difficulty))
            for state in (model.memory_state_batch(items) if items else [])
        ]
        # Answers all on one day: fsrs-rs takes none of those; the Python scheduler replays them.
        short = [key for key in group if not _long_term(histories.cards[key])]
        for key in short:
            memory: MemoryState | None = None
            for at, rating in histories.cards[key]:
                memory = review(memory, key[1], _GRADE[rating], at, desired_retention, parameters)
            assert memory is not None
            states.append((memory.stability or 0.0, memory.difficulty or 0.0))
        for key, (stability, difficulty) in zip(long_term + short, states, strict=True):
            memory = memories[key]
            due = memory.due
            if memory.state == _REVIEW and memory.last_review is not None:
                days = next_interval(stability, desired_retention, parameters)
                due = memory.last_review + timedelta(days=days)
            out[key] = replace(
                memory,
                stability=stability,
                difficulty=difficulty,
                due=due,
            )
    return out


# The refit job looks every night and fits again once the log has grown by this share
# since the last fit (the first fit as soon as there is the minimum): fits come often
# while a population is young and its weights move, rarely once they have settled.
REFIT_GROWTH = 0.25


def refit_due(reviews: int, reviews_at_last_fit: int) -> bool:
    """Whether the nightly job should fit again, given the reviews now and at the last fit."""
    if reviews < MIN_POPULATION_REVIEWS:
        return False
    if reviews_at_last_fit == 0:
        return True
    return reviews >= reviews_at_last_fit * (1 + REFIT_GROWTH)

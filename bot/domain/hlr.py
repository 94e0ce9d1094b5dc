"""Half-life regression (Settles & Meeder 2016), fitted to the bot's own answers.

A second memory model family beside FSRS. Each (learner, question) memory has a half-life

    log2 h = θ0 + θ1·(√(1 + right) − 1) + θ2·(√(1 + missed) − 1) + a_learner + b_question

where `right` and `missed` count the answers after first sight (what a `MemoryState`
keeps: reps − 1 − lapses and lapses), and recall after Δ days is p = 2^(−Δ/h). A quiz
answer is right with P = g + (1 − g)·p (a 1-in-4 guess when not recalled), so the fit
describes memory, not right answers, as the guess-aware FSRS fit does.

Fitted by maximum likelihood with numpy (full-batch Adam on θ and on per-learner and
per-question offsets; the offsets carry a Gaussian prior, so a learner or question with
few answers stays near 0). Only reviews a day or more after the previous answer are
fitted and judged (srs-benchmark's rule, the same set `fitting.predictions` judges FSRS
on), so held-out log losses of the two families are comparable one to one.

Why a second family: FSRS's stability growth vanishes as recall nears 1, so a planner
valuing reviews with it never drills a half-known question; learners whose memories
grow multiplicatively with each success gain most exactly there (docs/learning.md).
Which family the bot plans with is decided by held-out log loss on its own answers
(`fitting.refit`), never assumed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

_LN2 = math.log(2.0)
_SECONDS_PER_DAY = 86_400.0
# Adam on the negative log-likelihood per answer.
ITERATIONS = 150
WARM_ITERATIONS = 60
LEARNING_RATE = 0.05
# Prior on the per-learner and per-question offsets (log2 half-life): sd 1 doubling.
OFFSET_PRIOR_SD = 1.0
# log2 h is kept within these (a half-life of an hour to about 90 years).
LOG2_RANGE = (-4.6, 15.0)
START_THETA = (1.0, 1.0, 0.0)
# Rounds of re-counting right answers as expected recalls (`fit_recalls`).
RECALL_ROUNDS = 2
# Prior on θ around START_THETA (sd in log2 half-life per unit of feature): with few
# answers the fit stays near "a right answer lengthens a memory, a miss does not".
THETA_PRIOR_SD = 1.0


@dataclass(frozen=True)
class HlrWeights:
    """A fitted half-life regression: θ and the learners' and questions' offsets."""

    theta: tuple[float, float, float]
    learners: Mapping[int, float]
    items: Mapping[str, float]

    def for_learner(self, user_id: int) -> HlrModel:
        return HlrModel(self.theta, self.learners.get(user_id, 0.0), self.items)

    def to_json(self) -> dict[str, object]:
        return {
            "theta": list(self.theta),
            "learners": {str(user): value for user, value in self.learners.items()},
            "items": dict(self.items),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> HlrWeights:
        theta = [float(value) for value in data["theta"]]  # type: ignore[attr-defined]
        learners = {int(k): float(v) for k, v in data["learners"].items()}  # type: ignore[attr-defined]
        items = {str(k): float(v) for k, v in data["items"].items()}  # type: ignore[attr-defined]
        return cls((theta[0], theta[1], theta[2]), learners, items)


@dataclass(frozen=True)
class HlrModel:
    """One learner's half-life regression: what the planner values reviews with."""

    theta: tuple[float, float, float]
    learner: float
    items: Mapping[str, float]

    def log2_half_life(
        self, item_ids: Sequence[str], right: np.ndarray, missed: np.ndarray
    ) -> np.ndarray:
        t0, t1, t2 = self.theta
        offsets = np.array([self.items.get(item_id, 0.0) for item_id in item_ids], dtype=float)
        z = t0 + self.learner + offsets + t1 * (np.sqrt(1 + right) - 1)
        z = z + t2 * (np.sqrt(1 + missed) - 1)
        return np.asarray(np.clip(z, *LOG2_RANGE))

    def recall(self, item_id: str, right: int, missed: int, elapsed_days: float) -> float:
        z = self.log2_half_life([item_id], np.array([right]), np.array([missed]))[0]
        return float(2.0 ** (-max(0.0, elapsed_days) / 2.0**z))


def mean_recall(half_life: np.ndarray, horizon: float) -> np.ndarray:
    """Mean of 2^(−t/h) over t in [0, horizon]."""
    return np.asarray(half_life / (horizon * _LN2) * (1 - 2.0 ** (-horizon / half_life)))


@dataclass(frozen=True)
class Reviews:
    """The fitting data: one row per review a day or more after the answer before."""

    users: np.ndarray  # index into user_ids
    items: np.ndarray  # index into item_ids
    right: np.ndarray  # right answers after first sight, before this one
    missed: np.ndarray  # missed answers after first sight, before this one
    days: np.ndarray  # since the answer before
    outcome: np.ndarray  # 1.0 right, 0.0 missed
    at: np.ndarray  # POSIX seconds of the answer
    user_ids: list[int]
    item_ids: list[str]

    def __len__(self) -> int:
        return int(self.outcome.size)

    def where(self, mask: np.ndarray) -> Reviews:
        return Reviews(
            self.users[mask],
            self.items[mask],
            self.right[mask],
            self.missed[mask],
            self.days[mask],
            self.outcome[mask],
            self.at[mask],
            self.user_ids,
            self.item_ids,
        )


@dataclass(frozen=True)
class AnswerLog:
    """Every answer after first sight, flat, with what the counts need: built once per
    refit, then counted again for each round of `fit_recalls` on arrays."""

    card: np.ndarray  # card index of each answer
    card_user: np.ndarray  # user index of each card
    card_item: np.ndarray  # item index of each card
    days: np.ndarray  # since the answer before
    right: np.ndarray  # bool: answered right
    at: np.ndarray  # POSIX seconds
    steps: list[np.ndarray]  # step k: the answers that are their card's k-th after first sight
    user_ids: list[int]
    item_ids: list[str]

    @classmethod
    def of(cls, cards: Mapping[tuple[int, str], Sequence[tuple[datetime, int]]]) -> AnswerLog:
        user_index: dict[int, int] = {}
        item_index: dict[str, int] = {}
        card_user: list[int] = []
        card_item: list[int] = []
        card: list[int] = []
        step: list[int] = []
        days: list[float] = []
        right: list[bool] = []
        at: list[float] = []
        for index, ((user, item), history) in enumerate(cards.items()):
            card_user.append(user_index.setdefault(user, len(user_index)))
            card_item.append(item_index.setdefault(item, len(item_index)))
            before = history[0][0].timestamp()
            for position, (moment, rating) in enumerate(history[1:]):
                seconds = moment.timestamp()
                card.append(index)
                step.append(position)
                days.append((seconds - before) / _SECONDS_PER_DAY)
                right.append(rating > 1)
                at.append(seconds)
                before = seconds
        steps_array = np.array(step, dtype=int)
        order = np.argsort(steps_array, kind="stable")
        bounds = np.searchsorted(steps_array[order], np.arange(steps_array.max(initial=-1) + 2))
        return cls(
            card=np.array(card, dtype=int),
            card_user=np.array(card_user, dtype=int),
            card_item=np.array(card_item, dtype=int),
            days=np.array(days, dtype=float),
            right=np.array(right, dtype=bool),
            at=np.array(at, dtype=float),
            steps=[order[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)],
            user_ids=list(user_index),
            item_ids=list(item_index),
        )

    def reviews(self, weights: HlrWeights | None = None, guess: float = 0.0) -> Reviews:
        """The fitting rows: reviews a whole day or more after the answer before (as
        `fitting.predictions` counts them), with the recalls and misses before each.

        Without `weights` a right answer counts as a recall; with them, as a recall with
        the chance p / (p + g·(1 − p)) they give it (a miss is never a recall).
        """
        cards = self.card_user.size
        done_right = np.zeros(cards)
        done_missed = np.zeros(cards)
        right_before = np.zeros(self.card.size)
        missed_before = np.zeros(self.card.size)
        base = np.zeros(cards)
        if weights is not None:
            users = np.array([weights.learners.get(user, 0.0) for user in self.user_ids])
            items = np.array([weights.items.get(item, 0.0) for item in self.item_ids])
            base = weights.theta[0] + users[self.card_user] + items[self.card_item]
        for answers in self.steps:
            cards_now = self.card[answers]
            right, missed = done_right[cards_now], done_missed[cards_now]
            right_before[answers] = right
            missed_before[answers] = missed
            recalled = self.right[answers].astype(float)
            if weights is not None:
                z = base[cards_now] + weights.theta[1] * (np.sqrt(1 + right) - 1)
                z = np.clip(z + weights.theta[2] * (np.sqrt(1 + missed) - 1), *LOG2_RANGE)
                p = 2.0 ** (-self.days[answers] / 2.0**z)
                recalled *= p / np.maximum(p + guess * (1 - p), 1e-12)
            done_right[cards_now] = right + recalled
            done_missed[cards_now] = missed + 1 - recalled
        keep = self.days >= 1.0
        return Reviews(
            users=self.card_user[self.card[keep]],
            items=self.card_item[self.card[keep]],
            right=right_before[keep],
            missed=missed_before[keep],
            days=self.days[keep],
            outcome=self.right[keep].astype(float),
            at=self.at[keep],
            user_ids=self.user_ids,
            item_ids=self.item_ids,
        )


def reviews_of(
    cards: Mapping[tuple[int, str], Sequence[tuple[datetime, int]]],
    weights: HlrWeights | None = None,
    guess: float = 0.0,
) -> Reviews:
    """`AnswerLog.reviews` of each (learner, question)'s answers in time order."""
    return AnswerLog.of(cards).reviews(weights, guess)


def _walk(
    history: Sequence[tuple[datetime, int]], item_id: str, model: HlrModel | None, guess: float
) -> tuple[list[tuple[datetime, float, float, float, int]], float, float]:
    """(time, days since the answer before, recalls before, misses before, rating) of each
    answer after first sight, and the recalls and misses after the last one; recalls
    counted as `reviews_of` says."""
    out: list[tuple[datetime, float, float, float, int]] = []
    right = missed = 0.0
    before = history[0][0]
    base = 0.0
    if model is not None:
        base = model.theta[0] + model.learner + model.items.get(item_id, 0.0)
    for at, rating in history[1:]:
        days = (at - before).total_seconds() / _SECONDS_PER_DAY
        out.append((at, days, right, missed, rating))
        if rating <= 1:
            recalled = 0.0
        elif model is None:
            recalled = 1.0
        else:
            t1, t2 = model.theta[1], model.theta[2]
            z = base + t1 * (math.sqrt(1 + right) - 1) + t2 * (math.sqrt(1 + missed) - 1)
            p = 2.0 ** (-days / 2.0 ** min(max(z, LOG2_RANGE[0]), LOG2_RANGE[1]))
            recalled = p / (p + guess * (1 - p)) if p > 0 else 0.0
        right += recalled
        missed += 1 - recalled
        before = at
    return out, right, missed


def recall_counts(
    history: Sequence[tuple[datetime, int]], item_id: str, model: HlrModel, guess: float
) -> tuple[float, float]:
    """Expected recalls and misses after first sight in one question's answers (what the
    planner values it with)."""
    _, right, missed = _walk(history, item_id, model, guess)
    return right, missed


def _answer_chance(
    reviews: Reviews, theta: np.ndarray, users: np.ndarray, items: np.ndarray, guess: float
) -> tuple[np.ndarray, np.ndarray]:
    """(P(right), dP/dz) for each review, z = log2 h."""
    z = (
        theta[0]
        + theta[1] * (np.sqrt(1 + reviews.right) - 1)
        + theta[2] * (np.sqrt(1 + reviews.missed) - 1)
        + users[reviews.users]
        + items[reviews.items]
    )
    z = np.clip(z, *LOG2_RANGE)
    u = _LN2 * reviews.days * 2.0**-z
    recall = np.exp(-u)
    return guess + (1 - guess) * recall, (1 - guess) * recall * _LN2 * u


def predict(weights: HlrWeights, reviews: Reviews, guess: float) -> np.ndarray:
    """P(right) for each review (unknown learners and questions: offset 0)."""
    users = np.array([weights.learners.get(user, 0.0) for user in reviews.user_ids])
    items = np.array([weights.items.get(item, 0.0) for item in reviews.item_ids])
    chance, _ = _answer_chance(reviews, np.array(weights.theta), users, items, guess)
    return chance


def fit_hlr(
    reviews: Reviews,
    guess: float,
    *,
    start: HlrWeights | None = None,
    iterations: int = ITERATIONS,
) -> HlrWeights:
    """Maximum a posteriori θ and offsets (Gaussian prior on the offsets), by Adam."""
    n = max(1, len(reviews))
    users_n, items_n = len(reviews.user_ids), len(reviews.item_ids)
    theta = np.array(START_THETA, dtype=float)
    users = np.zeros(users_n)
    items = np.zeros(items_n)
    if start is not None:
        theta = np.array(start.theta, dtype=float)
        users = np.array([start.learners.get(user, 0.0) for user in reviews.user_ids])
        items = np.array([start.items.get(item, 0.0) for item in reviews.item_ids])
    params = np.concatenate([theta, users, items])
    first = np.zeros_like(params)
    second = np.zeros_like(params)
    beta1, beta2 = 0.9, 0.999
    ridge = 1.0 / (OFFSET_PRIOR_SD**2 * n)
    theta_ridge = 1.0 / (THETA_PRIOR_SD**2 * n)
    prior = np.array(START_THETA)
    features = (np.sqrt(1 + reviews.right) - 1, np.sqrt(1 + reviews.missed) - 1)
    y = reviews.outcome
    for step in range(1, iterations + 1):
        theta, users, items = params[:3], params[3 : 3 + users_n], params[3 + users_n :]
        chance, slope = _answer_chance(reviews, theta, users, items, guess)
        chance = np.clip(chance, 1e-6, 1 - 1e-6)
        # d(−log L)/dz per review, averaged over the reviews.
        dz = -(y / chance - (1 - y) / (1 - chance)) * slope / n
        grad = np.concatenate(
            [
                [dz.sum(), (dz * features[0]).sum(), (dz * features[1]).sum()]
                + theta_ridge * (theta - prior),
                np.bincount(reviews.users, weights=dz, minlength=users_n) + ridge * users,
                np.bincount(reviews.items, weights=dz, minlength=items_n) + ridge * items,
            ]
        )
        first = beta1 * first + (1 - beta1) * grad
        second = beta2 * second + (1 - beta2) * grad**2
        corrected = first / (1 - beta1**step)
        scale = np.sqrt(second / (1 - beta2**step)) + 1e-8
        params = params - LEARNING_RATE * corrected / scale
    theta, users, items = params[:3], params[3 : 3 + users_n], params[3 + users_n :]
    return HlrWeights(
        (float(theta[0]), float(theta[1]), float(theta[2])),
        {user: float(value) for user, value in zip(reviews.user_ids, users, strict=True)},
        {item: float(value) for item, value in zip(reviews.item_ids, items, strict=True)},
    )


def log_loss(predicted: np.ndarray, outcome: np.ndarray) -> float:
    p = np.clip(predicted, 1e-6, 1 - 1e-6)
    return float(-np.mean(outcome * np.log(p) + (1 - outcome) * np.log(1 - p)))


@dataclass(frozen=True)
class HlrFit:
    """A fit judged on the held-out answers, then refitted on all of them."""

    weights: HlrWeights  # fitted on every answer (after the held-out check)
    reviews: int
    heldout_reviews: int
    heldout_predicted: np.ndarray  # P(right) of the held-out reviews, from the training fit
    heldout_outcome: np.ndarray
    seconds: float

    @property
    def heldout_log_loss(self) -> float:
        return log_loss(self.heldout_predicted, self.heldout_outcome)


def fit_recalls(
    log: AnswerLog, guess: float, before: float | None = None
) -> tuple[HlrWeights, Reviews]:
    """HLR of recalls: fitted on counts of right answers first, then (`RECALL_ROUNDS`
    times) on the expected counts of recalls the last fit gives. Rows at or after
    `before` (POSIX seconds) are left out of the fit, not of the counts."""
    reviews = log.reviews()
    train = reviews if before is None else reviews.where(reviews.at < before)
    weights = fit_hlr(train, guess)
    for _ in range(RECALL_ROUNDS if guess > 0 else 0):
        reviews = log.reviews(weights, guess)
        train = reviews if before is None else reviews.where(reviews.at < before)
        weights = fit_hlr(train, guess, start=weights, iterations=WARM_ITERATIONS)
    return weights, log.reviews(weights, guess) if guess > 0 else reviews


def fit_and_check(
    cards: Mapping[tuple[int, str], Sequence[tuple[datetime, int]]],
    cut: datetime,
    guess: float,
) -> HlrFit | None:
    """Fit on the answers before `cut`, judge on the rest, then fit all (warm start)."""
    started = time.perf_counter()
    log = AnswerLog.of(cards)
    keep = log.days >= 1.0
    before = log.at[keep] < cut.timestamp()
    if not before.any() or before.all():
        return None
    trained, reviews = fit_recalls(log, guess, cut.timestamp())
    held = reviews.where(reviews.at >= cut.timestamp())
    predicted = predict(trained, held, guess)
    # Then every answer, from the training fit and its counts of recalls.
    full = fit_hlr(reviews, guess, start=trained, iterations=WARM_ITERATIONS)
    return HlrFit(
        full,
        len(reviews),
        len(held),
        predicted,
        held.outcome,
        time.perf_counter() - started,
    )


class HlrValues:
    """The planner's value of reviewing each question now, under one learner's HLR.

    Reviewed now, a question is recalled with the chance p the model gives and its
    count of recalls grows, else its count of misses: the value is the expected mean recall over the
    horizon after the review, less the mean recall over the same days without it. A new
    question's value is the mean of its first curve (right = missed = 0) over the horizon.
    """

    def __init__(self, model: HlrModel, horizon_days: float) -> None:
        self.model = model
        self.horizon = horizon_days

    def scored(
        self,
        due: Sequence[tuple[str, float, float, float, int]],
    ) -> list[tuple[float, int, str]]:
        """(value, −deck order, id) for (id, right, missed, elapsed days, deck order) rows."""
        if not due:
            return []
        ids = [row[0] for row in due]
        right = np.array([row[1] for row in due], dtype=float)
        missed = np.array([row[2] for row in due], dtype=float)
        elapsed = np.maximum(0.0, np.array([row[3] for row in due], dtype=float))
        model, horizon = self.model, self.horizon
        half = 2.0 ** model.log2_half_life(ids, right, missed)
        recall = 2.0 ** (-elapsed / half)
        hit = 2.0 ** model.log2_half_life(ids, right + 1, missed)
        miss = 2.0 ** model.log2_half_life(ids, right, missed + 1)
        with_review = recall * mean_recall(hit, horizon) + (1 - recall) * mean_recall(miss, horizon)
        values = (with_review - recall * mean_recall(half, horizon)).tolist()
        return [(value, -row[4], row[0]) for value, row in zip(values, due, strict=True)]

    def new_values(self, item_ids: Sequence[str]) -> list[float]:
        zero = np.zeros(len(item_ids))
        half = 2.0 ** self.model.log2_half_life(item_ids, zero, zero)
        return [float(value) for value in mean_recall(half, self.horizon)]

    def recall(self, item_id: str, right: int, missed: int, elapsed_days: float) -> float:
        return self.model.recall(item_id, right, missed, elapsed_days)

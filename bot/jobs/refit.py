"""The nightly refit: FSRS weights fitted to the answers so far, off the event loop.

Runs once a day (`REFIT_TIME`, UTC). It fits only when the review log has grown enough
since the last fit (`fitting.refit_due`), in a worker thread with a time budget, stores
every fit with its version and date (accepted or not), and logs how long it took and how
much it changed held-out log loss. Until a fit is accepted the defaults stay in force.

Beside FSRS it fits a half-life regression (`bot/domain/hlr.py`) on the same answers,
judges both families on the same held-out answers, and stores the HLR fit (scope
`hlr`, its θ; accepted when its held-out log loss is the lowest).

What the fits are used for: `memory-report`'s calibration. The planner and the
scheduler keep FSRS's defaults (calibrated per learner): in bench/learning.py a
planner using the FSRS fits, or valuing reviews with the HLR fit when it predicts
best, kept less in memory than one using the defaults (docs/learning.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from telegram.ext import JobQueue

from bot.content.models import Deck
from bot.domain.clock import Clock
from bot.domain.fitting import FitOutcome, Histories, hlr_outcome, refit, refit_due
from bot.domain.memory import DEFAULT_PARAMETERS
from bot.storage.memory_fits import DECK, HLR, LEARNER, POPULATION, MemoryFitRepository

log = logging.getLogger(__name__)

REFIT_TIME = time(3, 0)  # UTC: a quiet hour for most learners
BUDGET_SECONDS = 60.0
POPULATION_KEY = "all"


@dataclass(frozen=True)
class RefitReport:
    reviews: int
    seconds: float
    population: FitOutcome
    decks_accepted: int
    learners_accepted: int
    out_of_time: bool


async def run_refit(
    fits: MemoryFitRepository,
    deck_of: Mapping[str, str],
    clock: Clock,
    *,
    budget_seconds: float = BUDGET_SECONDS,
    force: bool = False,
) -> RefitReport | None:
    """Fit again if the log grew enough (or `force`); None when there was nothing to do."""
    answers = await fits.answers()
    reviews = Histories.of(answers).reviews()
    latest = await fits.latest(POPULATION, POPULATION_KEY)
    if not force and not refit_due(reviews, latest.reviews if latest else 0):
        return None
    in_force = await fits.in_force()
    current = in_force.population.parameters if in_force.population else DEFAULT_PARAMETERS
    # CPU-bound (fsrs-rs and numpy release the GIL for most of it): never on the loop.
    result = await asyncio.to_thread(
        refit, answers, current, deck_of=deck_of, budget_seconds=budget_seconds
    )
    now = clock.now()
    await fits.save(POPULATION, POPULATION_KEY, result.population, now)
    hlr = hlr_outcome(result.population, result.hlr)
    if hlr is not None:
        await fits.save(HLR, POPULATION_KEY, hlr, now)
    for deck, outcome in result.decks.items():
        await fits.save(DECK, deck, outcome, now)
    for user, outcome in result.learners.items():
        if outcome.fitted is not None:
            await fits.save(LEARNER, str(user), outcome, now)
    report = RefitReport(
        reviews=reviews,
        seconds=result.seconds,
        population=result.population,
        decks_accepted=sum(outcome.accepted for outcome in result.decks.values()),
        learners_accepted=sum(outcome.accepted for outcome in result.learners.values()),
        out_of_time=result.out_of_time,
    )
    population = result.population
    log.info(
        "refit: %d reviews in %.1f s; population fit %s (held-out log loss %s -> %s, %+.4f);"
        " %d deck and %d learner fits accepted%s; half-life regression held-out log loss %s"
        " (lowest: %s)",
        reviews,
        result.seconds,
        "accepted" if population.accepted else "not used",
        f"{population.base.log_loss:.4f}" if population.base else "-",
        f"{population.fitted.log_loss:.4f}" if population.fitted else "-",
        -population.improvement,
        report.decks_accepted,
        report.learners_accepted,
        " (time budget reached)" if result.out_of_time else "",
        f"{hlr.fitted.log_loss:.4f}" if hlr is not None and hlr.fitted else "-",
        result.family,
    )
    return report


def deck_index(decks: Iterable[Deck]) -> dict[str, str]:
    """item id → deck id, for per-deck fits."""
    return {item.id: deck.id for deck in decks for item in deck.items}


def schedule(
    job_queue: JobQueue[Any],
    fits: MemoryFitRepository,
    decks: Callable[[], Iterable[Deck]],
    clock: Clock,
) -> None:
    """The nightly job (`decks` is read at each run: a reload swaps the content bank)."""

    async def nightly(_context: object) -> None:
        await run_refit(fits, deck_index(decks()), clock)

    job_queue.run_daily(
        nightly,
        REFIT_TIME,
        name="refit",
        job_kwargs={"id": "refit", "replace_existing": True, "misfire_grace_time": 3600},
    )

"""Fits stored with version and date; the nightly refit; `python -m bot memory-report`."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from bot.domain.clock import ManualClock
from bot.domain.fitting import Calibration, FitOutcome
from bot.domain.memory import DEFAULT_PARAMETERS
from bot.jobs.refit import run_refit
from bot.memory_report import report
from bot.storage import Storage
from bot.storage.memory_fits import HLR, LEARNER, POPULATION
from bot.storage.records import NewAnswer
from tests.domain.test_fitting import forgetful_population

BETTER = Calibration(100, 0.50, 0.05, 0.7)
WORSE = Calibration(100, 0.60, 0.05, 0.7)
FITTED = tuple(value * 0.9 for value in DEFAULT_PARAMETERS)


async def test_fits_are_versioned_and_the_newest_accepted_is_in_force(
    storage: Storage, clock: ManualClock
) -> None:
    fits = storage.memory_fits
    assert (await fits.in_force()).parameters_for(1) == DEFAULT_PARAMETERS
    first = await fits.save(
        POPULATION, "all", FitOutcome(FITTED, 500, WORSE, BETTER, 1.0), clock.now()
    )
    later = clock.now() + timedelta(days=1)
    rejected = tuple(value * 0.5 for value in DEFAULT_PARAMETERS)
    second = await fits.save(
        POPULATION, "all", FitOutcome(rejected, 700, BETTER, WORSE, 1.0), later
    )
    assert (first.version, second.version) == (1, 2)
    assert not second.accepted
    latest = await fits.latest(POPULATION, "all")
    assert latest is not None and latest.version == 2 and latest.fitted_at == later
    in_force = await fits.in_force()
    assert in_force.population is not None and in_force.population.version == 1
    assert in_force.parameters_for(7) == FITTED
    own = tuple(value * 1.1 for value in DEFAULT_PARAMETERS)
    await fits.save(LEARNER, "7", FitOutcome(own, 300, WORSE, BETTER, 0.1), later)
    in_force = await fits.in_force()
    assert in_force.parameters_for(7) == own
    assert in_force.parameters_for(8) == FITTED


async def store_answers(storage: Storage, learners: int, days: int) -> None:
    answers = forgetful_population(learners=learners, days=days)
    for user in range(learners):
        await storage.users.ensure(user + 1, f"learner {user}", None, answers[0].at)
    for answer in answers:
        await storage.answers.record(
            NewAnswer(
                user_id=answer.user_id + 1,
                item_id=answer.item_id,
                chat_id=answer.user_id + 1,
                grade=answer.grade.value,
                correct=answer.grade.value != "again",
                answered_at=answer.at,
                context="quiz",
                poll_id=None,
                chosen_option=None,
                seconds=5.0,
                session_id=None,
                points=0,
            ),
            None,
        )


async def test_the_nightly_refit_fits_stores_and_waits_for_more_answers(
    storage: Storage, clock: ManualClock, database_target: Path | str
) -> None:
    assert await run_refit(storage.memory_fits, {}, clock) is None  # no answers: nothing to do
    await store_answers(storage, learners=10, days=20)
    done = await run_refit(storage.memory_fits, {}, clock)
    assert done is not None and done.population.accepted
    assert done.population.improvement > 0
    stored = await storage.memory_fits.latest(POPULATION, "all")
    assert stored is not None and stored.accepted and stored.reviews == done.reviews
    assert stored.fitted_at == clock.now()
    # The half-life regression judged on the same held-out answers is stored beside it,
    # and never put in force as FSRS weights.
    hlr = await storage.memory_fits.latest(HLR, "all")
    assert hlr is not None and len(hlr.parameters) == 3
    assert hlr.heldout_reviews == stored.heldout_reviews
    assert hlr.base_log_loss == min(stored.base_log_loss or 1e9, stored.fitted_log_loss or 1e9)
    assert hlr.accepted == (
        hlr.fitted_log_loss is not None and hlr.fitted_log_loss < hlr.base_log_loss
    )
    in_force = await storage.memory_fits.in_force()
    assert in_force.population is not None and in_force.population.scope == POPULATION
    # The log has not grown: the next night does nothing.
    assert await run_refit(storage.memory_fits, {}, clock) is None
    out = io.StringIO()
    await storage.close()
    assert await report(database_target, Path("content"), None, out) == 0
    text = out.getvalue()
    assert "defaults   log loss" in text and "fitted     log loss" in text
    assert "hlr        log loss" in text and "reported only: the planner uses FSRS" in text
    assert f"fit in force: population v1 of {clock.now():%Y-%m-%d %H:%M} UTC" in text
    await storage.open()


async def test_memory_report_names_an_unknown_deck(
    storage: Storage, database_target: Path | str
) -> None:
    out = io.StringIO()
    assert await report(database_target, Path("content"), "no-such-deck", out) == 2
    assert "no deck 'no-such-deck'" in out.getvalue()

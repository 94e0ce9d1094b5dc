"""/stats text says whether the learner's own fitted memory model is in use (issue 17):
the live planner uses the standard model for everyone, so it says so, with the date of the
learner's own fit when one was stored, and never claims that fit plans their revision."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.fitting import Calibration, FitOutcome
from bot.domain.memory import DEFAULT_PARAMETERS
from bot.storage.memory_fits import LEARNER
from tests.conftest import Harness
from tests.handlers.test_revision import MVD, questions, store_memory


def outcome(accepted: bool) -> FitOutcome:
    base = Calibration(100, 0.60, 0.05, 0.6)
    fitted = Calibration(100, 0.50 if accepted else 0.70, 0.04, 0.7)
    return FitOutcome(DEFAULT_PARAMETERS, 500, base, fitted, 0.1)


async def learner_with_answers(harness: Harness) -> dict[str, object]:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    for question in questions(harness, MVD)[:3]:
        await store_memory(harness, 11, question.id, datetime(2026, 11, 2, 18, tzinfo=UTC))
    harness.clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    return ada


async def test_without_a_fit_stats_text_says_the_standard_model_plans(harness: Harness) -> None:
    ada = await learner_with_answers(harness)
    await harness.command(ada, "/stats text")
    text = harness.api.texts(11)[-1]
    assert "planned with the standard memory model" in text
    assert "No model fitted to your own answers is in use yet." in text


async def test_an_accepted_own_fit_is_reported_with_its_date_and_as_not_in_use(
    harness: Harness,
) -> None:
    ada = await learner_with_answers(harness)
    fits = harness.services.storage.memory_fits
    await fits.save(LEARNER, "11", outcome(True), datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    # A later fit that was not accepted is not the one reported.
    await fits.save(LEARNER, "11", outcome(False), datetime(2026, 11, 3, 3, 0, tzinfo=UTC))
    # Another learner's fit says nothing about this one.
    await fits.save(LEARNER, "12", outcome(True), datetime(2026, 11, 3, 3, 0, tzinfo=UTC))
    await harness.command(ada, "/stats text")
    text = harness.api.texts(11)[-1]
    assert "fitted to your own answers (2026-11-02), but it is not in use" in text
    assert "planned with the standard model" in text


async def test_the_line_follows_the_learners_language(harness: Harness) -> None:
    ada = await learner_with_answers(harness)
    await harness.command(ada, "/language ru")
    await harness.command(ada, "/stats text")
    assert "standard memory model" not in harness.api.texts(11)[-1]

"""`python -m bot memory-report [--deck D]`: how well predicted recall matches the answers.

Prints log loss, RMSE over bins of predicted recall and AUC (srs-benchmark's figures)
for FSRS's default weights and for the fit in force, on the answers after the fit's
training cut (the held-out fifth), plus the reviews used and the date of the fit; and
the same figures for a half-life regression fitted on the spot (`bot/domain/hlr.py`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from bot.content.loader import load_bank
from bot.domain.fitting import FIT_GUESS, Calibration, Histories, calibration, evaluate
from bot.domain.hlr import fit_and_check
from bot.domain.memory import DEFAULT_PARAMETERS
from bot.jobs.refit import POPULATION_KEY
from bot.storage import Storage
from bot.storage.memory_fits import DECK, POPULATION


def _row(name: str, check: Calibration | None) -> str:
    if check is None:
        return f"{name:<10} no reviews a day or more apart to judge"
    return (
        f"{name:<10} log loss {check.log_loss:.4f}  RMSE(bins) {check.rmse_bins:.4f}"
        f"  AUC {check.auc:.3f}  ({check.reviews} reviews)"
    )


async def report(database: Path | str, content: Path, deck: str | None, out: TextIO) -> int:
    items: set[str] | None = None
    if deck is not None:
        found = load_bank(content).deck(deck)
        if found is None:
            print(f"error: no deck {deck!r} in {content}", file=out)
            return 2
        items = {item.id for item in found.items}
    storage = Storage(database)
    await storage.open()
    try:
        answers = await storage.memory_fits.answers(deck_items=items)
        in_force = await storage.memory_fits.in_force()
        fit = in_force.decks.get(deck) if deck is not None else None
        fit = fit or in_force.population
        latest = await storage.memory_fits.latest(
            DECK if deck is not None else POPULATION, deck or POPULATION_KEY
        )
    finally:
        await storage.close()
    histories = Histories.of(answers)
    cut = histories.cut()
    print(f"answers {len(answers)}, reviews after first sight {histories.reviews()}", file=out)
    print(f"held out: the answers from {cut:%Y-%m-%d %H:%M} UTC on" if cut else "", file=out)
    print(_row("defaults", evaluate(histories, DEFAULT_PARAMETERS, since=cut)), file=out)
    if fit is None:
        print("fitted    no fit in force yet: the defaults are used", file=out)
    else:
        print(_row("fitted", evaluate(histories, fit.parameters, since=cut)), file=out)
        print(
            f"fit in force: {fit.scope} v{fit.version} of {fit.fitted_at:%Y-%m-%d %H:%M} UTC, "
            f"{fit.reviews} reviews",
            file=out,
        )
    hlr = fit_and_check(histories.cards, cut, FIT_GUESS) if cut is not None else None
    if hlr is not None:
        print(_row("hlr", calibration(hlr.heldout_predicted, hlr.heldout_outcome)), file=out)
        print(
            "hlr: half-life regression fitted now on the answers before the cut "
            "(reported only: the planner uses FSRS)",
            file=out,
        )
    if latest is not None and (fit is None or latest.version != fit.version):
        print(
            f"latest fit: v{latest.version} of {latest.fitted_at:%Y-%m-%d %H:%M} UTC, not used "
            "(no better on held-out answers)",
            file=out,
        )
    return 0


def memory_report(database: Path | str, content: Path, deck: str | None, out: TextIO) -> int:
    return asyncio.run(report(database, content, deck, out))

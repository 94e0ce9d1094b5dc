"""Fitted FSRS weights: each fit with its version, date and held-out check.

Portable SQL (`?` parameters, `INSERT … ON CONFLICT … DO UPDATE`, times as integer ms,
weights as JSON text), so the PostgreSQL backend takes the statements unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain.fitting import Answer, FitOutcome
from bot.domain.memory import DEFAULT_PARAMETERS, Grade, Parameters
from bot.storage.database import Database, from_db_time, to_db_time

POPULATION = "population"
DECK = "deck"
LEARNER = "learner"
# The half-life regression fitted beside FSRS (parameters: its θ; accepted: it predicted
# the held-out answers better than FSRS's defaults and fit). Not used for planning.
HLR = "hlr"


@dataclass(frozen=True)
class StoredFit:
    scope: str
    scope_key: str
    version: int
    parameters: Parameters
    fitted_at: datetime
    reviews: int
    accepted: bool
    heldout_reviews: int
    base_log_loss: float | None
    fitted_log_loss: float | None
    seconds: float


@dataclass(frozen=True)
class FitsInForce:
    """The newest accepted fit of each scope: what prediction and planning use."""

    population: StoredFit | None
    decks: Mapping[str, StoredFit]
    learners: Mapping[int, StoredFit]

    def parameters_for(self, user_id: int, deck_id: str | None = None) -> Parameters:
        """The learner's own fit, else their deck's, else the population's, else the defaults."""
        own = self.learners.get(user_id)
        if own is not None:
            return own.parameters
        deck = self.decks.get(deck_id) if deck_id is not None else None
        if deck is not None:
            return deck.parameters
        return self.population.parameters if self.population else DEFAULT_PARAMETERS


_UPSERT = (
    "INSERT INTO memory_fits (scope, scope_key, version, parameters, fitted_at, reviews,"
    " accepted, heldout_reviews, base_log_loss, fitted_log_loss, seconds)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (scope, scope_key, version) DO UPDATE SET parameters = excluded.parameters,"
    " fitted_at = excluded.fitted_at, reviews = excluded.reviews,"
    " accepted = excluded.accepted, heldout_reviews = excluded.heldout_reviews,"
    " base_log_loss = excluded.base_log_loss, fitted_log_loss = excluded.fitted_log_loss,"
    " seconds = excluded.seconds"
)
_COLUMNS = (
    "scope, scope_key, version, parameters, fitted_at, reviews, accepted, heldout_reviews,"
    " base_log_loss, fitted_log_loss, seconds"
)
_RATINGS = {grade.value: grade for grade in Grade}


def _fit(row: Mapping[str, object]) -> StoredFit:
    return StoredFit(
        scope=str(row["scope"]),
        scope_key=str(row["scope_key"]),
        version=int(row["version"]),  # type: ignore[call-overload]
        parameters=tuple(float(value) for value in json.loads(str(row["parameters"]))),
        fitted_at=from_db_time(row["fitted_at"]),  # type: ignore[arg-type]
        reviews=int(row["reviews"]),  # type: ignore[call-overload]
        accepted=bool(row["accepted"]),
        heldout_reviews=int(row["heldout_reviews"]),  # type: ignore[call-overload]
        base_log_loss=row["base_log_loss"],  # type: ignore[arg-type]
        fitted_log_loss=row["fitted_log_loss"],  # type: ignore[arg-type]
        seconds=float(row["seconds"]),  # type: ignore[arg-type]
    )


class MemoryFitRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def answers(self, *, deck_items: Iterable[str] | None = None) -> list[Answer]:
        """Every graded answer, oldest first (the review log the fit reads)."""
        rows = await self._db.fetch_all(
            "SELECT user_id, item_id, answered_at, grade FROM answers ORDER BY answered_at, id"
        )
        keep = set(deck_items) if deck_items is not None else None
        return [
            Answer(
                row["user_id"],
                row["item_id"],
                from_db_time(row["answered_at"]),
                _RATINGS[row["grade"]],
            )
            for row in rows
            if (keep is None or row["item_id"] in keep) and row["grade"] in _RATINGS
        ]

    async def save(
        self, scope: str, scope_key: str, outcome: FitOutcome, fitted_at: datetime
    ) -> StoredFit:
        """Store one fit as the next version of its scope (accepted or not: the log keeps both)."""
        async with self._db.transaction() as db:
            row = await db.fetch_one(
                "SELECT COALESCE(MAX(version), 0) FROM memory_fits"
                " WHERE scope = ? AND scope_key = ?",
                (scope, scope_key),
            )
            version = (int(row[0]) if row else 0) + 1
            stored = StoredFit(
                scope=scope,
                scope_key=scope_key,
                version=version,
                parameters=outcome.parameters,
                fitted_at=fitted_at,
                reviews=outcome.reviews,
                accepted=outcome.accepted,
                heldout_reviews=outcome.fitted.reviews if outcome.fitted else 0,
                base_log_loss=outcome.base.log_loss if outcome.base else None,
                fitted_log_loss=outcome.fitted.log_loss if outcome.fitted else None,
                seconds=outcome.seconds,
            )
            await db.execute(
                _UPSERT,
                (
                    scope,
                    scope_key,
                    version,
                    json.dumps(list(outcome.parameters)),
                    to_db_time(fitted_at),
                    stored.reviews,
                    int(stored.accepted),
                    stored.heldout_reviews,
                    stored.base_log_loss,
                    stored.fitted_log_loss,
                    stored.seconds,
                ),
            )
        return stored

    async def latest(self, scope: str, scope_key: str) -> StoredFit | None:
        """The newest fit of a scope, accepted or not (what the refit job compares against)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM memory_fits WHERE scope = ? AND scope_key = ?"
            " ORDER BY version DESC LIMIT 1",
            (scope, scope_key),
        )
        return _fit(row) if row else None  # type: ignore[arg-type]

    async def learner_fit(self, user_id: int) -> StoredFit | None:
        """The newest accepted fit of one learner's own, if any (what /stats text reports)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM memory_fits WHERE scope = ? AND scope_key = ?"
            " AND accepted = 1 ORDER BY version DESC LIMIT 1",
            (LEARNER, str(user_id)),
        )
        return _fit(row) if row else None  # type: ignore[arg-type]

    async def in_force(self) -> FitsInForce:
        """The newest accepted fit of every scope and key."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM memory_fits f WHERE accepted = 1 AND version ="
            " (SELECT MAX(version) FROM memory_fits g WHERE g.scope = f.scope"
            " AND g.scope_key = f.scope_key AND g.accepted = 1)"
        )
        fits = [_fit(row) for row in rows]  # type: ignore[arg-type]
        population = next((fit for fit in fits if fit.scope == POPULATION), None)
        # (HLR fits are reported, never put in force: they are not FSRS weights.)
        decks = {fit.scope_key: fit for fit in fits if fit.scope == DECK}
        learners = {int(fit.scope_key): fit for fit in fits if fit.scope == LEARNER}
        return FitsInForce(population, decks, learners)

"""Group challenge rounds and the standings computed from their answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.domain.scoring import Standing, Tally
from bot.storage import challenge_totals
from bot.storage.database import Database, IntegrityError, Row, from_db_time, to_db_time

_COLUMNS = (
    "id, chat_id, started_by, deck_id, item_ids, seconds, position, started_at,"
    " question_sent_at, finished_at"
)


@dataclass(frozen=True)
class Challenge:
    id: int
    chat_id: int
    started_by: int
    deck_id: str
    item_ids: tuple[str, ...]
    seconds: int
    position: int
    started_at: datetime
    question_sent_at: datetime | None
    finished_at: datetime | None

    @property
    def next_item_id(self) -> str | None:
        return self.item_ids[self.position] if self.position < len(self.item_ids) else None


def _challenge(row: Row) -> Challenge:
    return Challenge(
        id=row["id"],
        chat_id=row["chat_id"],
        started_by=row["started_by"],
        deck_id=row["deck_id"],
        item_ids=tuple(json.loads(row["item_ids"])),
        seconds=row["seconds"],
        position=row["position"],
        started_at=from_db_time(row["started_at"]),
        question_sent_at=(
            from_db_time(row["question_sent_at"]) if row["question_sent_at"] else None
        ),
        finished_at=from_db_time(row["finished_at"]) if row["finished_at"] else None,
    )


class ChallengeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(
        self,
        chat_id: int,
        started_by: int,
        deck_id: str,
        item_ids: list[str],
        seconds: int,
        now: datetime,
    ) -> Challenge | None:
        """Open a round; None when the group already has one running."""
        try:
            async with self._db.transaction() as db:
                row = await db.fetch_one(
                    "INSERT INTO challenges (chat_id, started_by, deck_id, item_ids, seconds,"
                    " started_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (chat_id, started_by, deck_id, json.dumps(item_ids), seconds, to_db_time(now)),
                )
                assert row is not None
                challenge_id = int(row[0])
        except IntegrityError:
            return None
        return await self.get(challenge_id)

    async def get(self, challenge_id: int) -> Challenge | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM challenges WHERE id = ?", (challenge_id,)
        )
        return _challenge(row) if row else None

    async def running_in(self, chat_id: int) -> Challenge | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM challenges WHERE chat_id = ? AND finished_at IS NULL",
            (chat_id,),
        )
        return _challenge(row) if row else None

    async def all_running(self) -> list[Challenge]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM challenges WHERE finished_at IS NULL ORDER BY id"
        )
        return [_challenge(row) for row in rows]

    async def claim_next_question(self, challenge_id: int, position: int, now: datetime) -> bool:
        """Compare-and-set: only one caller moves the round past `position`."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE challenges SET position = position + 1, question_sent_at = ?"
                " WHERE id = ? AND position = ? AND finished_at IS NULL",
                (to_db_time(now), challenge_id, position),
            )
            return changed == 1

    async def drop_question(self, challenge_id: int, position: int, item_id: str) -> bool:
        """Compare-and-set: take the question at `position` out of the round (its item is
        gone), so the round's count and end time stay true to what is asked."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                f"UPDATE challenges SET item_ids = {db.dialect.json_list_without('item_ids')}"
                " WHERE id = ? AND position = ? AND finished_at IS NULL"
                f" AND {db.dialect.json_list_item('item_ids')} = ?",
                (position, challenge_id, position, position, item_id),
            )
            return changed == 1

    async def step_back(self, challenge_id: int, position: int) -> None:
        """Undo the `claim_next_question` that reached `position`: its poll was not sent."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE challenges SET position = position - 1 WHERE id = ? AND position = ?"
                " AND finished_at IS NULL",
                (challenge_id, position),
            )

    async def reopen(self, challenge_id: int) -> None:
        """Undo `finish`: the results could not be sent."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE challenges SET finished_at = NULL WHERE id = ?", (challenge_id,)
            )

    async def finish(self, challenge_id: int, now: datetime) -> bool:
        """Close the round; True only for the one caller that closed it (one results message)."""
        async with self._db.transaction() as db:
            changed = await db.execute(
                "UPDATE challenges SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                (to_db_time(now), challenge_id),
            )
            return changed == 1

    async def group_deck(self, chat_id: int) -> str | None:
        row = await self._db.fetch_one(
            "SELECT deck_id FROM group_decks WHERE chat_id = ?", (chat_id,)
        )
        return str(row["deck_id"]) if row else None

    async def set_group_deck(self, chat_id: int, deck_id: str) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO group_decks (chat_id, deck_id) VALUES (?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET deck_id = excluded.deck_id",
                (chat_id, deck_id),
            )

    async def round_tallies(self, challenge_id: int) -> list[Tally]:
        return await self._tallies("a.context = 'challenge' AND a.session_id = ?", (challenge_id,))

    async def leaderboard(
        self, chat_id: int, since: datetime | None, caller_id: int, size: int
    ) -> list[Standing]:
        """Top `size` of the group (this week when `since` is its Monday, else all time),
        plus the caller's standing when below them; read from the running totals."""
        return await challenge_totals.board(self._db, chat_id, since, caller_id, size)

    async def _tallies(self, condition: str, params: tuple[object, ...]) -> list[Tally]:
        rows = await self._db.fetch_all(
            'SELECT a.user_id, u.first_name, SUM(a.correct) AS "right", SUM(a.points) AS points,'
            " SUM(COALESCE(a.seconds, 0)) AS seconds FROM answers a"
            f" JOIN users u ON u.user_id = a.user_id WHERE {condition}"
            " GROUP BY a.user_id, u.first_name",
            params,
        )
        return [
            Tally(row["user_id"], row["first_name"], row["right"], row["points"], row["seconds"])
            for row in rows
        ]

"""Which item a learner sees next: spaced repetition first, new material second."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from bot.domain.memory import DEFAULT_RETENTION, MemoryState, recall_probability


def choose_next(
    candidates: Sequence[str],
    memories: Mapping[str, MemoryState],
    now: datetime,
    *,
    last_item_id: str | None = None,
    new_allowance: int = 10,
    desired_retention: float = DEFAULT_RETENTION,
    exclude: Collection[str] = (),
    study_ahead: bool = False,
) -> str | None:
    """The next item among `candidates` (deck order), or None when there is nothing to do.

    Order of preference:
    1. items due for review, the one the learner is most likely to have forgotten
       first (so recent misses lead);
    2. unseen items in deck order, while today's new-item allowance lasts;
    3. with `study_ahead` (the learner asked for practice): the seen item with the
       lowest predicted recall, then unseen items past the allowance.
    The item just shown (`last_item_id`) and anything in `exclude` are never chosen.
    """
    eligible = [item for item in candidates if item != last_item_id and item not in exclude]
    seen = [item for item in eligible if item in memories]
    unseen = [item for item in eligible if item not in memories]

    def forgetting_order(item: str) -> tuple[float, datetime]:
        memory = memories[item]
        return recall_probability(memory, now, desired_retention), memory.due

    due = [item for item in seen if memories[item].due <= now]
    if due:
        return min(due, key=forgetting_order)
    if unseen and new_allowance > 0:
        return unseen[0]
    if not study_ahead:
        return None
    if seen:
        return min(seen, key=forgetting_order)
    return unseen[0] if unseen else None


def plan_session(
    candidates: Sequence[str],
    memories: Mapping[str, MemoryState],
    now: datetime,
    *,
    size: int,
    last_item_id: str | None = None,
    new_allowance: int = 10,
    desired_retention: float = DEFAULT_RETENTION,
) -> list[str]:
    """Up to `size` distinct items, due first (by forgetting), then new ones.

    The same order `choose_next` gives one at a time, computed in one pass. Daily
    revision now uses `bot.domain.planner.plan_daily`; this due-first rule stays as
    the baseline `bench/daily_fanout.py` times the planner against.
    """
    eligible = [item for item in candidates if item != last_item_id]
    due = [item for item in eligible if item in memories and memories[item].due <= now]
    due.sort(
        key=lambda item: (
            recall_probability(memories[item], now, desired_retention),
            memories[item].due,
        )
    )
    planned = due[:size]
    if len(planned) < size and new_allowance > 0:
        unseen = [item for item in eligible if item not in memories]
        planned += unseen[: min(size - len(planned), new_allowance)]
    return planned

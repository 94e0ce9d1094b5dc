"""Which item comes next: due reviews first (most-forgotten first), then new items."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.chooser import choose_next, plan_session
from bot.domain.memory import Grade, MemoryState, recall_probability, review

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
NEXT_DAY = START + timedelta(days=1)


def answered(
    grades: dict[str, Grade], start: datetime = START, gap: timedelta = timedelta(minutes=1)
) -> dict[str, MemoryState]:
    """Memories of items answered once each, one `gap` apart, from `start`."""
    return {
        item: review(None, item, grade, start + gap * number)
        for number, (item, grade) in enumerate(grades.items())
    }


def test_missed_item_comes_first_in_the_next_days_revision() -> None:
    memories = answered({"y": Grade.GOOD, "x": Grade.AGAIN, "z": Grade.GOOD})
    deck_order = ["y", "z", "x"]
    assert choose_next(deck_order, memories, NEXT_DAY) == "x"
    plan = plan_session(deck_order, memories, NEXT_DAY, size=3)
    assert plan[0] == "x"
    assert sorted(plan) == ["x", "y", "z"]


def test_missed_item_leads_even_when_it_was_answered_last() -> None:
    # The right answers are older, the miss is the freshest: a fresh miss still leads.
    memories = answered({"y": Grade.GOOD, "z": Grade.GOOD, "x": Grade.AGAIN})
    assert plan_session(["x", "y", "z"], memories, NEXT_DAY, size=1) == ["x"]


def test_due_items_are_ordered_by_lowest_recall_first() -> None:
    memories = answered({"a": Grade.GOOD, "b": Grade.AGAIN, "c": Grade.HARD, "d": Grade.EASY})
    later = START + timedelta(days=30)
    plan = plan_session(["a", "b", "c", "d"], memories, later, size=4)
    recalls = [recall_probability(memories[item], later) for item in plan]
    assert recalls == sorted(recalls)
    assert plan[0] == "b"


def test_due_items_come_before_new_ones() -> None:
    memories = answered({"seen": Grade.GOOD})
    candidates = ["new-1", "new-2", "seen"]
    assert choose_next(candidates, memories, NEXT_DAY) == "seen"
    assert plan_session(candidates, memories, NEXT_DAY, size=3) == ["seen", "new-1", "new-2"]


def test_new_items_come_in_deck_order_when_nothing_is_due() -> None:
    memories = answered({"seen": Grade.EASY})
    not_due_yet = START + timedelta(minutes=5)
    assert memories["seen"].due > not_due_yet
    assert choose_next(["seen", "b", "a"], memories, not_due_yet) == "b"


def test_new_allowance_limits_new_items_in_a_session() -> None:
    candidates = ["n1", "n2", "n3", "n4"]
    assert plan_session(candidates, {}, START, size=10, new_allowance=2) == ["n1", "n2"]
    assert plan_session(candidates, {}, START, size=10, new_allowance=0) == []


def test_new_allowance_does_not_limit_due_reviews() -> None:
    memories = answered({"r1": Grade.GOOD, "r2": Grade.GOOD})
    plan = plan_session(["n1", "r1", "r2", "n2"], memories, NEXT_DAY, size=10, new_allowance=1)
    assert sorted(plan[:2]) == ["r1", "r2"]
    assert plan[2:] == ["n1"]


def test_without_study_ahead_there_is_nothing_to_do_when_nothing_is_due() -> None:
    memories = answered({"a": Grade.EASY, "b": Grade.EASY})
    soon = START + timedelta(minutes=10)
    assert choose_next(["a", "b"], memories, soon) is None
    assert choose_next(["a", "b", "new"], memories, soon, new_allowance=0) is None


def test_study_ahead_picks_the_seen_item_with_lowest_recall() -> None:
    memories = answered({"a": Grade.EASY, "b": Grade.HARD, "c": Grade.EASY})
    soon = START + timedelta(minutes=3)
    assert all(memory.due > soon for memory in memories.values())
    assert choose_next(["a", "b", "c"], memories, soon, study_ahead=True) == "b"


def test_study_ahead_offers_new_items_past_the_allowance() -> None:
    assert choose_next(["n1", "n2"], {}, START, new_allowance=0, study_ahead=True) == "n1"
    assert choose_next(["n1", "n2"], {}, START, new_allowance=0) is None


def test_study_ahead_prefers_seen_items_over_new_ones_past_the_allowance() -> None:
    memories = answered({"seen": Grade.EASY})
    soon = START + timedelta(minutes=10)
    picked = choose_next(["new", "seen"], memories, soon, new_allowance=0, study_ahead=True)
    assert picked == "seen"


def test_the_item_just_shown_is_skipped_even_if_it_is_the_most_due() -> None:
    memories = answered({"x": Grade.AGAIN, "y": Grade.GOOD})
    assert choose_next(["x", "y"], memories, NEXT_DAY, last_item_id="x") == "y"
    assert choose_next(["x"], memories, NEXT_DAY, last_item_id="x", study_ahead=True) is None


def test_excluded_items_are_never_chosen() -> None:
    memories = answered({"x": Grade.AGAIN})
    assert choose_next(["x", "new"], memories, NEXT_DAY, exclude={"x"}) == "new"


def test_plan_session_never_starts_with_the_last_item_shown() -> None:
    memories = answered({"x": Grade.AGAIN, "y": Grade.GOOD})
    assert plan_session(["x", "y"], memories, NEXT_DAY, size=2, last_item_id="x") == ["y"]


def test_plan_session_respects_size() -> None:
    assert plan_session(["a", "b", "c"], {}, START, size=2) == ["a", "b"]
    assert plan_session(["a", "b", "c"], {}, START, size=0) == []


# --- properties ---------------------------------------------------------------------

IDS = ["a", "b", "c", "d", "e", "f", "g"]


def _pool() -> list[MemoryState]:
    """Realistic memories: a few answer histories, reviewed at different times."""
    histories = [
        [Grade.AGAIN],
        [Grade.GOOD],
        [Grade.EASY],
        [Grade.HARD, Grade.GOOD],
        [Grade.GOOD, Grade.GOOD, Grade.GOOD],
        [Grade.GOOD, Grade.AGAIN],
        [Grade.EASY, Grade.EASY, Grade.AGAIN, Grade.GOOD],
    ]
    pool = []
    for offset_days in (0, 3, 20):
        for history in histories:
            memory: MemoryState | None = None
            moment = START - timedelta(days=offset_days)
            for grade in history:
                memory = review(memory, "item", grade, moment)
                moment = max(memory.due, moment + timedelta(minutes=1))
            assert memory is not None
            pool.append(memory)
    return pool


POOL = _pool()

# A deck's item ids are unique (the loader enforces it), so candidates are too.
candidates_st = st.lists(st.sampled_from(IDS), max_size=len(IDS), unique=True)
memories_st = st.dictionaries(st.sampled_from(IDS), st.sampled_from(POOL)).map(
    lambda found: {item: replace(memory, item_id=item) for item, memory in found.items()}
)
now_st = st.integers(min_value=-2 * 24 * 60, max_value=60 * 24 * 60).map(
    lambda minutes: START + timedelta(minutes=minutes)
)
last_st = st.none() | st.sampled_from(IDS)


@settings(max_examples=200, deadline=None)
@given(
    candidates=candidates_st,
    memories=memories_st,
    now=now_st,
    last_item_id=last_st,
    exclude=st.frozensets(st.sampled_from(IDS)),
    new_allowance=st.integers(min_value=0, max_value=5),
    study_ahead=st.booleans(),
)
def test_choose_next_only_returns_an_allowed_candidate(
    candidates: list[str],
    memories: dict[str, MemoryState],
    now: datetime,
    last_item_id: str | None,
    exclude: frozenset[str],
    new_allowance: int,
    study_ahead: bool,
) -> None:
    picked = choose_next(
        candidates,
        memories,
        now,
        last_item_id=last_item_id,
        new_allowance=new_allowance,
        exclude=exclude,
        study_ahead=study_ahead,
    )
    allowed = [c for c in candidates if c != last_item_id and c not in exclude]
    if picked is None:
        # Nothing is returned only when nothing allowed is due, new-and-allowed or (ahead) left.
        assert not any(c in memories and memories[c].due <= now for c in allowed)
        assert not (new_allowance > 0 and any(c not in memories for c in allowed))
        assert not (study_ahead and allowed)
    else:
        assert picked in candidates
        assert picked != last_item_id
        assert picked not in exclude
        if picked not in memories:
            assert new_allowance > 0 or study_ahead


@settings(max_examples=200, deadline=None)
@given(
    candidates=candidates_st,
    memories=memories_st,
    now=now_st,
    last_item_id=last_st,
    size=st.integers(min_value=0, max_value=12),
    new_allowance=st.integers(min_value=0, max_value=5),
)
def test_plan_session_never_repeats_an_item(
    candidates: list[str],
    memories: dict[str, MemoryState],
    now: datetime,
    last_item_id: str | None,
    size: int,
    new_allowance: int,
) -> None:
    plan = plan_session(
        candidates,
        memories,
        now,
        size=size,
        last_item_id=last_item_id,
        new_allowance=new_allowance,
    )
    assert len(plan) <= size
    assert len(plan) == len(set(plan))
    assert all(a != b for a, b in zip([last_item_id, *plan], plan, strict=False))
    assert set(plan) <= set(candidates)
    assert sum(1 for item in plan if item not in memories) <= new_allowance


def one_at_a_time(
    candidates: list[str],
    memories: dict[str, MemoryState],
    now: datetime,
    size: int,
    new_allowance: int,
) -> list[str]:
    planned: list[str] = []
    previous: str | None = None
    new_left = new_allowance
    while len(planned) < size:
        item = choose_next(
            candidates,
            memories,
            now,
            last_item_id=previous,
            new_allowance=new_left,
            exclude=planned,
        )
        if item is None:
            break
        new_left -= item not in memories
        planned.append(item)
        previous = item
    return planned


@settings(max_examples=200, deadline=None)
@given(
    candidates=candidates_st,
    memories=memories_st,
    now=now_st,
    size=st.integers(min_value=0, max_value=12),
    new_allowance=st.integers(min_value=0, max_value=5),
)
def test_plan_session_gives_the_order_choose_next_gives_one_at_a_time(
    candidates: list[str],
    memories: dict[str, MemoryState],
    now: datetime,
    size: int,
    new_allowance: int,
) -> None:
    plan = plan_session(candidates, memories, now, size=size, new_allowance=new_allowance)
    assert plan == one_at_a_time(candidates, memories, now, size, new_allowance)

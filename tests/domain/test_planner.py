"""The daily planner: value under a budget, day-granular due dates, full sessions, leeches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.daily import next_prompt_at
from bot.domain.memory import Grade, MemoryState, forgetting_curve, review
from bot.domain.planner import (
    LearnerRecord,
    ValueModel,
    is_due_by,
    new_item_value,
    plan_daily,
    review_value,
)

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOMORROW = MONDAY + timedelta(days=1)


def answered(
    item_id: str, grades: list[Grade], start: datetime, gap: timedelta = timedelta(days=1)
) -> MemoryState:
    memory: MemoryState | None = None
    moment = start
    for grade in grades:
        memory = review(memory, item_id, grade, moment)
        moment += gap
    assert memory is not None
    return memory


def test_an_item_due_before_the_next_prompt_is_due_at_this_one() -> None:
    # Answered yesterday at 09:03 with a one-day interval: due today at 09:03, after
    # today's 09:00 prompt. It is due at this prompt, not tomorrow's.
    yesterday = MONDAY - timedelta(days=1) + timedelta(minutes=3)
    memory = _with_due(answered("x", [Grade.GOOD] * 2, yesterday), MONDAY + timedelta(minutes=3))
    next_prompt = next_prompt_at("09:00", UTC, MONDAY)
    assert next_prompt == TOMORROW
    assert is_due_by(memory, next_prompt)
    assert not is_due_by(memory, MONDAY)  # the old rule: a day late
    plan = plan_daily(["x"], [], {"x": memory}, MONDAY, next_prompt, size=1, new_allowance=0)
    assert plan.item_ids == ["x"] and plan.due == 1


@pytest.mark.parametrize(
    ("zone", "prompt_day", "hours_to_next"),
    [
        ("Europe/Berlin", datetime(2026, 3, 28, 9, 0), 23),  # spring forward: a 23-hour day
        ("Europe/Berlin", datetime(2026, 10, 24, 9, 0), 25),  # fall back: a 25-hour day
        ("America/New_York", datetime(2026, 3, 7, 9, 0), 23),
        ("Asia/Kolkata", datetime(2026, 3, 28, 9, 0), 24),  # no DST, +05:30
    ],
)
def test_due_window_is_one_local_day_across_time_zones_and_dst(
    zone: str, prompt_day: datetime, hours_to_next: int
) -> None:
    local = ZoneInfo(zone)
    now = prompt_day.replace(tzinfo=local).astimezone(UTC)
    next_prompt = next_prompt_at("09:00", local, now)
    assert next_prompt - now == timedelta(hours=hours_to_next)
    assert next_prompt.astimezone(local).hour == 9
    # Due one minute before the next local 09:00: due now. One minute after: not.
    just_before = answered("x", [Grade.EASY], now - timedelta(days=3))
    just_before = _with_due(just_before, next_prompt - timedelta(minutes=1))
    just_after = _with_due(just_before, next_prompt + timedelta(minutes=1))
    memories = {"a": _rename(just_before, "a"), "b": _rename(just_after, "b")}
    plan = plan_daily(["a", "b"], [], memories, now, next_prompt, size=1, new_allowance=0)
    assert plan.due == 1 and plan.item_ids == ["a"]


def _with_due(memory: MemoryState, due: datetime) -> MemoryState:
    return MemoryState(**{**memory.__dict__, "due": due})


def _rename(memory: MemoryState, item_id: str) -> MemoryState:
    return MemoryState(**{**memory.__dict__, "item_id": item_id})


def test_budget_takes_the_most_valuable_items_not_simply_the_due_ones() -> None:
    # A strong memory a day past its date adds little; an item forgotten long ago, a lot.
    strong = answered("strong", [Grade.GOOD] * 4, MONDAY - timedelta(days=60), timedelta(days=5))
    strong = _with_due(strong, MONDAY - timedelta(days=1))
    weak = answered("weak", [Grade.AGAIN], MONDAY - timedelta(days=20))
    curve = forgetting_curve()
    assert review_value(weak, MONDAY, curve) > review_value(strong, MONDAY, curve)
    memories = {"strong": strong, "weak": weak}
    plan = plan_daily(["strong", "weak"], [], memories, MONDAY, TOMORROW, size=1, new_allowance=0)
    assert plan.item_ids == ["weak"] and plan.due == 2


def test_value_of_reviewing_a_just_reviewed_item_is_smaller_than_of_learning_a_new_one() -> None:
    fresh = answered("x", [Grade.GOOD, Grade.GOOD], MONDAY - timedelta(days=2))
    curve = forgetting_curve()
    assert 0 <= review_value(fresh, MONDAY, curve) < new_item_value(curve)


def test_new_questions_come_in_deck_order_within_the_allowance() -> None:
    plan = plan_daily([], ["n1", "n2", "n3"], {}, MONDAY, TOMORROW, size=5, new_allowance=2)
    assert plan.item_ids == ["n1", "n2"]
    assert plan_daily([], ["n1"], {}, MONDAY, TOMORROW, size=5, new_allowance=0).item_ids == []


def test_session_is_filled_with_the_seen_items_most_at_risk() -> None:
    # Nothing due, the allowance spent: the session is still the learner's full K.
    memories = {
        item_id: answered(item_id, [Grade.EASY], MONDAY - timedelta(days=days))
        for item_id, days in [("old", 3), ("older", 4), ("recent", 1)]
    }
    assert not any(is_due_by(memory, TOMORROW) for memory in memories.values())
    plan = plan_daily(list(memories), ["n1"], memories, MONDAY, TOMORROW, size=2, new_allowance=0)
    assert plan.item_ids == ["older", "old"] and plan.due == 0


def test_reviews_are_shown_before_new_questions_and_a_recent_miss_leads() -> None:
    missed = answered("missed", [Grade.AGAIN], MONDAY - timedelta(days=1))
    kept = answered("kept", [Grade.GOOD], MONDAY - timedelta(days=1))
    memories = {"missed": missed, "kept": kept}
    plan = plan_daily(
        ["kept", "missed"], ["n1", "n2"], memories, MONDAY, TOMORROW, size=4, new_allowance=10
    )
    assert plan.item_ids[0] == "missed"
    assert set(plan.item_ids[:2]) == {"missed", "kept"} and plan.item_ids[2:] == ["n1", "n2"]


def leech(item_id: str, last: datetime) -> MemoryState:
    memory = answered(item_id, [Grade.GOOD] + [Grade.AGAIN] * 4, last - timedelta(days=4))
    assert memory.lapses == 4 and memory.last_review == last
    return memory


def test_leeches_take_at_most_half_a_session() -> None:
    memories = {f"l{index}": leech(f"l{index}", MONDAY - timedelta(days=2)) for index in range(8)}
    new = [f"n{index}" for index in range(10)]
    plan = plan_daily(list(memories), new, memories, MONDAY, TOMORROW, size=10, new_allowance=10)
    assert len(plan.item_ids) == 10
    assert sum(item.startswith("l") for item in plan.item_ids) == 5
    # With nothing else left, the rest of them fill the session.
    plan = plan_daily(list(memories), [], memories, MONDAY, TOMORROW, size=10, new_allowance=0)
    assert sorted(plan.item_ids) == sorted(memories)


def test_at_most_one_leech_in_a_short_session_and_not_on_consecutive_days() -> None:
    memories = {f"l{index}": leech(f"l{index}", MONDAY - timedelta(days=2)) for index in range(3)}
    memories["ok"] = answered("ok", [Grade.AGAIN], MONDAY - timedelta(days=1))
    seen = list(memories)
    plan = plan_daily(seen, ["n1"], memories, MONDAY, TOMORROW, size=3, new_allowance=1)
    assert sum(item.startswith("l") for item in plan.item_ids) == 1
    assert "ok" in plan.item_ids and "n1" in plan.item_ids
    # A leech answered yesterday rests today, while anything else is left to do.
    memories["l0"] = leech("l0", MONDAY - timedelta(days=1))
    plan = plan_daily(["l0", "ok"], ["n1"], memories, MONDAY, TOMORROW, size=2, new_allowance=1)
    assert "l0" not in plan.item_ids
    # ... and comes back as a filler when nothing else is left.
    plan = plan_daily(["l0"], [], memories, MONDAY, TOMORROW, size=2, new_allowance=0)
    assert plan.item_ids == ["l0"]


def test_leech_threshold_is_configurable() -> None:
    memories = {f"l{index}": leech(f"l{index}", MONDAY - timedelta(days=2)) for index in range(3)}
    seen = list(memories)
    capped = plan_daily(seen, [], memories, MONDAY, TOMORROW, size=3, new_allowance=0)
    assert len(capped.item_ids) == 3  # leeches fill when nothing else is left
    lenient = plan_daily(
        seen, [], memories, MONDAY, TOMORROW, size=3, new_allowance=0, leech_lapses=10
    )
    assert sorted(lenient.item_ids) == ["l0", "l1", "l2"]


def test_learner_who_misses_more_than_fsrs_predicts_gets_a_steeper_curve() -> None:
    # Reviews FSRS expected to be recalled 90 % of the time; 92.5 % right is 90 % recall
    # plus a quarter of the other 10 % guessed: exactly as predicted.
    expected = 0.9 * 40
    assert LearnerRecord(reviews=40, lapses=3, recall_predicted=expected).decay_scale() == (
        pytest.approx(1.0)
    )
    forgetful = LearnerRecord(reviews=40, lapses=15, recall_predicted=expected)
    sharp = LearnerRecord(reviews=40, lapses=0, recall_predicted=expected)
    assert forgetful.decay_scale() > 2.0
    assert sharp.decay_scale() < 1.0
    assert LearnerRecord(reviews=0, lapses=0, recall_predicted=0.0).decay_scale() == 1.0
    # Few reviews are trusted little.
    assert 1.0 < LearnerRecord(3, 1, 2.7).decay_scale() < forgetful.decay_scale()
    # ... and the fitted steepness stays within bounds.
    assert LearnerRecord(400, 300, 360.0).decay_scale() == 3.0


def test_new_questions_follow_the_share_of_reviews_kept() -> None:
    assert LearnerRecord(reviews=2, lapses=2, recall_predicted=1.8).new_share() == 0.6
    assert LearnerRecord(reviews=20, lapses=0, recall_predicted=18).new_share() == 1.0
    assert LearnerRecord(reviews=20, lapses=10, recall_predicted=18).new_share() == 0.2
    # With reviews waiting, a forgetful learner's session is mostly reviews.
    memories = {
        f"r{index}": answered(f"r{index}", [Grade.GOOD] + [Grade.AGAIN] * 3, MONDAY - timedelta(4))
        for index in range(5)
    }
    new = [f"n{index}" for index in range(5)]
    plan = plan_daily(list(memories), new, memories, MONDAY, TOMORROW, size=5, new_allowance=10)
    assert sum(item.startswith("n") for item in plan.item_ids) == 1


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[str], list[str], dict[str, MemoryState]]:
    count = draw(st.integers(0, 12))
    memories: dict[str, MemoryState] = {}
    for index in range(count):
        grades = draw(st.lists(st.sampled_from(list(Grade)), min_size=1, max_size=6))
        gap = timedelta(hours=draw(st.integers(1, 24 * 12)))
        start = MONDAY - gap * len(grades)
        memories[f"s{index}"] = answered(f"s{index}", grades, start, gap)
    new = [f"n{index}" for index in range(draw(st.integers(0, 8)))]
    return list(memories), new, memories


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(1, 20), st.integers(0, 10))
def test_plan_is_distinct_within_budget_and_full_while_anything_is_left(
    history: tuple[list[str], list[str], dict[str, MemoryState]], size: int, allowance: int
) -> None:
    seen, new, memories = history
    plan = plan_daily(seen, new, memories, MONDAY, TOMORROW, size=size, new_allowance=allowance)
    assert len(plan.item_ids) == len(set(plan.item_ids)) <= size
    assert set(plan.item_ids) <= set(seen) | set(new[:allowance])
    available = len(seen) + min(allowance, len(new))
    assert len(plan.item_ids) == min(size, available)  # full while anything is left


@settings(max_examples=60, deadline=None)
@given(histories(), st.floats(0.3, 3.0), st.sampled_from([0.0, 0.25]))
def test_the_array_valuation_equals_the_one_item_formula(
    history: tuple[list[str], list[str], dict[str, MemoryState]], steepness: float, guess: float
) -> None:
    seen, _, memories = history
    curve = forgetting_curve().scaled(steepness)
    due = [(item_id, memories[item_id], order) for order, item_id in enumerate(seen)]
    for value, negative_order, item_id in ValueModel(curve, 30.0, guess).scored(due, MONDAY):
        expected = review_value(memories[item_id], MONDAY, curve, 30.0, guess)
        assert value == pytest.approx(expected, abs=1e-9)
        assert seen[-negative_order] == item_id


@pytest.mark.parametrize(("stability", "start", "end"), [(0.2, 0.0, 30.0), (5.0, 2.0, 32.0)])
def test_memory_net_of_guessing_is_the_curve_above_the_guess_rate_rescaled(
    stability: float, start: float, end: float
) -> None:
    """A curve of right answers R holds memory max(0, (R − g) / (1 − g)): averaged here by
    the closed form, checked against a fine sum; with g = 0 it is the curve itself."""
    curve = forgetting_curve()
    ages = np.linspace(start, end, 200_001)
    recall = np.array([curve.recall(stability, age) for age in ages[::1000]])
    fine = (1 + curve.factor * ages / stability) ** curve.decay
    assert np.allclose(recall, fine[::1000])
    net = np.maximum(0.0, (fine - 0.25) / 0.75).mean()
    assert curve.mean_memory(stability, start, end, 0.25) == pytest.approx(net, rel=1e-3)
    assert curve.mean_memory(stability, start, end) == pytest.approx(fine.mean(), rel=1e-3)
    # Net of guessing, a first exposure that only looks lasting is worth less.
    assert new_item_value(curve, 30.0, 0.25) < new_item_value(curve, 30.0)

"""Sending pace with an injected clock: even slots, no bursts after a stall, 429s, groups."""

from __future__ import annotations

import asyncio
import datetime as dtm
import itertools
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.pacing import PACE_MARGIN, MovingWindow, SlotPacer, TelegramRateLimiter


@pytest.fixture(autouse=True)
def timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the bot runs (bot/__main__.py opts in): RetryAfter carries a timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


class FakeTime:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_slots_are_evenly_spaced_and_never_exceed_the_rate() -> None:
    time = FakeTime()
    pacer = SlotPacer(10, clock=time.clock, sleep=time.sleep)
    released: list[float] = []

    async def send() -> None:
        await pacer.wait_for_slot()
        released.append(time.now)

    await asyncio.gather(*(send() for _ in range(35)))
    gaps = [b - a for a, b in itertools.pairwise(released)]
    assert all(gap == pytest.approx(0.1) for gap in gaps)
    assert most_in_any_window(released, 1.0) <= 10


async def test_a_stall_does_not_turn_into_a_burst() -> None:
    time = FakeTime()
    pacer = SlotPacer(10, max_catch_up=0.03, clock=time.clock, sleep=time.sleep)
    released: list[float] = []
    for _ in range(5):
        await pacer.wait_for_slot()
        released.append(time.now)
    time.now += 2.0  # the event loop was busy for two seconds
    for _ in range(15):
        await pacer.wait_for_slot()
        released.append(time.now)
    assert most_in_any_window(released, 1.0) <= 10
    after = released[5:]
    assert after[1] - after[0] == pytest.approx(0.1)


async def test_moving_window_allows_a_burst_then_waits_for_room() -> None:
    time = FakeTime()
    window = MovingWindow(3, 60.0, clock=time.clock, sleep=time.sleep)
    start = time.now
    passes = []
    for _ in range(5):
        await window.wait_for_room()
        passes.append(time.now - start)
    assert passes == [0.0, 0.0, 0.0, 60.0, 60.0]


def limiter(time: FakeTime, retries: int = 2) -> TelegramRateLimiter:
    return TelegramRateLimiter(
        overall_per_second=30 / PACE_MARGIN,  # exactly 30 slots a second
        group_per_minute=20,
        max_retries=retries,
        clock=time.clock,
        sleep=time.sleep,
    )


async def test_retry_after_pauses_then_retries() -> None:
    time = FakeTime()
    calls: list[float] = []

    async def send() -> dict[str, Any]:
        calls.append(time.now)
        if len(calls) == 1:
            raise RetryAfter(dtm.timedelta(seconds=3))
        return {"ok": True}

    result = await limiter(time).process_request(send, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 3.0


async def test_gives_up_after_max_retries() -> None:
    time = FakeTime()
    calls = 0

    async def always_limited() -> bool:
        nonlocal calls
        calls += 1
        raise RetryAfter(dtm.timedelta(seconds=1))

    with pytest.raises(RetryAfter):
        await limiter(time, retries=2).process_request(
            always_limited, (), {}, "sendMessage", {"chat_id": 5}, None
        )
    assert calls == 3


async def test_group_sends_keep_to_twenty_a_minute() -> None:
    time = FakeTime()
    sent: list[float] = []

    async def send() -> bool:
        sent.append(time.now)
        return True

    rate_limiter = limiter(time)
    for _ in range(25):
        await rate_limiter.process_request(send, (), {}, "sendMessage", {"chat_id": -100}, None)
    assert most_in_any_window(sent, 60.0) <= 20
    assert sent[20] - sent[0] >= 60.0


async def test_requests_without_a_chat_are_not_paced() -> None:
    time = FakeTime()

    async def get_updates() -> list[Any]:
        return []

    rate_limiter = limiter(time)
    for _ in range(100):
        await rate_limiter.process_request(get_updates, (), {}, "getUpdates", {}, None)
    assert time.slept == []

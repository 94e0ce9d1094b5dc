"""The rate limiter's buckets: never more than Telegram's caps in any window, little to spare."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pacing import GROUP_BURST, PacedRateLimiter, bucket_for, paced_rate_limiter


def test_overall_bucket_keeps_any_second_within_thirty_and_uses_most_of_it() -> None:
    bucket = bucket_for(30, 1.0, burst=1)
    assert bucket.most_in(1.0) == 30
    assert bucket.refill_per_second >= 0.95 * 30  # the benchmark's target is 93 %


def test_group_bucket_allows_a_small_burst_but_twenty_a_minute_at_most() -> None:
    bucket = bucket_for(20, 60.0, burst=GROUP_BURST)
    assert bucket.max_rate == 5
    assert bucket.most_in(60.0) == 20


def test_stock_aiolimiter_settings_would_break_the_cap() -> None:
    # PTB's defaults: 30 per 1 s; a full bucket then a second of refill.
    from bot.pacing import Bucket

    assert Bucket(max_rate=30, time_period=1.0).most_in(1.0) == 60


@given(
    cap=st.integers(min_value=2, max_value=1000),
    burst=st.integers(min_value=1, max_value=20),
    window=st.floats(min_value=0.5, max_value=600),
    margin=st.floats(min_value=0.5, max_value=0.999),
)
def test_no_window_ever_exceeds_the_cap(cap: int, burst: int, window: float, margin: float) -> None:
    if burst > cap:
        return
    assert bucket_for(cap, window, burst, margin).most_in(window) <= cap


def test_invalid_buckets_are_refused() -> None:
    with pytest.raises(ValueError):
        bucket_for(30, 1.0, burst=31)
    with pytest.raises(ValueError):
        bucket_for(30, 1.0, burst=1, margin=1.0)


def test_the_limiter_is_ptbs_aioratelimiter_with_these_buckets() -> None:
    from telegram.ext import AIORateLimiter

    limiter = paced_rate_limiter(30, 20, max_retries=5)
    assert isinstance(limiter, AIORateLimiter)
    assert limiter._base_limiter is not None
    assert limiter._base_limiter.max_rate == 1
    assert limiter._group_max_rate == GROUP_BURST
    assert isinstance(limiter, PacedRateLimiter)
    assert limiter.pacer._interval == pytest.approx(1 / (30 * 0.97))


@pytest.fixture
def timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the bot runs (bot/__main__.py opts in): RetryAfter carries a timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("timedelta_durations")
async def test_a_429_is_waited_out_and_the_request_retried() -> None:
    import datetime as dtm

    from telegram.error import RetryAfter

    calls = 0

    async def send() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RetryAfter(dtm.timedelta(seconds=0))
        return True

    limiter = paced_rate_limiter(30, 20, max_retries=2)
    assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert calls == 2


async def test_an_interactive_send_goes_before_bulk_sends_queued_earlier() -> None:
    from bot.pacing import PriorityPacer

    pacer = PriorityPacer(per_second=100)  # a slot every 10 ms
    order: list[str] = []

    async def send(name: str, bulk: bool) -> None:
        await pacer.acquire(bulk=bulk)
        order.append(name)

    bulk = [asyncio.create_task(send(f"bulk{n}", True)) for n in range(6)]
    # Started after every bulk task, so queued after bulk1…bulk5 (bulk0 takes the free slot).
    reply = asyncio.create_task(send("reply", False))
    await asyncio.gather(*bulk, reply)
    assert order[:2] == ["bulk0", "reply"], order
    assert order[2:] == [f"bulk{n}" for n in range(1, 6)]


async def test_the_pacer_keeps_its_pace_and_skips_cancelled_waiters() -> None:
    from bot.pacing import PriorityPacer

    pacer = PriorityPacer(per_second=200)  # 5 ms
    started = time.monotonic()
    waiters = [asyncio.create_task(pacer.acquire(bulk=n % 2 == 0)) for n in range(21)]
    await asyncio.sleep(0)
    waiters[5].cancel()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    elapsed = time.monotonic() - started
    assert isinstance(results[5], asyncio.CancelledError)
    assert elapsed >= 19 * 0.005 * 0.95  # 20 slots granted, 5 ms apart
    assert pacer.waiting == (0, 0)


async def test_answer_callback_query_skips_pacing_even_during_a_429_pause() -> None:
    limiter = paced_rate_limiter(30, 20, max_retries=1)
    await limiter.initialize()
    limiter._retry_after_event.clear()  # as while waiting out a RetryAfter

    async def answer() -> bool:
        return True

    result = await asyncio.wait_for(
        limiter.process_request(
            answer, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
        ),
        timeout=0.5,
    )
    assert result is True


async def test_bulk_sends_are_marked_by_context() -> None:
    from bot.pacing import bulk_sending, is_bulk, mark_task_bulk

    assert not is_bulk()
    with bulk_sending():
        assert is_bulk()

        async def child() -> bool:
            return is_bulk()

        assert await asyncio.create_task(child())  # tasks started inside inherit it
    assert not is_bulk()

    async def worker() -> bool:
        mark_task_bulk()
        return is_bulk()

    assert await asyncio.create_task(worker())
    assert not is_bulk()  # the worker's mark stays in its own task

"""The rate limiter's buckets: never more than Telegram's caps in any window, little to spare."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pacing import GROUP_BURST, bucket_for, paced_rate_limiter


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

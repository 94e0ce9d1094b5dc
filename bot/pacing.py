"""Sending pace: PTB's AIORateLimiter, configured so it never breaks Telegram's limits.

AIORateLimiter paces with aiolimiter's leaky bucket. With PTB's defaults (a bucket
of 30 refilled at 30/s) a full bucket goes out at once and then refills, so one
second can carry 60 messages; Telegram counts in a moving window and answers 429,
and every 429 pauses all sending for a second or more. Measured with
`bench/daily_fanout.py` that cost almost half of the 30 messages/s.

A bucket of `b` refilled at `r` per second puts at most `b + r·T` messages into any
window of T seconds. `bucket_for` picks `b` and `r` so that stays within the cap:
- overall: b = 1 (no bursts at all), r = 97 % of 30/s; the 3 % absorbs the jitter
  between leaving the bucket and reaching Telegram;
- per group: b = 5, so an announcement and its first poll go out together, and
  r = 97 % of (20 − 5 + 1) per minute: never more than 20 in a minute.

Interactive first: the overall pace is kept by a `PriorityPacer` whose free slot goes
to a reply to someone's own action before any bulk send (daily fan-out, round timers,
marked with `bulk_sending()`), so a learner pressing Next never waits behind an hour
of daily prompts. Calls without a chat (answerCallbackQuery, getUpdates, …) are not
capped by Telegram and skip pacing altogether.

Several workers (PostgreSQL) share the token's budget: each paces at its fraction of it
(`PriorityPacer.share`), set every second by bot/pipeline/workers.py from the sends each
worker has waiting (`budget_fraction`). Each chat has one owner worker, so a group's own
cap needs no sharing.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

MARGIN = 0.97
GROUP_BURST = 5
GROUP_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Bucket:
    """aiolimiter's terms: `max_rate` tokens per `time_period` seconds (also the burst)."""

    max_rate: int
    time_period: float

    @property
    def refill_per_second(self) -> float:
        return self.max_rate / self.time_period

    def most_in(self, window: float) -> int:
        """The most messages this bucket lets into any window of `window` seconds.

        A full bucket empties at once, then one message leaves per 1/refill seconds.
        """
        return self.max_rate + math.floor(window * self.refill_per_second)


def bucket_for(cap: int, window: float, burst: int, margin: float = MARGIN) -> Bucket:
    """A bucket of `burst` whose refill keeps every `window` within `cap`.

    Any window holds at most burst + ⌊refill·window⌋, so refill·window must stay
    below cap − burst + 1; `margin` keeps it a little lower, for network jitter.
    """
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1 (exclusive)")
    if not 1 <= burst <= cap:
        raise ValueError(f"burst must be between 1 and the cap ({cap})")
    refill_per_window = (cap - burst + 1) * margin
    return Bucket(max_rate=burst, time_period=burst * window / refill_per_window)


_BULK: ContextVar[bool] = ContextVar("bulk_sending", default=False)


@contextlib.contextmanager
def bulk_sending() -> Iterator[None]:
    """Sends made inside (this task and tasks it starts) yield to interactive ones."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


def mark_task_bulk() -> None:
    """For a task that only ever sends in bulk (a prompt worker): mark its whole context."""
    _BULK.set(True)


def is_bulk() -> bool:
    return _BULK.get()


class PriorityPacer:
    """One send every 1/rate seconds, no bursts; interactive waiters get the next slot first.

    The same pace as aiolimiter's bucket of one, with two queues in front of it.
    """

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._interval = 1.0 / per_second
        self._clock = clock
        self._next_slot = 0.0
        self._interactive: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._dispatcher: asyncio.Task[None] | None = None

    def share(self, fraction: float) -> None:
        """Several workers send with one token: each keeps to its fraction of the budget."""
        self._interval = 1.0 / (self.per_second * min(1.0, max(fraction, 0.001)))

    @property
    def demand(self) -> int:
        """Sends waiting for a slot: what this worker tells the others it needs."""
        return len(self._interactive) + len(self._bulk)

    @property
    def interval(self) -> float:
        return self._interval

    @property
    def waiting(self) -> tuple[int, int]:
        """(interactive, bulk) sends waiting for a slot."""
        return len(self._interactive), len(self._bulk)

    async def acquire(self, bulk: bool) -> None:
        now = self._clock()
        if not self._interactive and not self._bulk and now >= self._next_slot:
            self._next_slot = now + self._interval
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._bulk if bulk else self._interactive).append(turn)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="send-pacer")
        await turn

    def _next_waiter(self) -> asyncio.Future[None] | None:
        for queue in (self._interactive, self._bulk):
            while queue:
                turn = queue.popleft()
                if not turn.done():  # a cancelled waiter gives its place up
                    return turn
        return None

    async def _dispatch(self) -> None:
        while self._interactive or self._bulk:
            delay = self._next_slot - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            # Chosen only now that the slot is free: an interactive send that arrived
            # while we slept goes ahead of bulk ones queued earlier.
            turn = self._next_waiter()
            if turn is None:
                return
            self._next_slot = self._clock() + self._interval
            turn.set_result(None)


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter that takes a fresh turn from the bucket after a 429 pause.

    Stock AIORateLimiter takes the bucket first and waits out a RetryAfter pause
    after: requests keep leaving the bucket during the pause and then all go at
    once when it ends, which draws the next 429 (457 of them for 10,000 learners
    in `bench/daily_fanout.py`). Here a request that got its turn during a pause
    waits and queues again. Overrides `_run_request` (PTB 22.x internals).
    """

    def __init__(self, pacer: PriorityPacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    async def _run_request(
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> bool | JSONDict | list[JSONDict]:
        if not chat:
            # Not capped by Telegram: answering a button press must not wait for anything.
            return await callback(*args, **kwargs)
        if allow_paid_broadcast:
            return await super()._run_request(
                chat, group, allow_paid_broadcast, callback, args, kwargs
            )
        group_turn = (
            self._get_group_limiter(group)
            if group and self._group_max_rate
            else contextlib.nullcontext()
        )
        async with group_turn:
            while True:
                await self._retry_after_event.wait()
                await self.pacer.acquire(bulk=is_bulk())
                if self._retry_after_event.is_set():
                    break
            return await callback(*args, **kwargs)


def paced_rate_limiter(
    overall_per_second: int, group_per_minute: int, max_retries: int
) -> AIORateLimiter:
    overall = bucket_for(overall_per_second, 1.0, burst=1)
    group = bucket_for(group_per_minute, GROUP_WINDOW_SECONDS, burst=GROUP_BURST)
    return PacedRateLimiter(
        PriorityPacer(overall.refill_per_second),
        overall_max_rate=overall.max_rate,
        overall_time_period=overall.time_period,
        group_max_rate=group.max_rate,
        group_time_period=group.time_period,
        max_retries=max_retries,
    )


# Of the token's budget, this part is split evenly among the workers whatever their demand
# (so a worker with nothing waiting still answers a learner at once); the rest follows the
# sends each has waiting (so the one sending the daily prompts gets most of it).
EVEN_PART = 0.3


def budget_fraction(own: int, others: list[int], workers: int) -> float:
    """This worker's fraction of the token's budget, from the sends waiting in each worker.

    `others`: the demands heard from the other live workers (those not heard from count as
    idle). The fractions of all workers add up to 1 when they all use the same figures.
    """
    workers = max(workers, 1 + len(others), 1)
    weights = [1 + own, *(1 + demand for demand in others)]
    weights += [1] * (workers - len(weights))
    return EVEN_PART / workers + (1 - EVEN_PART) * weights[0] / sum(weights)

"""Sending pace: stay under Telegram's flood limits without wasting the allowance.

Why not PTB's `AIORateLimiter` as is: it paces with aiolimiter's leaky bucket. A
full bucket goes out at once and then refills, so a bucket of 30 refilled at 30/s
can put 60 messages into one second, and Telegram (which counts in a moving window)
answers 429. After a 429 it pauses everyone, but requests that had already passed
the bucket then leave together and earn the next 429. Measured with
`bench/daily_fanout.py` that cost up to half of the 30 messages/s.

`TelegramRateLimiter` instead:
- releases requests on a fixed schedule `1/rate` apart (`SlotPacer`), at 95 % of the
  cap for the latency jitter between here and Telegram; a short stall is made up,
  a long one restarts the schedule, so no second ever holds more than the cap;
- keeps a true moving window per group (20 per minute), so an announcement and
  its first poll still go out together;
- on `RetryAfter` pauses all sending for the time Telegram asked, then lets every
  waiting request take a *new* slot, and retries up to `max_retries` times.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

PACE_MARGIN = 0.95
GROUP_WINDOW_SECONDS = 60.0


class SlotPacer:
    """Releases callers one at a time, in order, on a fixed schedule `1/rate` apart.

    If the event loop stalls (a GC pass, a burst of work), up to `max_catch_up`
    seconds of missed slots are made up at once; beyond that the schedule restarts
    from now, so a stall never turns into a burst that breaks the cap.
    """

    def __init__(
        self,
        rate: float,
        max_catch_up: float = 0.03,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._max_catch_up = max_catch_up
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep
        self._next_slot = -math.inf
        self._turn = asyncio.Lock()  # FIFO: first come, first served

    async def wait_for_slot(self) -> None:
        async with self._turn:
            now = self._clock()
            if now - self._next_slot > self._max_catch_up:
                self._next_slot = now
            if self._next_slot > now:
                await self._sleep(self._next_slot - now)
            self._next_slot += self._interval


class MovingWindow:
    """At most `limit` passes in any `window` seconds (Telegram's per-group rule)."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep
        self._passes: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait_for_room(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._passes and self._passes[0] <= now - self._window:
                    self._passes.popleft()
                if len(self._passes) < self._limit:
                    self._passes.append(now)
                    return
                await self._sleep(self._passes[0] + self._window - now)

    @property
    def idle(self) -> bool:
        return not self._passes


class TelegramRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        overall_per_second: float = 30,
        group_per_minute: int = 20,
        max_retries: int = 5,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._pacer = SlotPacer(overall_per_second * PACE_MARGIN, clock=clock, sleep=sleep)
        self._group_per_minute = group_per_minute
        self._groups: dict[int | str, MovingWindow] = {}
        self._max_retries = max_retries
        self._resume = asyncio.Event()
        self._resume.set()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        for attempt in range(retries + 1):
            if chat_id is not None:
                await self._wait_for_turn(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    log.error("%s: still rate limited after %d retries", endpoint, retries)
                    raise
                # The private timedelta, as PTB's own AIORateLimiter reads it: the public
                # attribute's type changes between PTB versions and warns meanwhile.
                seconds = error._retry_after.total_seconds()
                log.info("%s: 429, pausing all sends for %.1f s", endpoint, seconds)
                await self._pause(seconds + 0.1)
        raise AssertionError("unreachable")

    async def _wait_for_turn(self, chat_id: object) -> None:
        group = self._group_key(chat_id)
        if group is not None:
            await self._group_window(group).wait_for_room()
        while True:
            await self._resume.wait()
            await self._pacer.wait_for_slot()
            if self._resume.is_set():
                return
            # A 429 arrived while this request waited for its slot: queue up again.

    async def _pause(self, seconds: float) -> None:
        if not self._resume.is_set():
            await self._resume.wait()
            return
        self._resume.clear()
        try:
            await self._sleep(seconds)
        finally:
            self._resume.set()

    @staticmethod
    def _group_key(chat_id: object) -> int | str | None:
        if isinstance(chat_id, str):
            return chat_id  # @channelusername
        if isinstance(chat_id, int) and chat_id < 0:
            return chat_id
        return None

    def _group_window(self, group: int | str) -> MovingWindow:
        if len(self._groups) > 1024:  # forget groups with nothing in their window
            self._groups = {key: w for key, w in self._groups.items() if not w.idle}
        window = self._groups.get(group)
        if window is None:
            window = MovingWindow(
                self._group_per_minute, GROUP_WINDOW_SECONDS, clock=self._clock, sleep=self._sleep
            )
            self._groups[group] = window
        return window

"""Per-provider limits: calls in flight, requests per minute, tokens per minute.

All state lives on the LLM client's own event loop (see `client.py`), so plain asyncio primitives
are enough and no lock is needed. Clocks and sleeps are injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """A bucket of `per_minute` units refilled continuously; `per_minute == 0` means no limit.

    A request larger than the whole bucket is admitted once the bucket is full, so one huge
    prompt waits for a full minute's budget instead of waiting forever.
    """

    def __init__(self, per_minute: int, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep):
        self.capacity = float(per_minute)
        self.level = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()

    @property
    def unlimited(self) -> bool:
        return self.capacity <= 0

    def _refill(self) -> None:
        now = self._clock()
        self.level = min(self.capacity, self.level + (now - self._updated) * self.capacity / 60)
        self._updated = now

    def wait_time(self, amount: float) -> float:
        """Seconds until `amount` can be taken (0 = now)."""
        if self.unlimited:
            return 0.0
        self._refill()
        needed = min(amount, self.capacity) - self.level
        return max(0.0, needed * 60 / self.capacity)

    async def take(self, amount: float) -> None:
        while (delay := self.wait_time(amount)) > 0:
            await self._sleep(delay)
        if not self.unlimited:
            self.level -= min(amount, self.capacity)

    def adjust(self, extra: float) -> None:
        """Charge (or refund, if negative) the difference between estimated and actual use."""
        if not self.unlimited:
            self._refill()
            self.level = min(self.capacity, self.level - extra)


class ProviderLimits:
    """The limits of one provider endpoint: a semaphore plus request and token buckets."""

    def __init__(self, concurrency: int, rpm: int = 0, tpm: int = 0, *,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep):
        self.semaphore = asyncio.Semaphore(concurrency)
        self.requests = TokenBucket(rpm, clock, sleep)
        self.tokens = TokenBucket(tpm, clock, sleep)
        self.in_flight = 0
        self.max_in_flight = 0

    @asynccontextmanager
    async def slot(self, estimated_tokens: int) -> AsyncIterator[None]:
        """Hold one call slot; the caller reports actual tokens with `settle`."""
        async with self.semaphore:
            await self.requests.take(1)
            await self.tokens.take(estimated_tokens)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1

    def settle(self, estimated_tokens: int, actual_tokens: int | None) -> None:
        if actual_tokens is not None:
            self.tokens.adjust(actual_tokens - estimated_tokens)


def estimate_tokens(messages: list[dict], max_tokens: int | None) -> int:
    """A cheap upper-ish estimate (4 characters a token) used only for the TPM budget."""
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    return chars // 4 + 1 + (max_tokens or 0)

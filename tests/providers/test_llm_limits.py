"""Request/token buckets, with an injected clock whose `sleep` moves time instead of waiting."""

from __future__ import annotations

import asyncio

import pytest

from gtm.providers.llm.limits import ProviderLimits, TokenBucket, estimate_tokens


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_requests_per_minute_admit_a_burst_then_pace() -> None:
    t = FakeTime()
    bucket = TokenBucket(60, t.clock, t.sleep)

    async def take(n: int) -> None:
        for _ in range(n):
            await bucket.take(1)

    asyncio.run(take(60))
    assert t.slept == []  # a full minute's budget is available at once
    asyncio.run(take(1))
    assert t.slept == [pytest.approx(1.0)]  # then one request a second


def test_tokens_are_settled_against_actual_usage() -> None:
    t = FakeTime()
    bucket = TokenBucket(1000, t.clock, t.sleep)
    asyncio.run(bucket.take(100))
    bucket.adjust(400)  # the call used 500, not the estimated 100
    assert bucket.level == pytest.approx(500)
    bucket.adjust(-10_000)  # refunds never exceed the capacity
    assert bucket.level == pytest.approx(1000)


def test_a_request_larger_than_the_bucket_waits_for_a_full_bucket_not_forever() -> None:
    t = FakeTime()
    bucket = TokenBucket(100, t.clock, t.sleep)
    asyncio.run(bucket.take(50))
    asyncio.run(bucket.take(10_000))
    assert sum(t.slept) == pytest.approx(30.0)  # refill 50 more at 100/minute


def test_zero_means_unlimited() -> None:
    t = FakeTime()
    bucket = TokenBucket(0, t.clock, t.sleep)
    asyncio.run(bucket.take(10**9))
    assert t.slept == [] and bucket.wait_time(10**9) == 0


def test_provider_limits_cap_calls_in_flight() -> None:
    limits = ProviderLimits(concurrency=2)

    async def call() -> None:
        async with limits.slot(10):
            await asyncio.sleep(0)
            await asyncio.sleep(0)

    async def many() -> None:
        await asyncio.gather(*(call() for _ in range(10)))

    asyncio.run(many())
    assert limits.max_in_flight == 2 and limits.in_flight == 0


def test_estimate_counts_prompt_and_requested_output() -> None:
    assert estimate_tokens([{"role": "user", "content": "x" * 400}], 50) == 151

"""The circuit breaker: opens after N consecutive failures, fails fast, half-opens after a cooldown.

Time is an injected clock, moved by hand: nothing here waits.
"""

from __future__ import annotations

import pytest
from support.openai_server import OpenAITestServer

from gtm.providers.llm import CircuitOpenError, LLMClient, LLMTransientError
from gtm.providers.llm.retry import CircuitBreaker

HELLO = [{"role": "user", "content": "hi"}]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_state_machine() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown=30, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_success()  # a success resets the count: failures must be consecutive
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    assert breaker.retry_in() == 30

    clock.now += 30
    assert breaker.allow() and breaker.state == "half_open"  # the one probe
    assert not breaker.allow()  # nobody else while it runs
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()  # probe failed: another cooldown

    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_released_probe_lets_the_next_caller_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow()
    breaker.release()  # e.g. the probe was cancelled
    assert breaker.allow()


def test_open_circuit_fails_fast_without_calling_the_provider_then_recovers(
        make_client, openai_server, recorder) -> None:
    clock = FakeClock()
    client = make_client(clock=clock, llm_max_retries=0, llm_breaker_failures=3,
                         llm_breaker_cooldown_seconds=60)
    openai_server.fail_next(500, 500, 500)
    for _ in range(3):
        with pytest.raises(LLMTransientError):
            client.complete_sync("drafting", HELLO, cache=False)
    assert openai_server.request_count == 3

    with pytest.raises(CircuitOpenError, match="circuit open after 3 consecutive failures"):
        client.complete_sync("drafting", HELLO, cache=False)
    assert openai_server.request_count == 3  # failed fast: the server saw nothing
    assert recorder.rows[-1].error_code == "circuit_open"

    clock.now += 60  # cooldown over: one probe goes through, succeeds, closes the circuit
    assert client.complete_sync("drafting", HELLO, cache=False).text == "echo: hi"
    assert client.complete_sync("drafting", HELLO, cache=False).text == "echo: hi"
    assert openai_server.request_count == 5


def test_open_circuit_on_the_primary_moves_straight_to_the_fallback(
        llm_settings_for, openai_server, recorder, monkeypatch) -> None:
    """Primary and fallback on different providers: the fallback's endpoint comes from the
    provider's own variable (OPENAI_API_BASE), as a user would configure it."""
    clock = FakeClock()
    openai_server.answer = lambda body: "from primary"
    with OpenAITestServer(answer=lambda body: "from fallback") as backup:
        monkeypatch.setenv("OPENAI_API_BASE", backup.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-fallback-000000")
        settings = llm_settings_for(openai_server, llm_model="hosted_vllm/test-model",
                                    llm_fallbacks=["openai/backup"], llm_max_retries=0,
                                    llm_breaker_failures=1, llm_breaker_cooldown_seconds=60)
        client = LLMClient(settings, recorder=recorder, clock=clock)
        try:
            openai_server.fail_next(500)
            assert client.complete_sync("drafting", HELLO).text == "from fallback"
            assert client.complete_sync("drafting", HELLO, cache=False).text == "from fallback"
        finally:
            client.close()
    assert openai_server.request_count == 1  # the second call skipped the open primary
    assert backup.request_count == 2
    assert [a["error_code"] for a in recorder.rows[-1].output["attempts"]] == [
        "circuit_open", None]

"""Which litellm errors are retried, and the backoff between tries."""

from __future__ import annotations

import random

import httpx
import litellm
import pytest

from gtm.errors import TerminalError, TransientError
from gtm.providers.llm.retry import backoff_delay, classify, retry_after_seconds


def _response(status: int, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers or {},
                          request=httpx.Request("POST", "http://127.0.0.1/v1/chat/completions"))


ARGS = {"llm_provider": "openai", "model": "m"}


@pytest.mark.parametrize(("exc", "kind", "code"), [
    (litellm.RateLimitError("slow down", **ARGS), TransientError, "rate_limited"),
    (litellm.InternalServerError("boom", **ARGS), TransientError, "server_error"),
    (litellm.ServiceUnavailableError("overloaded", **ARGS), TransientError, "server_error"),
    (litellm.Timeout("took too long", **ARGS), TransientError, "timeout"),
    (litellm.APIConnectionError("refused", **ARGS), TransientError, "connection"),
    (litellm.BadRequestError("bad", **ARGS), TerminalError, "bad_request"),
    (litellm.AuthenticationError("no", **ARGS), TerminalError, "auth"),
    (litellm.NotFoundError("no such model", **ARGS), TerminalError, "not_found"),
    (litellm.ContextWindowExceededError("too long", **ARGS), TerminalError, "context_window"),
    (litellm.InternalServerError("Missing credentials. Please pass an `api_key`", **ARGS),
     TerminalError, "auth"),
])
def test_classification(exc, kind, code) -> None:
    error = classify(exc, "openai/m", "openai")
    assert isinstance(error, kind) and error.code == code
    assert error.model == "openai/m" and error.provider == "openai"


def test_full_jitter_stays_within_the_exponential_cap() -> None:
    rng = random.Random(7)
    for attempt in range(8):
        cap = min(30.0, 1.0 * 2**attempt)
        delays = [backoff_delay(attempt, 1.0, 30.0, rng) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap / 2  # jitter uses the whole range, not a fixed delay


def test_retry_after_is_honoured_but_capped() -> None:
    rng = random.Random(1)
    assert backoff_delay(0, 0.001, 30.0, rng, retry_after=5) == 5
    assert backoff_delay(0, 0.001, 30.0, rng, retry_after=120) == 30


def test_retry_after_is_read_from_the_error_response() -> None:
    exc = litellm.RateLimitError("slow", response=_response(429, {"retry-after": "3"}), **ARGS)
    assert retry_after_seconds(exc) == 3.0
    assert retry_after_seconds(ValueError("no response")) is None

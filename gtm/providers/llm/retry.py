"""What a failed model call means, how long to wait before the next try, and when to stop trying.

litellm maps every provider's errors onto OpenAI's exception types, each with a `status_code`.
429, 408, 5xx, timeouts and connection errors are transient (retried with exponential backoff and
full jitter); any other 4xx is terminal (bad request, bad key: retrying cannot help).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from gtm.errors import TerminalError, TransientError

_TRANSIENT_STATUS = {408, 409, 425, 429}
_MISSING_KEY = re.compile(r"(?i)missing credentials|api_key client option must be set")
_CODES_BY_STATUS = {400: "bad_request", 401: "auth", 402: "payment_required", 403: "auth",
                    404: "not_found", 408: "timeout", 413: "too_large", 422: "bad_request",
                    429: "rate_limited"}


class LLMCallError(Exception):
    """Carries what the error log needs: a stable code, the HTTP status, model and provider."""

    def __init__(self, message: str, *, code: str, status: int | None = None,
                 model: str | None = None, provider: str | None = None):
        super().__init__(message)
        self.code, self.status, self.model, self.provider = code, status, model, provider


class LLMTransientError(LLMCallError, TransientError):
    """The provider failed in a way that may pass: rate limit, 5xx, timeout, connection."""


class LLMTerminalError(LLMCallError, TerminalError):
    """The request itself is wrong (bad request, bad key, unknown model): do not retry."""


class CircuitOpenError(LLMTransientError):
    """The provider failed too often recently; calls fail fast until the cooldown ends."""


def classify(exc: BaseException, model: str, provider: str) -> LLMTransientError | LLMTerminalError:
    """Map a litellm / OpenAI SDK exception onto GTM's transient or terminal error."""
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    message = " ".join(str(getattr(exc, "message", None) or exc).split())[:500]
    fields = {"status": status, "model": model, "provider": provider}
    if name in {"Timeout", "APITimeoutError", "TimeoutError"} or isinstance(exc, TimeoutError):
        return LLMTransientError(f"{model}: timed out: {message}", code="timeout", **fields)
    if name == "ContextWindowExceededError":
        return LLMTerminalError(f"{model}: prompt too long: {message}", code="context_window",
                                **fields)
    if name == "ContentPolicyViolationError":
        return LLMTerminalError(f"{model}: refused by content policy: {message}",
                                code="content_policy", **fields)
    if _MISSING_KEY.search(message):
        # The OpenAI SDK refuses to send without a key and litellm reports that as a 500.
        return LLMTerminalError(
            f"{model}: no API key for provider {provider}: set GTM_LLM_API_KEY or the provider's "
            f"own variable (e.g. OPENAI_API_KEY); a local OpenAI-compatible server needs any "
            f"dummy key", code="auth", **fields)
    if name == "APIConnectionError" or status is None:
        # litellm reports an unmapped failure (including an unreachable host) this way.
        return LLMTransientError(f"{model}: cannot reach the provider: {message}",
                                 code="connection", **fields)
    if status in _TRANSIENT_STATUS or status >= 500:
        code = _CODES_BY_STATUS.get(status, "server_error")
        return LLMTransientError(f"{model}: {code} ({status}): {message}", code=code, **fields)
    code = _CODES_BY_STATUS.get(status, f"http_{status}")
    return LLMTerminalError(f"{model}: {code} ({status}): {message}", code=code, **fields)


def retry_after_seconds(exc: BaseException) -> float | None:
    """The provider's `Retry-After` (seconds form), when the error carries an HTTP response."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # the HTTP-date form: fall back to our own backoff


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random,
                  retry_after: float | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)], but never before Retry-After.

    Full jitter spreads a burst of callers that failed together, so they do not retry together.
    """
    delay = rng.uniform(0, min(cap, base * 2**attempt))
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


@dataclass
class CircuitBreaker:
    """closed -> (N consecutive failures) -> open -> (cooldown) -> half-open: one probe call.

    The probe's success closes the circuit; its failure opens it for another cooldown. While open
    (or while the probe runs) `allow()` is False and the caller fails fast.
    """

    failure_threshold: int
    cooldown: float
    clock: Callable[[], float] = time.monotonic
    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0
    _probing: bool = False

    def allow(self) -> bool:
        if self.state == "closed":
            return True
        if self.state == "open" and self.clock() - self.opened_at >= self.cooldown:
            self.state = "half_open"
        if self.state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def retry_in(self) -> float:
        """Seconds until a probe is let through."""
        return max(0.0, self.opened_at + self.cooldown - self.clock())

    def record_success(self) -> None:
        self.state, self.failures, self._probing = "closed", 0, False

    def record_failure(self) -> None:
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.failure_threshold:
            self.state, self.opened_at = "open", self.clock()
        self._probing = False

    def release(self) -> None:
        """A call ended without a verdict (cancelled, terminal request error): free the probe."""
        self._probing = False

"""The one call path to a model: route -> cache -> breaker -> limits -> litellm -> record.

Every call runs on one process-wide event loop thread, whichever thread or loop the caller is
on: the semaphores, buckets and breakers, and litellm's loop-bound globals (pooled HTTP clients,
its logging worker), then live on one loop, so sync callers (DSPy, Dagster ops) and async
callers share the same limits safely and litellm never sees its loop change.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import random
import re
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from gtm.errors import TerminalError
from gtm.observability.traces import Interaction, Recorder, current_trace, new_span_id
from gtm.providers.llm.cache import CachedResponse, ResponseCache, cache_key
from gtm.providers.llm.config import LLMMode, ModelTarget, Route, llm_mode, route_for
from gtm.providers.llm.limits import ProviderLimits, estimate_tokens
from gtm.providers.llm.redact import Redactor
from gtm.providers.llm.retry import (
    CircuitBreaker,
    CircuitOpenError,
    LLMCallError,
    LLMTerminalError,
    backoff_delay,
    classify,
    retry_after_seconds,
)
from gtm.settings import Settings

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


@dataclass(frozen=True)
class CallContext:
    """What a call is about; stamped on its `ai_interactions` row.

    `trace` defaults to the innermost open `trace_run`; `parent_span_id` chains a call to an
    earlier one (e.g. a refine step to its draft, via `LLMResult.span_id`).
    """

    trace: Any = None  # gtm.observability.traces.Trace
    parent_span_id: str | None = None
    pack: str | None = None
    pack_version: str | None = None
    session_key: str | None = None
    batch_id: str | None = None
    campaign_id: str | None = None
    employee_id: str | None = None
    company_id: str | None = None


@dataclass(frozen=True)
class LLMResult:
    """A model's answer. A cache hit has `cached=True` and costs nothing (tokens and cost 0)."""

    text: str
    model: str
    provider: str
    tokens_in: int | None
    tokens_out: int | None
    cost_usd: float | None
    latency_ms: int
    cached: bool
    span_id: str
    finish_reason: str | None = None
    mode: LLMMode = "llm"
    attempts: tuple[dict, ...] = field(default=())

    def json(self) -> Any:
        """The answer parsed as JSON (a ```json fence around it is tolerated)."""
        return parse_json_text(self.text)


def parse_json_text(text: str) -> Any:
    """JSON from a model's answer; models often wrap it in a ```json fence despite instructions."""
    return json.loads(_FENCE.sub("", text))


@dataclass
class _Call:
    route: Route
    messages: list[dict]
    params: dict[str, Any]
    context: CallContext
    sink: Recorder
    read_cache: bool
    write_cache: bool


class LLMClient:
    """Calls models for GTM's tasks with routing, limits, retries, a breaker, cache and logging.

    `recorder` receives the rows of calls made outside any trace (e.g. an `InteractionWriter`);
    inside a `trace_run` the trace records them. A call with neither is refused, so no model
    call goes unlogged.
    """

    def __init__(self, settings: Settings, *, recorder: Recorder | None = None,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
                 redactor: Redactor | None = None):
        self.settings = settings
        self.recorder = recorder
        self.redactor = redactor or Redactor.from_settings(settings)
        self._clock = clock
        self._rng = rng or random.Random()
        self.cache = (ResponseCache(settings.cache_dir / "llm.sqlite") if settings.llm_cache
                      else None)
        self.breakers: dict[str, CircuitBreaker] = {}
        self.limits: dict[str, ProviderLimits] = {}

    def mode(self, task: str | None = None) -> LLMMode:
        return llm_mode(self.settings, task)

    async def complete(self, task: str, messages: list[dict], *,
                       response_format: Any = None, context: CallContext | None = None,
                       cache: bool | None = None, **params: Any) -> LLMResult:
        """Ask the task's model. `cache=False` skips the lookup but stores the fresh answer.

        Raises `LLMNotConfiguredError` in template mode, `LLMTerminalError` for a request the
        provider refuses, `LLMTransientError` (or `CircuitOpenError`) when every model failed.
        """
        call = self._prepare(task, messages, response_format, context, cache, params)
        return await asyncio.wrap_future(_submit(self._run(call)))

    def complete_sync(self, task: str, messages: list[dict], *, response_format: Any = None,
                      context: CallContext | None = None, cache: bool | None = None,
                      **params: Any) -> LLMResult:
        """`complete` for synchronous callers (any thread except the client's own)."""
        if threading.current_thread() is _loop_thread:
            raise RuntimeError("complete_sync called from the LLM loop; await complete() instead")
        call = self._prepare(task, messages, response_format, context, cache, params)
        return _submit(self._run(call)).result()

    def close(self) -> None:
        """Close the cache file. The shared loop lives as long as the process (a daemon)."""
        if self.cache is not None:
            self.cache.close()

    # -- caller side -------------------------------------------------------------------------

    def _prepare(self, task, messages, response_format, context, cache, params) -> _Call:
        route = route_for(self.settings, task)  # template mode refuses here
        _litellm()  # the first import takes seconds: pay it here, not inside a call's latency
        context = context or CallContext()
        sink = context.trace or current_trace() or self.recorder
        if sink is None:
            raise TerminalError(
                f"LLM call for task {task!r} outside an AI trace and without a recorder: open "
                "one with gtm.observability.trace_run(...) so the call is logged")
        if response_format is not None:
            params = {**params, "response_format": response_format}
        use_cache = self.cache is not None
        return _Call(route, [dict(m) for m in messages], params, context, sink,
                     read_cache=use_cache and cache is not False, write_cache=use_cache)

    # -- loop side ---------------------------------------------------------------------------

    async def _run(self, call: _Call) -> LLMResult:
        started = time.perf_counter()
        span_id = new_span_id()
        primary = call.route.primary
        key = cache_key(primary.model, call.messages, call.params, primary.api_base)
        if call.read_cache and (hit := await self.cache.get(key)) is not None:
            result = LLMResult(hit.text, hit.model, hit.provider, 0, 0, 0.0,
                               _ms(started), True, span_id, hit.finish_reason)
            self._record(call, span_id, result=result)
            return result
        attempts: list[dict] = []
        try:
            result = await self._call_route(call, span_id, started, attempts)
        except LLMCallError as exc:
            self._record(call, span_id, error=exc, attempts=attempts, latency_ms=_ms(started))
            raise
        except (Exception, asyncio.CancelledError) as exc:
            # A malformed response, a bug, or the caller giving up: still one logged call.
            code = "cancelled" if isinstance(exc, asyncio.CancelledError) else "internal"
            error = LLMTerminalError(f"{primary.model}: {code}: {type(exc).__name__}: {exc}",
                                     code=code, model=primary.model, provider=primary.provider)
            self._record(call, span_id, error=error, attempts=attempts, latency_ms=_ms(started))
            if code == "cancelled":
                raise
            raise error from exc
        if call.write_cache:
            await self.cache.put(key, CachedResponse(result.text, result.model, result.provider,
                                               result.finish_reason, result.tokens_in,
                                               result.tokens_out))
        self._record(call, span_id, result=result)
        return result

    async def _call_route(self, call: _Call, span_id: str, started: float,
                          attempts: list[dict]) -> LLMResult:
        real_error: LLMCallError | None = None
        circuit_error: CircuitOpenError | None = None
        settings = self.settings
        for target in call.route.targets:
            breaker = self._breaker(target)
            for attempt in range(settings.llm_max_retries + 1):
                if not breaker.allow():
                    circuit_error = CircuitOpenError(
                        f"{target.provider_key} is failing: circuit open after "
                        f"{breaker.failures} consecutive failures; next probe in "
                        f"{breaker.retry_in():.0f}s", code="circuit_open",
                        model=target.model, provider=target.provider)
                    attempts.append(_attempt(target, "circuit_open", 0))
                    break
                t0 = time.perf_counter()
                try:
                    response = await self._send(target, call)
                except asyncio.CancelledError:
                    breaker.release()
                    raise
                except Exception as exc:
                    error = _as_llm_error(exc, target)
                    attempts.append(_attempt(target, error.code, _ms(t0), error.status))
                    if isinstance(error, LLMTerminalError):
                        breaker.release()
                        raise error from exc
                    breaker.record_failure()
                    real_error = error
                    if attempt < settings.llm_max_retries and breaker.state == "closed":
                        await asyncio.sleep(backoff_delay(
                            attempt, settings.llm_retry_base_seconds,
                            settings.llm_retry_max_seconds, self._rng, retry_after_seconds(exc)))
                    continue
                breaker.record_success()
                attempts.append(_attempt(target, None, _ms(t0)))
                return _result(response, target, span_id, started, attempts)
        raise real_error or circuit_error

    async def _send(self, target: ModelTarget, call: _Call) -> Any:
        litellm = _litellm()
        limits = self._limits(target)
        estimate = estimate_tokens(call.messages, call.params.get("max_tokens"))
        async with limits.slot(estimate):
            response = await litellm.acompletion(
                model=target.model, messages=call.messages, api_base=target.api_base,
                api_key=target.api_key, timeout=self.settings.llm_timeout_seconds,
                num_retries=0, max_retries=0,  # retries are ours: one policy, one place
                **call.params)
        usage = getattr(response, "usage", None)
        limits.settle(estimate, getattr(usage, "total_tokens", None))
        return response

    def _breaker(self, target: ModelTarget) -> CircuitBreaker:
        key = target.provider_key
        if key not in self.breakers:
            self.breakers[key] = CircuitBreaker(self.settings.llm_breaker_failures,
                                                self.settings.llm_breaker_cooldown_seconds,
                                                clock=self._clock)
        return self.breakers[key]

    def _limits(self, target: ModelTarget) -> ProviderLimits:
        key = target.provider_key
        if key not in self.limits:
            s = self.settings
            self.limits[key] = ProviderLimits(s.llm_concurrency, s.llm_rpm, s.llm_tpm)
        return self.limits[key]

    def _record(self, call: _Call, span_id: str, *, result: LLMResult | None = None,
                error: LLMCallError | None = None, attempts: list[dict] | None = None,
                latency_ms: int | None = None) -> None:
        ctx, redact = call.context, self.redactor.value
        params = {k: _describe(v) for k, v in call.params.items()}
        if result is not None:
            output = {"text": result.text, "finish_reason": result.finish_reason,
                      "attempts": list(result.attempts)}
            target = (result.provider, result.model)
        else:
            output = {"error": str(error), "attempts": attempts or []}
            target = (error.provider, error.model)
        call.sink.record(Interaction(
            task=call.route.task, span_id=span_id, parent_span_id=ctx.parent_span_id,
            provider=target[0], model=target[1], pack=ctx.pack, pack_version=ctx.pack_version,
            input=redact({"messages": call.messages, "params": params}), output=redact(output),
            error_code=error.code if error else None,
            latency_ms=result.latency_ms if result else latency_ms,
            tokens_in=result.tokens_in if result else None,
            tokens_out=result.tokens_out if result else None,
            cost_usd=result.cost_usd if result else None, cached=bool(result and result.cached),
            session_key=ctx.session_key, batch_id=ctx.batch_id, campaign_id=ctx.campaign_id,
            employee_id=ctx.employee_id, company_id=ctx.company_id))


def _litellm():
    import litellm  # imported on first call: it takes seconds, and most commands never need it

    litellm.suppress_debug_info = True
    return litellm


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_thread: threading.Thread | None = None


def _submit(coro: Coroutine) -> concurrent.futures.Future:
    global _loop, _loop_thread
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            _loop_thread = threading.Thread(target=_loop.run_forever, daemon=True,
                                            name="gtm-llm-loop")
            _loop_thread.start()
        return asyncio.run_coroutine_threadsafe(coro, _loop)


def _as_llm_error(exc: Exception, target: ModelTarget) -> LLMCallError:
    import httpx
    import openai

    if isinstance(exc, openai.OpenAIError | httpx.HTTPError | TimeoutError):
        return classify(exc, target.model, target.provider)
    # Not a provider error: a bug of ours or of litellm. Logged, never retried.
    return LLMTerminalError(f"{target.model}: {type(exc).__name__}: {exc}", code="internal",
                            model=target.model, provider=target.provider)


def _result(response: Any, target: ModelTarget, span_id: str, started: float,
            attempts: list[dict]) -> LLMResult:
    choice = response.choices[0]
    usage = getattr(response, "usage", None)
    return LLMResult(
        text=choice.message.content or "", model=target.model, provider=target.provider,
        tokens_in=getattr(usage, "prompt_tokens", None),
        tokens_out=getattr(usage, "completion_tokens", None),
        cost_usd=_cost(response), latency_ms=_ms(started), cached=False, span_id=span_id,
        finish_reason=choice.finish_reason, attempts=tuple(attempts))


def _cost(response: Any) -> float | None:
    """litellm's price estimate from its bundled price table; None for a model it cannot price.

    litellm already priced the response while building it (`_hidden_params`); pricing it again
    costs as much CPU as the rest of the call path, so that is only the fallback.
    """
    hidden = getattr(response, "_hidden_params", None) or {}
    if "response_cost" in hidden:
        cost = hidden["response_cost"]
        return float(cost) if cost is not None else None
    try:
        return float(_litellm().completion_cost(completion_response=response))
    except Exception:  # litellm raises for unpriced models (local, self-hosted)
        return None


def _attempt(target: ModelTarget, error_code: str | None, latency_ms: int,
             status: int | None = None) -> dict:
    return {"model": target.model, "error_code": error_code, "status": status,
            "latency_ms": latency_ms}


def _describe(value: Any) -> Any:
    schema = getattr(value, "model_json_schema", None)
    return {"schema": schema()} if callable(schema) else value


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)

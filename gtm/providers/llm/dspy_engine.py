"""DSPy on GTM's call path: a `dspy.LM` whose engine is the `LLMClient`.

DSPy 3.4 sends calls through its own engines (native lm15 HTTP or litellm), which would bypass
GTM's limits, breaker, cache and `ai_interactions` logging; a litellm callback would miss the
native engine entirely. So the LM gets a custom engine (DSPy's canonical `complete(Request) ->
Response` contract) that hands each request to the client: DSPy's own cache and retries are off
because the client already does both, persistently and per provider.

What a DSPy call is about comes from, in order: `dspy.context(gtm_call_context=CallContext(...))`
(DSPy propagates its context into `dspy.Parallel` threads), else the context given to `dspy_lm`.
A GTM error raised in the engine reaches the caller wrapped in a DSPy `LMError`; `gtm_error(exc)`
finds it again.
"""

from __future__ import annotations

from typing import Any

from gtm.errors import GtmError, TerminalError
from gtm.providers.llm.client import CallContext, LLMClient, LLMResult
from gtm.providers.llm.config import route_for

CONTEXT_KEY = "gtm_call_context"
_CONFIG_PARAMS = ("temperature", "max_tokens", "top_p", "seed", "frequency_penalty",
                  "presence_penalty", "response_format")


def dspy_lm(client: LLMClient, task: str, *, context: CallContext | None = None,
            **defaults: Any):
    """A `dspy.LM` for `task` that calls through `client` (routing, fallbacks, limits, cache,
    logging). `defaults` are DSPy generation defaults such as `temperature`, `max_tokens`.

    Raises `LLMNotConfiguredError` in template mode: use the pack's template instead.
    """
    import dspy

    model = route_for(client.settings, task).primary.model
    engine = _Engine(client, task, context)
    return dspy.LM(model, engine=engine, async_engine=_AsyncEngine(engine), cache=False,
                   num_retries=0, **defaults)


def gtm_error(exc: BaseException) -> GtmError | None:
    """The GTM error behind a DSPy error raised from the engine, if there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, GtmError):
            return seen
        seen = seen.__cause__
    return None


class _Engine:
    def __init__(self, client: LLMClient, task: str, context: CallContext | None):
        self.client, self.task, self.context = client, task, context

    def call_args(self, request) -> tuple[list[dict], dict[str, Any], CallContext | None]:
        import dspy

        context = dspy.settings.get(CONTEXT_KEY) or self.context
        return _messages(request), _params(request), context

    def complete(self, request):
        messages, params, context = self.call_args(request)
        result = self.client.complete_sync(self.task, messages, context=context, **params)
        return _response(request, result)

    def stream(self, request):
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass  # the client belongs to whoever created it


class _AsyncEngine:
    def __init__(self, sync: _Engine):
        self.sync = sync

    async def complete(self, request):
        messages, params, context = self.sync.call_args(request)
        result = await self.sync.client.complete(self.sync.task, messages, context=context,
                                                 **params)
        return _response(request, result)

    async def stream(self, request):
        from dspy.lm15 import response_to_events

        for event in response_to_events(await self.complete(request)):
            yield event

    async def aclose(self) -> None:
        pass


def _messages(request) -> list[dict]:
    if request.tools:
        raise TerminalError("GTM's DSPy engine sends text chats only; tools are not supported")
    messages = []
    if request.system is not None:
        system = request.system if isinstance(request.system, str) else "".join(
            getattr(p, "text", "") for p in request.system)
        messages.append({"role": "system", "content": system})
    for message in request.messages:
        if message.text is None:
            raise TerminalError("GTM's DSPy engine sends text only; got a non-text message part")
        messages.append({"role": message.role, "content": message.text})
    return messages


def _params(request) -> dict[str, Any]:
    config = request.config
    params = {name: getattr(config, name) for name in _CONFIG_PARAMS
              if getattr(config, name) is not None}
    if config.stop:
        params["stop"] = list(config.stop)
    return params


def _response(request, result: LLMResult):
    from dspy.lm15 import Message, Response, TextPart, Usage

    finish = result.finish_reason if result.finish_reason in {"stop", "length"} else "stop"
    usage = Usage(input_tokens=result.tokens_in, output_tokens=result.tokens_out,
                  total_tokens=(result.tokens_in or 0) + (result.tokens_out or 0))
    return Response(id=result.span_id, model=request.model,
                    message=Message.assistant([TextPart(result.text)]), finish_reason=finish,
                    usage=usage)

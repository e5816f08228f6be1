"""A real OpenAI-compatible HTTP server on loopback for tests and benchmarks of the LLM path.

Serves `POST /v1/chat/completions` (and `/chat/completions`) from an aiohttp app on its own
thread and event loop, so litellm and DSPy talk to it over real HTTP exactly as to a provider:

    with OpenAITestServer(answer=lambda body: "hello") as server:
        settings = load_settings(llm_model="openai/test-model", llm_api_base=server.base_url)

Answers are deterministic (`answer(body) -> str`, default: an echo of the last user message).
Failures are injected either exactly (`fail_next(429, 500)`: the next requests get these
statuses, in order) or statistically (`error_rate`, seeded). `latency` ± `jitter` seconds delay
every answer. Every request is logged (`requests`), with `max_in_flight` for limit checks.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Answer = Callable[[dict], str]
DUMMY_KEY = "sk-test-0123456789abcdef"  # the server ignores keys; the OpenAI SDK insists on one


@dataclass
class LoggedRequest:
    path: str
    headers: dict[str, str]
    body: dict
    status: int = 200


def echo_answer(body: dict) -> str:
    user = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return f"echo: {user[-1]['content'] if user else ''}"


def _count_tokens(text: str) -> int:
    return max(1, len(text.split()))


@dataclass
class OpenAITestServer:
    answer: Answer = echo_answer
    latency: float = 0.0
    jitter: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (429, 500)
    seed: int = 0
    host: str = "127.0.0.1"
    requests: list[LoggedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        self._script: list[int] = []
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- control ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The `api_base` to give litellm (OpenAI clients append /chat/completions)."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def fail_next(self, *statuses: int) -> None:
        """The next len(statuses) requests fail with these HTTP statuses, in order."""
        with self._lock:
            self._script.extend(statuses)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self.max_in_flight = 0

    def start(self) -> OpenAITestServer:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="openai-test-server", daemon=True)
        self._thread.start()
        started.wait()
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._loop = None

    def __enter__(self) -> OpenAITestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ------------------------------------------------------------------------------

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        # handler_cancellation: a client that gives up frees its slow handler, like a real API.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "test-model"}]})

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        logged = LoggedRequest(request.path, dict(request.headers), body)
        with self._lock:
            self.requests.append(logged)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            status = self._script.pop(0) if self._script else None
            if status is None and self.error_rate and self._rng.random() < self.error_rate:
                status = self._rng.choice(self.error_statuses)
            delay = max(0.0, self.latency + self._rng.uniform(-self.jitter, self.jitter))
        try:
            if delay:
                await asyncio.sleep(delay)
            if status is not None:
                logged.status = status
                return _error(status)
            return web.json_response(self._completion(body))
        finally:
            with self._lock:
                self.in_flight -= 1

    def _completion(self, body: dict) -> dict[str, Any]:
        text = self.answer(body)
        prompt = " ".join(str(m.get("content") or "") for m in body.get("messages", []))
        prompt_tokens, completion_tokens = _count_tokens(prompt), _count_tokens(text)
        return {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "test-model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }


_ERRORS = {400: "invalid_request_error", 401: "invalid_api_key", 403: "permission_denied",
           404: "model_not_found", 429: "rate_limit_exceeded", 500: "server_error",
           502: "bad_gateway", 503: "overloaded"}


def _error(status: int) -> web.Response:
    code = _ERRORS.get(status, "error")
    payload = {"error": {"message": f"injected {status} ({code})", "type": code, "code": code}}
    headers = {"retry-after": "0"} if status == 429 else {}
    return web.Response(status=status, text=json.dumps(payload), content_type="application/json",
                        headers=headers)



def main(answer: Answer = echo_answer) -> None:
    """Run the server in its own process (benchmarks: no GIL shared with the client under test),
    answering with `answer` (benchmarks/drafting_server.py passes the drafting model's).

    Example: python -m tests.support.openai_server --latency 1 --jitter 0.2 --error-rate 0.3
    """
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--jitter", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    server = OpenAITestServer(answer=answer, latency=args.latency, jitter=args.jitter,
                              error_rate=args.error_rate, seed=args.seed).start()
    print(server.base_url, flush=True)  # the caller reads the api_base from the first line
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

"""The LLM client against a real OpenAI-compatible HTTP server, through real litellm."""

from __future__ import annotations

import asyncio
import threading

import pytest
from support.openai_server import DUMMY_KEY

from gtm.errors import TerminalError
from gtm.observability import trace_run
from gtm.providers.llm import (
    CallContext,
    LLMClient,
    LLMNotConfiguredError,
    LLMTerminalError,
    LLMTransientError,
    llm_mode,
)

HELLO = [{"role": "user", "content": "hello there"}]


def test_success_is_returned_and_recorded_in_its_trace(client, openai_server, workspace) -> None:
    conn_factory, workspace_id = workspace
    with trace_run(conn_factory, workspace_id, "unit", batch_id="b-1") as trace:
        result = client.complete_sync("drafting", HELLO, context=CallContext(
            trace=trace, pack="cold", pack_version="v1"), temperature=0)
    assert (result.text, result.model, result.provider) == ("echo: hello there",
                                                           "openai/test-model", "openai")
    assert (result.tokens_in, result.tokens_out, result.cached) == (2, 3, False)
    sent = openai_server.requests[0]
    assert sent.body["model"] == "test-model" and sent.body["messages"] == HELLO
    assert sent.headers["Authorization"] == f"Bearer {DUMMY_KEY}"

    with conn_factory() as conn:
        row = conn.execute("select * from ai_interactions where trace_id = %s",
                           (trace.trace_id,)).fetchone()
        run = conn.execute("select * from ai_traces where trace_id = %s",
                           (trace.trace_id,)).fetchone()
    assert row["span_id"] == result.span_id and row["task"] == "drafting"
    assert (row["provider"], row["model"], row["pack"], row["pack_version"]) == (
        "openai", "openai/test-model", "cold", "v1")
    assert (row["tokens_in"], row["tokens_out"], row["error_code"], row["cached"]) == (
        2, 3, None, False)
    assert row["input"] == {"messages": HELLO, "params": {"temperature": 0}}
    assert row["output"]["text"] == "echo: hello there" and row["batch_id"] == "b-1"
    assert row["latency_ms"] >= 0 and row["mode"] == "llm"
    assert run["status"] == "ok" and run["ended_at"] is not None
    assert run["metadata"]["summary"]["calls"] == 1
    assert run["metadata"]["summary"]["tokens_in"] == 2


def test_429_and_500_are_retried_then_succeed(client, openai_server, recorder) -> None:
    openai_server.fail_next(429, 500)
    result = client.complete_sync("judge", HELLO)
    assert result.text == "echo: hello there"
    assert openai_server.request_count == 3
    assert [a["error_code"] for a in result.attempts] == ["rate_limited", "server_error", None]
    assert recorder.rows[-1].error_code is None
    assert len(recorder.rows[-1].output["attempts"]) == 3


def test_persistent_5xx_gives_up_with_a_transient_error(client, openai_server, recorder) -> None:
    openai_server.fail_next(500, 503, 500)
    with pytest.raises(LLMTransientError) as raised:
        client.complete_sync("drafting", HELLO)
    assert raised.value.code == "server_error" and raised.value.status == 500
    assert openai_server.request_count == 3  # 1 + llm_max_retries
    assert recorder.rows[-1].error_code == "server_error"
    assert "error" in recorder.rows[-1].output


@pytest.mark.parametrize(("status", "code"), [(400, "bad_request"), (401, "auth")])
def test_bad_request_and_bad_key_are_terminal_and_not_retried(
        client, openai_server, recorder, status, code) -> None:
    openai_server.fail_next(status)
    with pytest.raises(LLMTerminalError) as raised:
        client.complete_sync("drafting", HELLO)
    assert raised.value.code == code
    assert openai_server.request_count == 1
    assert recorder.rows[-1].error_code == code


def test_fallback_model_answers_when_the_primary_keeps_failing(make_client,
                                                               openai_server) -> None:
    openai_server.answer = lambda body: f"answered by {body['model']}"
    client = make_client(llm_fallbacks=["openai/backup-model"], llm_max_retries=1)
    openai_server.fail_next(500, 500)
    result = client.complete_sync("research", HELLO)
    assert result.text == "answered by backup-model" and result.model == "openai/backup-model"
    assert [r.body["model"] for r in openai_server.requests] == [
        "test-model", "test-model", "backup-model"]


def test_identical_call_is_answered_from_the_cache_even_by_a_new_client(
        make_client, openai_server, recorder) -> None:
    first = make_client().complete_sync("drafting", HELLO, temperature=0.2)
    again = make_client().complete_sync("drafting", HELLO, temperature=0.2)  # a re-run
    assert openai_server.request_count == 1
    assert again.cached and again.text == first.text
    assert (again.cost_usd, again.tokens_in, again.tokens_out) == (0.0, 0, 0)
    assert [r.cached for r in recorder.rows] == [False, True]

    make_client().complete_sync("drafting", HELLO, temperature=0.7)  # other params: a miss
    assert openai_server.request_count == 2


def test_a_stalled_cache_write_holds_up_no_other_call(make_client, openai_server) -> None:
    """The cache's statements run on its own thread: while one answer waits to be stored (a slow
    disk, another process holding the write lock), the shared loop carries on with other calls."""
    cached, uncached = make_client(), make_client(llm_cache=False)
    stalled, release = threading.Event(), threading.Event()
    store = cached.cache._put

    def stalled_put(key, response) -> None:
        stalled.set()
        release.wait()
        store(key, response)

    cached.cache._put = stalled_put

    async def meanwhile():
        first = asyncio.ensure_future(cached.complete("drafting", HELLO))
        try:
            await _until(stalled.is_set)
            other = asyncio.ensure_future(
                uncached.complete("drafting", [{"role": "user", "content": "meanwhile"}]))
            await _until(other.done)
            assert not first.done()  # still waiting for its write
        finally:
            release.set()
        return await first, await other

    first, other = asyncio.run(meanwhile())
    assert (first.text, other.text) == ("echo: hello there", "echo: meanwhile")
    assert make_client().complete_sync("drafting", HELLO).cached  # the stalled write landed
    assert openai_server.request_count == 2


def test_cache_false_asks_again_and_stores_the_fresh_answer(client, openai_server) -> None:
    client.complete_sync("drafting", HELLO)
    openai_server.answer = lambda body: "fresh"
    assert client.complete_sync("drafting", HELLO, cache=False).text == "fresh"
    assert client.complete_sync("drafting", HELLO).text == "fresh"
    assert openai_server.request_count == 2


def test_concurrency_limit_per_provider_is_respected(make_client, openai_server) -> None:
    openai_server.latency = 0.2
    client = make_client(llm_concurrency=3)

    async def burst():
        return await asyncio.gather(*(
            client.complete("classification", [{"role": "user", "content": f"n{i}"}])
            for i in range(12)))

    results = asyncio.run(burst())
    assert sorted(r.text for r in results) == sorted(f"echo: n{i}" for i in range(12))
    assert 1 < openai_server.max_in_flight <= 3
    assert max(limit.max_in_flight for limit in client.limits.values()) <= 3


def test_without_a_model_the_client_refuses_and_says_template_mode(
        llm_settings_for, openai_server, recorder) -> None:
    settings = llm_settings_for(openai_server, llm_model=None)
    assert llm_mode(settings) == "template"
    client = LLMClient(settings, recorder=recorder)
    try:
        with pytest.raises(LLMNotConfiguredError, match="GTM_LLM_MODEL.*template mode"):
            client.complete_sync("drafting", HELLO)
    finally:
        client.close()
    assert openai_server.request_count == 0


def test_a_call_that_could_not_be_logged_is_refused(llm_settings_for, openai_server) -> None:
    client = LLMClient(llm_settings_for(openai_server))
    try:
        with pytest.raises(TerminalError, match="trace_run"):
            client.complete_sync("drafting", HELLO)
    finally:
        client.close()
    assert openai_server.request_count == 0


def test_secrets_in_prompts_headers_and_answers_never_reach_ai_interactions(
        make_client, openai_server, workspace, monkeypatch) -> None:
    monkeypatch.setenv("ACME_CRM_TOKEN", "crm-token-7f3a9c1e55")
    client = make_client()  # the redactor learns the env's secrets when the client is made
    conn_factory, workspace_id = workspace
    leaked = [DUMMY_KEY, "sk-proj-AAAABBBBCCCCDDDDEEEE", "crm-token-7f3a9c1e55",
              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl"]
    prompt = f"keys: {leaked[0]} {leaked[1]} crm={leaked[2]} jwt {leaked[3]}"
    with trace_run(conn_factory, workspace_id, "redaction") as trace:
        client.complete_sync("drafting", [{"role": "user", "content": prompt}],
                             extra_headers={"Authorization": "Bearer hdr-secret-123456789"})
    with conn_factory() as conn:
        row = conn.execute("select input::text || output::text as payload from ai_interactions"
                           " where trace_id = %s", (trace.trace_id,)).fetchone()
    for secret in [*leaked, "hdr-secret-123456789"]:
        assert secret not in row["payload"]
    assert "[REDACTED]" in row["payload"]
    assert openai_server.requests[0].body["messages"][0]["content"] == prompt  # sent unchanged


def test_every_call_of_a_concurrent_burst_is_logged_even_under_injected_errors(
        make_client, openai_server, workspace) -> None:
    openai_server.error_rate, openai_server.seed = 0.3, 11
    client = make_client(llm_concurrency=8, llm_max_retries=3, llm_breaker_failures=100)
    conn_factory, workspace_id = workspace

    async def burst():
        return await asyncio.gather(*(
            client.complete("drafting", [{"role": "user", "content": f"c{i}"}])
            for i in range(40)), return_exceptions=True)

    with trace_run(conn_factory, workspace_id, "burst") as trace:
        outcomes = asyncio.run(burst())
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(f, LLMTransientError) for f in failed)
    with conn_factory() as conn:
        rows = conn.execute("select error_code from ai_interactions where trace_id = %s",
                            (trace.trace_id,)).fetchall()
    assert len(rows) == 40
    assert sum(r["error_code"] is not None for r in rows) == len(failed)
    assert trace.summary()["errors"] == len(failed)


def test_cost_is_estimated_from_litellms_price_table(make_client, openai_server) -> None:
    import litellm

    priced = make_client(llm_model="openai/gpt-4o-mini").complete_sync("judge", HELLO)
    prices = litellm.model_cost["gpt-4o-mini"]
    assert priced.cost_usd == pytest.approx(priced.tokens_in * prices["input_cost_per_token"]
                                            + priced.tokens_out * prices["output_cost_per_token"])
    assert make_client().complete_sync("judge", HELLO).cost_usd is None  # unpriced model


def test_a_cancelled_call_is_still_logged(make_client, openai_server, recorder) -> None:
    openai_server.latency = 30  # answers only after the caller has given up
    client = make_client()

    async def give_up() -> None:
        task = asyncio.ensure_future(client.complete("drafting", HELLO))
        await _until(lambda: openai_server.request_count > 0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await _until(lambda: bool(recorder.rows))  # written on the client's loop, just after

    asyncio.run(give_up())
    assert recorder.rows[0].error_code == "cancelled"


async def _until(condition, polls: int = 3000) -> None:
    """Poll a condition (bounded, so a regression fails instead of hanging)."""
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")

"""DSPy programs on GTM's call path: real DSPy, real litellm, the loopback server, logged calls."""

from __future__ import annotations

import asyncio

import dspy
import pytest

from gtm.observability import trace_run
from gtm.providers.llm import CallContext, LLMNotConfiguredError, LLMTerminalError, dspy_lm
from gtm.providers.llm.dspy_engine import gtm_error


def chat_adapter_answer(body: dict) -> str:
    question = body["messages"][-1]["content"]
    city = "Oslo" if "Norway" in question else "Paris"
    return f"[[ ## answer ## ]]\n{city}\n\n[[ ## completed ## ]]"


@pytest.fixture
def answering_server(openai_server):
    openai_server.answer = chat_adapter_answer
    return openai_server


def test_predict_runs_through_the_client_and_every_call_is_logged(
        client, answering_server, workspace) -> None:
    conn_factory, workspace_id = workspace
    qa = dspy.Predict("question -> answer")
    lm = dspy_lm(client, "drafting", context=CallContext(pack="cold", pack_version="v1"))
    with trace_run(conn_factory, workspace_id, "dspy") as trace, dspy.context(lm=lm):
        assert qa(question="Capital of France?").answer == "Paris"
        with dspy.context(gtm_call_context=CallContext(trace=trace, pack="bump")):
            assert asyncio.run(qa.acall(question="Capital of Norway?")).answer == "Oslo"
        assert qa(question="Capital of France?").answer == "Paris"  # GTM's cache, not DSPy's
    assert answering_server.request_count == 2
    with conn_factory() as conn:
        rows = conn.execute(
            "select pack, cached, model, tokens_in from ai_interactions"
            " where trace_id = %s order by created_at", (trace.trace_id,)).fetchall()
    assert [(r["pack"], r["cached"]) for r in rows] == [("cold", False), ("bump", False),
                                                      ("cold", True)]
    assert all(r["model"] == "openai/test-model" for r in rows)
    assert rows[0]["tokens_in"] > 0


def test_dspy_calls_in_parallel_threads_keep_their_context(client, answering_server,
                                                           recorder) -> None:
    qa = dspy.Predict("question -> answer")
    lm = dspy_lm(client, "drafting")
    batch = [dspy.Example(question=f"Capital of France? #{i}").with_inputs("question")
             for i in range(6)]
    with dspy.context(lm=lm, gtm_call_context=CallContext(pack="parallel")):
        results = dspy.Parallel(num_threads=3)([(qa, example) for example in batch])
    assert [r.answer for r in results] == ["Paris"] * 6
    assert [r.pack for r in recorder.rows] == ["parallel"] * 6


def test_provider_errors_surface_with_the_gtm_error_inside(client, answering_server) -> None:
    answering_server.fail_next(400)
    with dspy.context(lm=dspy_lm(client, "judge")), pytest.raises(Exception) as raised:
        dspy.Predict("question -> answer")(question="?")
    assert isinstance(gtm_error(raised.value), LLMTerminalError)
    assert answering_server.request_count == 1  # neither DSPy nor GTM retried a 400


def test_template_mode_has_no_dspy_lm(make_client) -> None:
    with pytest.raises(LLMNotConfiguredError):
        dspy_lm(make_client(llm_model=None), "drafting")

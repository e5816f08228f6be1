"""The Dagster resource: a traced model call inside an asset, totals in the materialisation."""

import uuid

import dagster as dg
from support.openai_server import DUMMY_KEY

from gtm.db import connect
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource, llm_resource_from_env, trace_metadata


def test_asset_call_is_traced_under_the_run(migrated, openai_server) -> None:
    prompt = f"hello {uuid.uuid4().hex}"  # the session's shared cache must not answer it

    @dg.asset
    def greeting(context: dg.AssetExecutionContext, llm: LLMResource,
                 supabase: SupabaseResource) -> dg.MaterializeResult:
        with llm.trace(supabase, "greeting", context=context) as trace:
            text = llm.client().complete_sync("drafting", [{"role": "user", "content": prompt}])
        return dg.MaterializeResult(metadata={"text": text.text, **trace_metadata(trace)})

    llm = LLMResource(model="openai/test-model", api_base=openai_server.base_url,
                      api_key=DUMMY_KEY)
    result = dg.materialize([greeting], resources={
        "llm": llm, "supabase": SupabaseResource(workspace="llm-resource")})
    assert result.success
    metadata = result.asset_materializations_for_node("greeting")[0].metadata
    assert metadata["text"].value == f"echo: {prompt}"
    assert (metadata["ai_calls"].value, metadata["ai_errors"].value) == (1, 0)
    with connect(migrated) as conn:
        run = conn.execute("select trace_id, status from ai_traces where run_id = %s",
                           (result.run_id,)).fetchone()
        row = conn.execute("select session_key from ai_interactions where trace_id = %s",
                           (run["trace_id"],)).fetchone()
    assert run["status"] == "ok" and run["trace_id"] == metadata["ai_trace_id"].value
    assert row["session_key"] == result.run_id


def test_mode_follows_the_configured_model(gtm_home, monkeypatch) -> None:
    monkeypatch.delenv("GTM_LLM_MODEL", raising=False)
    assert LLMResource().mode() == "template"
    assert LLMResource(model="ollama/llama3.1").mode("judge") == "llm"
    monkeypatch.setenv("GTM_LLM_API_KEY", "sk-from-env-0000000000")
    assert isinstance(llm_resource_from_env().api_key, dg.EnvVar)  # masked in the Dagster UI

"""The LLM layer as a Dagster resource: one `LLMClient` per run, traces tied to the run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from gtm.observability.traces import Trace, trace_run
from gtm.providers.llm import LLMClient, LLMMode, dspy_lm, llm_mode
from gtm.settings import Settings, load_settings
from gtm_resources.supabase import SupabaseResource


class LLMResource(dg.ConfigurableResource):
    """Model calls for assets. Unset fields fall back to GTM settings (`GTM_LLM_*`, gtm.toml);
    with no model anywhere the resource is in template mode and assets use pack templates.

        with llm.trace(supabase, "drafts", context=context, campaign_id=cid) as trace:
            result = llm.client().complete_sync("drafting", messages)
        return dg.MaterializeResult(metadata=trace_metadata(trace))
    """

    model: str | None = None
    api_base: str | None = None
    api_key: str | None = None  # an EnvVar, never a literal: shown masked in the UI

    _client: LLMClient | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        overrides = {"llm_model": self.model, "llm_api_base": self.api_base,
                     "llm_api_key": self.api_key}
        return load_settings(**{k: v for k, v in overrides.items() if v})

    def mode(self, task: str | None = None) -> LLMMode:
        return llm_mode(self.settings(), task)

    def client(self) -> LLMClient:
        """The run's client: shared limits, breaker and cache for every asset in the run."""
        if self._client is None:
            self._client = LLMClient(self.settings())
        return self._client

    def dspy_lm(self, task: str, **defaults: Any):
        """A `dspy.LM` for `task` on the run's client (see `gtm.providers.llm.dspy_lm`)."""
        return dspy_lm(self.client(), task, **defaults)

    @contextmanager
    def trace(self, supabase: SupabaseResource, name: str, *,
              context: dg.AssetExecutionContext | dg.OpExecutionContext | None = None,
              campaign_id: str | None = None, batch_id: str | None = None,
              metadata: dict | None = None) -> Iterator[Trace]:
        """An `ai_traces` run for this Dagster run; calls inside it are recorded under it."""
        with supabase.connect() as conn:
            workspace_id = supabase.workspace_id(conn)
        run_id = context.run_id if context is not None else None
        if context is not None and context.has_partition_key:
            metadata = {"partition": context.partition_key, **(metadata or {})}
        with trace_run(supabase.connect, workspace_id, name, session_key=run_id,
                       batch_id=batch_id, campaign_id=campaign_id, run_id=run_id,
                       metadata=metadata) as trace:
            yield trace

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def trace_metadata(trace: Trace) -> dict[str, Any]:
    """Materialisation metadata: the trace id plus its calls, errors, cache hits, tokens, cost."""
    return {"ai_trace_id": trace.trace_id,
            **{f"ai_{name}": value for name, value in trace.summary().items()}}


def llm_resource_from_env() -> LLMResource:
    """The resource as the code location builds it: the key stays an `EnvVar`."""
    if os.environ.get("GTM_LLM_API_KEY"):
        return LLMResource(api_key=dg.EnvVar("GTM_LLM_API_KEY"))
    return LLMResource()

"""LLM provider layer: every model call in GTM goes through `LLMClient` (litellm underneath).

    client = LLMClient(settings)
    with trace_run(conn_factory, workspace_id, "drafts") as trace:
        result = client.complete_sync("drafting", messages, context=CallContext(trace=trace))

Without a configured model the system is in template mode (`llm_mode(settings) == "template"`)
and the client refuses calls with `LLMNotConfiguredError`; callers render templates instead.
DSPy programs get an LM on the same path from `dspy_lm(client, task)`. See docs/llm.md.
"""

import os

# litellm fetches its price table from GitHub at import unless told otherwise; GTM must work
# offline and price calls reproducibly, so it uses the table bundled with the installed litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from gtm.providers.llm.client import CallContext, LLMClient, LLMResult  # noqa: E402
from gtm.providers.llm.config import (  # noqa: E402
    TASKS,
    LLMMode,
    LLMNotConfiguredError,
    llm_mode,
    route_for,
)
from gtm.providers.llm.dspy_engine import dspy_lm  # noqa: E402
from gtm.providers.llm.redact import Redactor  # noqa: E402
from gtm.providers.llm.retry import (  # noqa: E402
    CircuitOpenError,
    LLMCallError,
    LLMTerminalError,
    LLMTransientError,
)

__all__ = [
    "TASKS", "CallContext", "CircuitOpenError", "LLMCallError", "LLMClient", "LLMMode",
    "LLMNotConfiguredError", "LLMResult", "LLMTerminalError", "LLMTransientError", "Redactor",
    "dspy_lm", "llm_mode", "route_for",
]

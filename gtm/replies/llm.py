"""The LLM step of reply classification, used only when a model is configured for the
`classification` task and the rules are unsure. Calls go through `gtm.providers.llm` (limits,
retries, cache, `ai_interactions` log); a failed call leaves the rules' answer in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from gtm.providers.llm import LLMCallError, LLMClient, llm_mode
from gtm.replies.classify import LABELS, LlmClassify
from gtm.settings import Settings

PROMPT = """You classify replies to B2B cold emails. Answer with JSON only:
{"label": one of positive | negative | info_request | referral | out_of_office | unsubscribe,
 "confidence": 0..1, "referral": {"name": str|null, "email": str|null} or null}
positive = wants a call/demo/trial or says it is interested. info_request = asks for information
(pricing, details, materials), also after declining. negative = declines. referral = points to
another person. unsubscribe = asks to stop or be removed. out_of_office = automatic absence.
The reply may be in English or Russian; quoted history has been removed."""


def make_llm_classify(client: LLMClient) -> LlmClassify:
    def classify(text: str, subject: str) -> dict | None:
        messages = [{"role": "system", "content": PROMPT},
                    {"role": "user", "content": f"Subject: {subject}\n\n{text[:4000]}"}]
        try:
            answer = client.complete_sync("classification", messages,
                                          response_format={"type": "json_object"}).json()
        except (LLMCallError, ValueError, json.JSONDecodeError):
            return None
        if not isinstance(answer, dict) or answer.get("label") not in LABELS:
            return None
        return answer

    return classify


@contextmanager
def llm_classifier(settings: Settings, conn_factory, workspace_id: str,
                   session_key: str | None = None) -> Iterator[LlmClassify | None]:
    """A classifier logging under one `ai_traces` run, or None in template mode."""
    if llm_mode(settings, "classification") != "llm":
        yield None
        return
    from gtm.observability.traces import trace_run

    client = LLMClient(settings)
    try:
        with trace_run(conn_factory, workspace_id, "reply_classification",
                       session_key=session_key):
            yield make_llm_classify(client)
    finally:
        client.close()

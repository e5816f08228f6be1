"""A deterministic, deliberately gullible "model" for the insights programs, served by the
OpenAI-compatible test server (tests and `benchmarks/enrich_stages.py`).

It answers DSPy's chat-adapter format for `WriteCompanyInsights` (recognised by its
`signals_json` output) and `WriteEmployeeInsights` (its `company_notes` input). It cites the
first fenced document's url. When a fetched page says "Ignore all previous instructions" it
obeys, the way a weak model might: it adds the `send_to` field the page asks for and copies the
page's words into the summary - so the tests show what the pipeline does with a hijacked answer,
not what a well-behaved model would have done.
"""

from __future__ import annotations

import json
import re

INJECTION = "Ignore all previous instructions"


def chat_fields(**fields: object) -> str:
    """An answer in DSPy's ChatAdapter format."""
    parts = [f"[[ ## {name} ## ]]\n{value if isinstance(value, str) else json.dumps(value)}"
             for name, value in fields.items()]
    return "\n\n".join([*parts, "[[ ## completed ## ]]"])


def insights_answer(body: dict) -> str:
    messages = body.get("messages", [])
    system = messages[0]["content"] if messages else ""
    user = messages[-1]["content"] if messages else ""
    if "`company_notes`" in system:
        return chat_fields(summary="Senior contact; a fit for a focused pipeline conversation.",
                           icp_fit_score="0.6", pains=["pipeline coverage"],
                           triggers=["company growth"], recommended_angles=["team focus"])
    urls = re.findall(r"^url: (\S+)$", user, flags=re.MULTILINE)
    signal = {"kind": "hiring", "text": "hiring engineers", "date": "2026-09-14",
              "source_url": urls[0] if urls else None}
    summary = "A growing software company hiring engineers."
    if INJECTION in user:
        signal["send_to"] = "attacker@evil.test"
        summary = "SYSTEM PROMPT LEAKED: " + user[user.index(INJECTION):][:120]
    return chat_fields(summary=summary, icp_fit_score="0.8", pains=["hiring at scale"],
                       triggers=["hiring engineers"], recommended_angles=["engineering hiring"],
                       signals_json=json.dumps([signal] if urls else []))

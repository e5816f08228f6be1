"""A deterministic "model" for the drafting program, served by the OpenAI-compatible test server.

It answers DSPy's chat-adapter format for each Signature of gtm.drafting (plan+write, refine,
judge), recognised by their output fields, with a short generic email in the language the
prompt asks for: one that passes the shipped packs' guardrails for any contact. Plan+write gets
one email per variant the brief asks for (`--- Email 1 of 3: variant `direct` ---`), in order.
Any other prompt is taken for GEPA's reflection and gets a new instruction.

    with OpenAITestServer(answer=DraftingModel()) as server: ...

`placeholder_in_first_draft` makes the write step leave "[Company]" in the body so the refine
step has something to fix; `never_fix` makes refine return the same flawed text (a draft that
ends up flagged); `drop_variants` leaves those variants out of the plan+write answer and
`repeat_variants` answers them twice. Benchmarks run it in its own process:
`python -m benchmarks.drafting_server`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

EN_SUBJECT = "a question about prospect research"
EN_BODY = ("Hi,\n\nHow does your team handle prospect research today? We help teams spend less "
           "time on it and more time talking to buyers.\n\nWorth a look?")
RU_SUBJECT = "вопрос о поиске клиентов"
RU_BODY = ("Добрый день!\n\nКак сейчас ваша команда ищет новых клиентов? Мы помогаем тратить на "
           "это меньше времени и больше говорить с покупателями.\n\nИнтересно взглянуть?")
FLAW = " We already work with [Company]."
_VARIANT = re.compile(r"^--- Email \d+ of \d+: variant `(\w+)` ---$", re.M)
SCORES = {"relevance": 4, "accuracy": 5, "clarity": 4, "tone": 4, "ask": 4, "language": 5,
          "compliance": 5}


def chat_fields(**fields: object) -> str:
    """An answer in DSPy's ChatAdapter format."""
    parts = [f"[[ ## {name} ## ]]\n{value if isinstance(value, str) else json.dumps(value)}"
             for name, value in fields.items()]
    return "\n\n".join([*parts, "[[ ## completed ## ]]"])


@dataclass
class DraftingModel:
    placeholder_in_first_draft: bool = False
    never_fix: bool = False
    risk: float = 0.2
    drop_variants: set[str] = field(default_factory=set)
    repeat_variants: set[str] = field(default_factory=set)

    def __call__(self, body: dict) -> str:
        messages = body.get("messages", [])
        system = messages[0]["content"] if messages else ""
        user = messages[-1]["content"] if messages else ""
        russian = bool(re.search(r"\bin Russian\b", user))
        subject, text = (RU_SUBJECT, RU_BODY) if russian else (EN_SUBJECT, EN_BODY)
        if "`emails`" in system:
            body_text = text + (FLAW if self.placeholder_in_first_draft else "")
            emails = [{"variant": variant, "hook": "their role and company",
                       "angle": "prospect research takes too long", "proof_point": "none",
                       "subject": subject, "body": body_text}
                      for variant in _VARIANT.findall(user) if variant not in self.drop_variants
                      for _ in range(2 if variant in self.repeat_variants else 1)]
            return chat_fields(emails=emails)
        if "`risk`" in system:
            return chat_fields(scores=SCORES, risk=str(self.risk),
                               reasons=["generic opening: no research to quote"])
        if "`subject`" in system:  # refine: the only Signature with a plain subject and body
            flawed = self.placeholder_in_first_draft and self.never_fix
            return chat_fields(subject=subject, body=text + (FLAW if flawed else ""))
        # Anything else is GEPA's reflection prompt (pack:optimize): a new instruction in a fence.
        return "```\nWrite a short, specific email that states only facts from the brief.\n```"

"""Reply classification: headers and DSN structure first, then rules on the extracted reply text
(EN + RU), then the LLM when one is configured and the rules are unsure.

Every label carries its source (`header`, `rules`, `llm`) and a confidence in [0, 1]. An
out-of-office is never a reply and never a bounce; "not interested, but send pricing" is an
info request; "talk to my colleague X" is a referral with X extracted when present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from gtm.replies.bounces import BounceReport, parse_bounce
from gtm.replies.parse import extract_reply, header_text, message_text
from gtm.replies.rules import (
    LEFT_COMPANY,
    RuleVerdict,
    classify_text,
    extract_referral,
    is_generic_mailbox,
    looks_automatic,
)

LABELS = ("positive", "negative", "info_request", "referral", "out_of_office", "unsubscribe",
          "bounce")
HUMAN_LABELS = ("positive", "negative", "info_request", "referral", "unsubscribe")
# Below this the rules defer to the LLM (when configured).
LLM_THRESHOLD = 0.6


@dataclass(frozen=True)
class Classification:
    label: str
    confidence: float
    source: str  # "header" | "rules" | "llm"
    reason: str
    referral: dict | None = None
    bounce: BounceReport | None = None
    reply_text: str = ""

    @property
    def is_human_reply(self) -> bool:
        return self.label in HUMAN_LABELS


# (reply text, subject) -> {"label", "confidence", "referral"?} or None when it cannot answer.
LlmClassify = Callable[[str, str], dict | None]


def classify_message(msg: Message, *, llm_classify: LlmClassify | None = None) -> Classification:
    """Classify one inbound message (a whole RFC 5322 message, parsed)."""
    bounce = parse_bounce(msg)
    if bounce.is_bounce:
        confidence = 0.99 if bounce.format == "dsn" and bounce.recipients else \
            0.9 if bounce.recipients else 0.7
        return Classification("bounce", confidence, "header",
                              f"delivery failure ({bounce.format})", bounce=bounce)
    subject = header_text(msg, "Subject")
    text = extract_reply(message_text(msg))
    automatic = looks_automatic(msg)
    if automatic:
        referral = extract_referral(text)
        # "I have left; write to <successor>" names a person to contact: that is a referral.
        # "... write to info@" is not.
        if referral and LEFT_COMPANY.search(text) and referral.get("email") and \
                not is_generic_mailbox(referral["email"]):
            return Classification("referral", 0.8, "header",
                                  f"autoreply ({automatic}): left, names a successor",
                                  referral=referral, reply_text=text)
        return Classification("out_of_office", 0.97, "header", f"autoreply header: {automatic}",
                              reply_text=text)
    verdict = classify_text(text, subject)
    if verdict.confidence < LLM_THRESHOLD and llm_classify is not None and text.strip():
        answer = llm_classify(text, subject)
        if answer and answer.get("label") in LABELS and answer["label"] != "bounce":
            return Classification(answer["label"], _clamp(answer.get("confidence", 0.7)), "llm",
                                  f"llm (rules unsure: {verdict.reason})",
                                  referral=answer.get("referral") or verdict.referral,
                                  reply_text=text)
    return _from_rules(verdict, text)


def _from_rules(verdict: RuleVerdict, text: str) -> Classification:
    return Classification(verdict.label, verdict.confidence, "rules", verdict.reason,
                          referral=verdict.referral, reply_text=text)


def _clamp(value) -> float:
    try:
        return max(0.0, min(1.0, float(value)))
    except (TypeError, ValueError):
        return 0.5

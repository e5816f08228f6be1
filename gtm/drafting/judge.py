"""The LLM-as-judge: a risk and quality score with reasons for every draft, before a human.

The rubric is the pack's `## judge rubric` section; the judge also gets the contact's facts so it
can spot invented claims. Its verdict is combined with the guardrails, which are code and win: a
draft failing a guardrail keeps at least the rules' risk whatever the model thinks.

Without a judge model (template mode), or when the model cannot be reached, the verdict is the
rules' alone and says so: `source="rules"` and a first reason explaining why.

    risk       0.0 send as is .. 1.0 do not send; `HIGH_RISK` and above is the review's
               "high risk" filter
    quality    0.0 .. 1.0 (rubric scores 1..5 mapped onto it)
"""

from __future__ import annotations

from statistics import mean
from typing import Literal

import dspy
from pydantic import BaseModel, Field

from gtm.drafting.context import Draft, DraftContext
from gtm.drafting.guardrails import GuardrailReport, check_draft
from gtm.drafting.program import chat_adapter, context_facts
from gtm.drafting.templates import render_section
from gtm.packs.model import Pack
from gtm.providers.llm.dspy_engine import gtm_error

HIGH_RISK = 0.6
# Failures that make a draft wrong or unsendable, not merely long: a human must look.
SEVERE_FAILURES = frozenset({"not_empty", "placeholders", "unsupported_claims", "language",
                             "opt_out", "reply_subject"})
RISK_SEVERE, RISK_FAILED, RISK_CLEAN, RISK_CLEAN_NO_RESEARCH = 0.9, 0.7, 0.1, 0.2
TEMPLATE_MODE_REASON = ("rules only: no judge model is configured (template mode), so the score "
                        "comes from the guardrails and the context, not from an LLM")


class JudgeDraft(dspy.Signature):
    """Review an outbound email before a human sends it, strictly by the rubric. An invented fact
    (anything not in the facts) is a serious risk; be specific in your reasons."""

    rubric: str = dspy.InputField(desc="the criteria to score and the email under review")
    facts: str = dspy.InputField(desc="everything known about the contact: the only true facts")
    scores: dict[str, int] = dspy.OutputField(
        desc="each rubric criterion by its name, lowercase -> 1 (bad) .. 5 (excellent)")
    risk: float = dspy.OutputField(desc="0.0 (send as is) .. 1.0 (do not send)")
    reasons: list[str] = dspy.OutputField(
        desc="one short sentence for each criterion scored below 4, and anything risky")


class Judgement(BaseModel):
    source: Literal["llm", "rules"]
    risk: float = Field(ge=0, le=1)
    quality: float = Field(ge=0, le=1)
    scores: dict[str, int] = Field(default_factory=dict)
    reasons: list[str] = Field(default_factory=list)
    guardrail_failures: list[str] = Field(default_factory=list)
    model: str | None = None
    error: str | None = None

    @property
    def high_risk(self) -> bool:
        return self.risk >= HIGH_RISK

    def to_json(self) -> dict:
        return {**self.model_dump(), "high_risk": self.high_risk}


def rules_judgement(draft: Draft, context: DraftContext, pack: Pack,
                    report: GuardrailReport | None = None, *,
                    why: str = TEMPLATE_MODE_REASON) -> Judgement:
    """The verdict from code alone: guardrails for risk, guardrails and personalisation for
    quality. Honest about being rules (`why` is the first reason)."""
    report = report or check_draft(draft, context, pack)
    failures = report.failures
    if any(f.name in SEVERE_FAILURES for f in failures):
        risk = RISK_SEVERE
    elif failures:
        risk = RISK_FAILED
    else:
        risk = RISK_CLEAN if context.research.available else RISK_CLEAN_NO_RESEARCH
    passed_share = 1 - len(failures) / len(report.results)
    personal = (0.25 * context.research.available + 0.125 * bool(context.contact.first_name)
                + 0.125 * bool(context.company.name))
    reasons = [why, *(f"{f.name}: {f.detail}" for f in failures)]
    if not context.research.available:
        reasons.append("no research on this contact: personalised from role and company only")
    return Judgement(source="rules", risk=risk, quality=round(0.5 * passed_share + personal, 3),
                     scores={r.name: 5 if r.passed else 1 for r in report.results},
                     reasons=reasons, guardrail_failures=[f.name for f in failures])


def combine(rules: Judgement, scores: dict, risk: float, reasons: list, model: str | None,
            report: GuardrailReport) -> Judgement:
    """The model's verdict, floored by the guardrails: a failing draft is never judged safe."""
    clean = {str(k).strip().lower(): min(5, max(1, int(v))) for k, v in (scores or {}).items()}
    risk = min(1.0, max(0.0, float(risk)))
    if not report.passed:
        risk = max(risk, rules.risk)
    quality = (mean(clean.values()) - 1) / 4 if clean else rules.quality
    failures = [f"{f.name}: {f.detail}" for f in report.failures]
    return Judgement(source="llm", risk=round(risk, 3), quality=round(quality, 3), scores=clean,
                     reasons=[str(r) for r in reasons or []] + failures,
                     guardrail_failures=rules.guardrail_failures, model=model)


class Judge(dspy.Module):
    """The judge for one draft: the rubric call plus the guardrails. An LM must be configured
    (`dspy.context(lm=dspy_lm(client, "judge"))`); use `rules_judgement` without one."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack
        self.predict = dspy.Predict(JudgeDraft)

    def forward(self, draft: Draft, context: DraftContext) -> Judgement:
        report = check_draft(draft, context, self.pack)
        rules = rules_judgement(draft, context, self.pack, report)
        rubric = render_section(self.pack, "judge rubric", draft.variant, context, draft=draft)
        with chat_adapter():
            out = self.predict(rubric=rubric, facts=context_facts(context))
        return combine(rules, out.scores, out.risk, out.reasons,
                       getattr(dspy.settings.lm, "model", None), report)


def judge_or_rules(judge: Judge | None, draft: Draft, context: DraftContext,
                   pack: Pack) -> Judgement:
    """The model's verdict when there is a judge, else (or when the call fails) the rules',
    saying why."""
    if judge is None:
        return rules_judgement(draft, context, pack)
    try:
        return judge(draft=draft, context=context)
    except Exception as exc:  # the provider failed after its retries: fall back, say so
        cause = gtm_error(exc)
        code = getattr(cause, "code", None) or type(exc).__name__
        fallback = rules_judgement(draft, context, pack,
                                   why=f"rules only: the LLM judge failed ({code}), so the "
                                       "score comes from the guardrails")
        return fallback.model_copy(update={"error": f"{code}: {cause or exc}"[:500]})

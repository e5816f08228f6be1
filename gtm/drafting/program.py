"""The drafting program: typed DSPy Signatures and one Module per step.

    collect context -> plan (hook, angle, proof point) -> draft (subject + body)
                    -> guardrails -> refine with the failures (at most `max_refines` times)

The prompt pack stays the source of every instruction about *this* email: each step sends its
pack section, rendered for the contact (gtm.drafting.templates), as the `brief` input and the
pack's system section as `guidelines`. The Signatures' own instructions are generic, which is
what GEPA (`gtm pack:optimize`) rewrites.

Guardrails are code. The opt-out policy is applied in code before checking; a draft still failing
after the refines is returned with `flagged=True` and its failures, never passed off as clean.
A refine the model cannot answer (provider down) also leaves the draft flagged, not lost.

    with dspy.context(lm=dspy_lm(client, "drafting")):
        result = DraftingProgram(pack)(context=ctx, variant="casual")
    result.draft, result.guardrails, result.flagged
"""

from __future__ import annotations

import re
from pathlib import Path

import dspy

from gtm.drafting.context import Draft, DraftContext
from gtm.drafting.guardrails import GuardrailReport, GuardrailResult, apply_opt_out, check_draft
from gtm.drafting.templates import PlanOutline, render_fallback, render_section
from gtm.packs.model import Pack

MAX_REFINES = 2
_NONE = {"", "none", "n/a", "-", "нет"}
_SUBJECT_LINE = re.compile(r"^\s*(?:subject|тема)\s*:\s*", re.I)


class PlanEmail(dspy.Signature):
    """Plan one outbound email to one person before it is written. Use only facts stated in the
    brief; when it gives no research, plan from the role and the company alone."""

    guidelines: str = dspy.InputField(desc="rules every email of this prompt pack follows")
    brief: str = dspy.InputField(desc="the contact, their company, research and what to plan")
    hook: str = dspy.OutputField(desc="the single most specific reason this email is for them, "
                                 "quoting the fact from the brief it rests on")
    angle: str = dspy.OutputField(desc="the problem, phrased the way this person would say it")
    proof_point: str = dspy.OutputField(desc='the proof sentence to use, or "none"')


class WriteEmail(dspy.Signature):
    """Write the email the brief asks for, following the guidelines exactly. Plain text only."""

    guidelines: str = dspy.InputField(desc="rules every email of this prompt pack follows")
    facts: str = dspy.InputField(desc="everything known about the contact: the only facts the "
                                 "email may state")
    brief: str = dspy.InputField(desc="the plan, the variant and the shape of the email")
    subject: str = dspy.OutputField(desc="the subject line alone, without 'Subject:'")
    body: str = dspy.OutputField(desc="the email body: greeting to sign-off, no subject line")


class RefineEmail(dspy.Signature):
    """Rewrite an email that failed automatic checks so that every check passes, keeping its
    hook and its ask. Remove unsupported claims rather than soften them."""

    guidelines: str = dspy.InputField(desc="rules every email of this prompt pack follows")
    facts: str = dspy.InputField(desc="everything known about the contact: the only facts the "
                                 "email may state")
    brief: str = dspy.InputField(desc="the failed checks and the email to rewrite")
    subject: str = dspy.OutputField(desc="the subject line alone, without 'Subject:'")
    body: str = dspy.OutputField(desc="the email body: greeting to sign-off, no subject line")


class CollectContext(dspy.Module):
    """Step 1: what the steps share for one contact and variant: the pack's rules, rendered.

    The records themselves (company, person, research, insights, ICP reasons, angle) are loaded
    into a `DraftContext` by `gtm.drafting.context.load_contexts`; no model is involved here.
    """

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack

    def forward(self, context: DraftContext, variant: str) -> dspy.Prediction:
        return dspy.Prediction(guidelines=render_section(self.pack, "system", variant, context),
                               facts=context_facts(context),
                               variant=self.pack.variant(variant).name)


class Plan(dspy.Module):
    """Step 2: hook, angle and proof point."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack
        self.predict = dspy.Predict(PlanEmail)

    def forward(self, context: DraftContext, variant: str, guidelines: str) -> PlanOutline:
        brief = render_section(self.pack, "plan", variant, context)
        out = self.predict(guidelines=guidelines, brief=brief)
        return PlanOutline(hook=_clean(out.hook), angle=_clean(out.angle) or context.angle,
                           proof_point=_clean(out.proof_point))


class Write(dspy.Module):
    """Step 3: subject and body from the plan."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack
        self.predict = dspy.Predict(WriteEmail)

    def forward(self, context: DraftContext, variant: str, guidelines: str, facts: str,
                plan: PlanOutline) -> Draft:
        brief = render_section(self.pack, "draft", variant, context, plan=plan)
        out = self.predict(guidelines=guidelines, facts=facts, brief=brief)
        return to_draft(self.pack, variant, context, out.subject, out.body)


class Refine(dspy.Module):
    """Step 4: the same email rewritten against the guardrail failures."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack
        self.predict = dspy.Predict(RefineEmail)

    def forward(self, context: DraftContext, variant: str, guidelines: str, facts: str,
                plan: PlanOutline, draft: Draft, failures: list[GuardrailResult]) -> Draft:
        brief = render_section(self.pack, "refine", variant, context, plan=plan, draft=draft,
                               failures=failures)
        out = self.predict(guidelines=guidelines, facts=facts, brief=brief)
        return to_draft(self.pack, variant, context, out.subject, out.body)


class DraftingProgram(dspy.Module):
    """The four steps for one contact and variant; returns a Prediction with `draft` (Draft),
    `plan` (PlanOutline), `guardrails` (GuardrailReport), `refines` (int), `flagged` (bool) and
    `refine_error` (why refining stopped early, or None)."""

    def __init__(self, pack: Pack, max_refines: int = MAX_REFINES):
        super().__init__()
        self.pack, self.max_refines = pack, max_refines
        self.collect = CollectContext(pack)
        self.plan = Plan(pack)
        self.write = Write(pack)
        self.refine = Refine(pack)

    def forward(self, context: DraftContext, variant: str | None = None) -> dspy.Prediction:
        collected = self.collect(context=context, variant=variant)
        variant, guidelines, facts = collected.variant, collected.guidelines, collected.facts
        plan = self.plan(context=context, variant=variant, guidelines=guidelines)
        draft = self.write(context=context, variant=variant, guidelines=guidelines, facts=facts,
                           plan=plan)
        report = check_draft(draft, context, self.pack)
        refines, refine_error = 0, None
        while not report.passed and refines < self.max_refines:
            try:
                refined = self.refine(context=context, variant=variant, guidelines=guidelines,
                                      facts=facts, plan=plan, draft=draft,
                                      failures=report.failures)
            except Exception as exc:  # the draft is kept, flagged, with the reason
                refine_error = f"{type(exc).__name__}: {exc}"
                break
            refines += 1
            if refined == draft:
                break  # the model gives the same answer again: asking once more cannot help
            draft, report = refined, check_draft(refined, context, self.pack)
        return dspy.Prediction(draft=draft, plan=plan, guardrails=report, refines=refines,
                               flagged=not report.passed, refine_error=refine_error)


class TemplateProgram(dspy.Module):
    """Template mode as a program with the same output, so `dspy.Evaluate` scores the fallback
    templates exactly as it scores the LLM program. No model is called."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack

    def forward(self, context: DraftContext, variant: str | None = None) -> dspy.Prediction:
        draft = render_fallback(self.pack, variant, context)
        report = check_draft(draft, context, self.pack)
        return dspy.Prediction(draft=draft, plan=PlanOutline(angle=context.angle),
                               guardrails=report, refines=0, flagged=not report.passed,
                               refine_error=None)


def to_draft(pack: Pack, variant: str, context: DraftContext, subject: str, body: str) -> Draft:
    """A model's subject and body as a Draft: a stray "Subject:" line removed, the opt-out policy
    applied in code (a model may drop or mangle the line; the policy is not its call)."""
    subject, body = (subject or "").strip(), (body or "").strip()
    first, _, rest = body.partition("\n")
    if _SUBJECT_LINE.match(first):
        subject, body = subject or _SUBJECT_LINE.sub("", first).strip(), rest.strip()
    subject = " ".join(_SUBJECT_LINE.sub("", subject).split())
    body = apply_opt_out(body, pack.rules(context.language)) if body else body
    lm = dspy.settings.lm
    return Draft(subject=subject, body=body, mode="llm", pack=pack.name,
                 pack_version=pack.version, variant=pack.variant(variant).name,
                 language=context.language, angle=context.angle,
                 model=getattr(lm, "model", None))


def context_facts(context: DraftContext) -> str:
    """The context as short labelled lines: what the writer, the refiner and the judge may treat
    as true. Absent values are left out, so nothing reads as known that is not."""
    c, co, r, s = context.contact, context.company, context.research, context.sender
    prev = context.previous
    lines = [
        _line("Contact", c.full_name, c.position, c.seniority and f"seniority {c.seniority}",
              c.department, c.country and f"country {c.country}"),
        _line("Company", co.name, co.short_name != co.name and co.short_name, co.industry,
              co.size_employees and f"{co.size_employees} employees", co.country, co.domain),
        _line("Company research", r.summary), _line("Person research", r.person_summary),
        *(_line("Trigger", t) for t in r.triggers), *(_line("Pain", p) for p in r.pains),
        *(_line(f"Signal ({x.date})" if x.date else "Signal", x.text) for x in r.signals),
        _line("Why they fit our ICP", "; ".join(context.icp.reasons)),
        _line("Angle", context.angle),
        _line("Sender", s.name, s.title, s.company),
        _line("What we do", s.offer), _line("The problem we remove", s.problem),
        _line("Proof we may cite", s.proof or "none: make no proof claims"),
        _line("Previous email", prev.subject and f"subject {prev.subject!r}",
              prev.sent_at and f"sent {prev.sent_at}"),
        _line("Previous email body", prev.body),
    ]
    if not r.available:
        lines.append("Research: none. Do not imply any.")
    return "\n".join(line for line in lines if line)


def _line(label: str, *parts) -> str | None:
    values = [str(p) for p in parts if p]
    return f"{label}: {', '.join(values)}" if values else None


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return None if text.strip(" .").lower() in _NONE else text


def optimized_program_path(home: Path, pack: Pack) -> Path:
    """Where `gtm pack:optimize` keeps the GEPA-optimised program for this exact pack version."""
    return home / "optimized" / f"{pack.name}-{pack.version}.json"


def build_program(pack: Pack, home: Path | None = None) -> DraftingProgram:
    """The drafting program, with the optimised instructions when `pack:optimize` saved some for
    this pack version (a changed pack starts from the generic instructions again)."""
    program = DraftingProgram(pack)
    if home is not None and (path := optimized_program_path(home, pack)).is_file():
        program.load(str(path))
    return program


def guardrail_summary(report: GuardrailReport, refines: int, refine_error: str | None) -> dict:
    """What `drafts.guardrails` stores: the verdict, every check and how hard we tried."""
    return {"passed": report.passed, "refines": refines, "refine_error": refine_error,
            "failures": [f.name for f in report.failures],
            "results": [r.model_dump() for r in report.results]}

"""The drafting program: typed DSPy Signatures and one Module per step.

    collect context -> plan+write (one call for all variants) -> guardrails -> refine

One model call per contact plans and writes every variant asked for: each email's plan (hook,
angle, proof point) comes before its subject and body in the answer, so the plan conditions the
text, and the contact's facts are sent once instead of once per step and variant. Only a draft
failing the guardrails costs another call: it is refined with its failures, on its own (at most
`max_refines` times).

The prompt pack stays the source of every instruction about *this* email: the brief is the
pack's plan and draft sections rendered for the contact and each variant (gtm.drafting.templates
`render_brief`), the guidelines its system section. The Signatures' own instructions are
generic, which is what GEPA (`gtm pack:optimize`) rewrites.

Guardrails are code. The opt-out policy is applied in code before checking; a draft still failing
after the refines is returned with `flagged=True` and its failures, never passed off as clean.
A refine the model cannot answer (provider down) also leaves the draft flagged, not lost. A
variant missing from the model's answer, or answered twice, fails with the reason
(`VariantAnswerError`); the other variants of the answer stand.

    with dspy.context(lm=dspy_lm(client, "drafting")):
        results = DraftingProgram(pack)(context=ctx, variants=["direct", "casual"]).results
    results[0].variant, results[0].error, results[0].draft, results[0].flagged
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import dspy
from pydantic import BaseModel, Field

from gtm.drafting.context import Draft, DraftContext
from gtm.drafting.guardrails import GuardrailReport, GuardrailResult, apply_opt_out, check_draft
from gtm.drafting.templates import (
    PlanOutline,
    render_brief,
    render_fallback,
    render_for_variants,
    render_section,
)
from gtm.errors import TerminalError
from gtm.packs.model import Pack

MAX_REFINES = 2
# The layout of the program's predictors: an optimised program saved for another layout cannot
# be loaded into this one (bump it whenever the predictors change).
PROGRAM_LAYOUT = 2
_NONE = {"", "none", "n/a", "-", "нет"}
_SUBJECT_LINE = re.compile(r"^\s*(?:subject|тема)\s*:\s*", re.I)


class PlannedEmail(BaseModel):
    """One email of the answer: its plan (hook, angle, proof point), then its text."""

    variant: str = Field(description="the variant's name exactly as the brief gives it")
    hook: str = Field(description="the single most specific reason this email is for them, "
                      "quoting the fact it rests on")
    angle: str = Field(description="the problem, phrased the way this person would say it")
    proof_point: str = Field(description='the proof sentence to use, or "none"')
    subject: str = Field(description="the subject line alone, without 'Subject:'")
    body: str = Field(description="the email body: greeting to sign-off, no subject line")


class PlanAndWriteEmails(dspy.Signature):
    """Write the outbound emails to one person that the brief asks for, one per variant. For each,
    plan first (hook, angle, proof point) from the facts alone, then write the email that plan
    describes, following the guidelines exactly. Plain text only. When there is no research,
    plan from the role and the company alone."""

    guidelines: str = dspy.InputField(desc="rules every email of this prompt pack follows")
    facts: str = dspy.InputField(desc="everything known about the contact: the only facts the "
                                 "emails may state")
    brief: str = dspy.InputField(desc="the contact, what to plan and the shape of each variant")
    # DSPy shows the JSON schema with its keys sorted, so the order the plan conditions the
    # text in is said in words.
    emails: list[PlannedEmail] = dspy.OutputField(
        desc="one email per variant the brief asks for, in its order; each with its keys in "
             "this order: variant, hook, angle, proof_point, subject, body")


class RefineEmail(dspy.Signature):
    """Rewrite an email that failed automatic checks so that every check passes, keeping its
    hook and its ask. Remove unsupported claims rather than soften them."""

    guidelines: str = dspy.InputField(desc="rules every email of this prompt pack follows")
    facts: str = dspy.InputField(desc="everything known about the contact: the only facts the "
                                 "email may state")
    brief: str = dspy.InputField(desc="the failed checks and the email to rewrite")
    subject: str = dspy.OutputField(desc="the subject line alone, without 'Subject:'")
    body: str = dspy.OutputField(desc="the email body: greeting to sign-off, no subject line")


class CachedSystemChatAdapter(dspy.ChatAdapter):
    """DSPy's ChatAdapter with each Signature's system message built once, not on every call.

    DSPy rebuilds it per call, the JSON schema of typed outputs such as `emails` included: with
    the response cache answering, that was the largest cost of a call (cProfile of the cached
    re-run in benchmarks/drafting_throughput.py). The message depends only on the Signature (its
    fields and instructions; GEPA's rewrites are new Signature classes), so the model sees the
    same prompt. A parse failure still falls back to DSPy's JSONAdapter.
    """

    def format_system_message(self, signature: type[dspy.Signature]) -> str:
        return _system_message(signature)


@lru_cache(maxsize=128)
def _system_message(signature: type[dspy.Signature]) -> str:
    return dspy.ChatAdapter().format_system_message(signature)


@contextmanager
def chat_adapter() -> Iterator[None]:
    """Use `CachedSystemChatAdapter` unless the caller configured an adapter of its own."""
    if dspy.settings.adapter is not None:
        yield
        return
    with dspy.context(adapter=CachedSystemChatAdapter()):
        yield


class VariantAnswerError(TerminalError):
    """The model's answer has no usable email for a variant it was asked for."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class CollectContext(dspy.Module):
    """Step 1: what the steps share for one contact: the pack's rules and brief, rendered.

    The records themselves (company, person, research, insights, ICP reasons, angle) are loaded
    into a `DraftContext` by `gtm.drafting.context.load_contexts`; no model is involved here.
    """

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack

    def forward(self, context: DraftContext, variants: Sequence[str]) -> dspy.Prediction:
        names = list(dict.fromkeys(self.pack.variant(v).name for v in variants))
        return dspy.Prediction(guidelines=_guidelines(self.pack, names, context),
                               facts=context_facts(context), variants=names,
                               brief=render_brief(self.pack, names, context))


class PlanAndWrite(dspy.Module):
    """Step 2: every variant's plan and text in one call; {variant: (plan, draft) or error}."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack
        self.predict = dspy.Predict(PlanAndWriteEmails)

    def forward(self, context: DraftContext, variants: list[str], guidelines: str, facts: str,
                brief: str) -> dict[str, tuple[PlanOutline, Draft] | VariantAnswerError]:
        emails = self.predict(guidelines=guidelines, facts=facts, brief=brief).emails
        by_variant: dict[str, list[PlannedEmail]] = {v: [] for v in variants}
        for email in emails:
            if (name := self._match(email.variant)) in by_variant:
                by_variant[name].append(email)
        out: dict[str, tuple[PlanOutline, Draft] | VariantAnswerError] = {}
        for variant, found in by_variant.items():
            if len(found) != 1:
                code = "missing_variant" if not found else "duplicate_variant"
                out[variant] = VariantAnswerError(
                    f"the model's answer has {len(found)} emails for variant {variant!r} "
                    f"(asked for {', '.join(variants)}; got "
                    f"{', '.join(repr(e.variant) for e in emails) or 'none'})", code)
                continue
            email = found[0]
            plan = PlanOutline(hook=_clean(email.hook),
                               angle=_clean(email.angle) or context.angle,
                               proof_point=_clean(email.proof_point))
            out[variant] = plan, to_draft(self.pack, variant, context, email.subject, email.body)
        return out

    def _match(self, answered: str) -> str | None:
        """The pack variant a model's label names: its name or label, case and separators
        aside ("Pattern-breaker" is `pattern_breaker`)."""
        key = _variant_key(answered)
        return next((v.name for v in self.pack.variants
                     if key in (_variant_key(v.name), _variant_key(v.label))), None)


class Refine(dspy.Module):
    """Step 4, after the guardrails (code): one email rewritten against its failures."""

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
    """The steps for one contact and the variants asked for (default: the pack's first).

    Returns a Prediction whose `results` has one Prediction per variant, in the order asked:
    `variant`, `error` (a `VariantAnswerError`, or None), and when there is no error `draft`
    (Draft), `plan` (PlanOutline), `guardrails` (GuardrailReport), `refines` (int), `flagged`
    (bool) and `refine_error` (why refining stopped early, or None). A failed call raises.
    """

    def __init__(self, pack: Pack, max_refines: int = MAX_REFINES):
        super().__init__()
        self.pack, self.max_refines = pack, max_refines
        self.collect = CollectContext(pack)
        self.plan_write = PlanAndWrite(pack)
        self.refine = Refine(pack)

    def forward(self, context: DraftContext,
                variants: Sequence[str] | None = None) -> dspy.Prediction:
        with chat_adapter():
            collected = self.collect(context=context, variants=variants or [None])
            answers = self.plan_write(context=context, variants=collected.variants,
                                      guidelines=collected.guidelines, facts=collected.facts,
                                      brief=collected.brief)
            results = []
            for variant, answer in answers.items():
                if isinstance(answer, VariantAnswerError):
                    results.append(dspy.Prediction(variant=variant, error=answer))
                else:
                    results.append(self._check_and_refine(context, variant, collected, *answer))
        return dspy.Prediction(results=results)

    def _check_and_refine(self, context: DraftContext, variant: str, collected: dspy.Prediction,
                          plan: PlanOutline, draft: Draft) -> dspy.Prediction:
        report = check_draft(draft, context, self.pack)
        refines, refine_error = 0, None
        while not report.passed and refines < self.max_refines:
            try:
                refined = self.refine(context=context, variant=variant,
                                      guidelines=collected.guidelines, facts=collected.facts,
                                      plan=plan, draft=draft, failures=report.failures)
            except Exception as exc:  # the draft is kept, flagged, with the reason
                refine_error = f"{type(exc).__name__}: {exc}"
                break
            refines += 1
            if refined == draft:
                break  # the model gives the same answer again: asking once more cannot help
            draft, report = refined, check_draft(refined, context, self.pack)
        return dspy.Prediction(variant=variant, error=None, draft=draft, plan=plan,
                               guardrails=report, refines=refines, flagged=not report.passed,
                               refine_error=refine_error)


class TemplateProgram(dspy.Module):
    """Template mode as a program with the same output, so `dspy.Evaluate` scores the fallback
    templates exactly as it scores the LLM program. No model is called."""

    def __init__(self, pack: Pack):
        super().__init__()
        self.pack = pack

    def forward(self, context: DraftContext,
                variants: Sequence[str] | None = None) -> dspy.Prediction:
        results = []
        for variant in variants or [None]:
            draft = render_fallback(self.pack, variant, context)
            report = check_draft(draft, context, self.pack)
            results.append(dspy.Prediction(
                variant=draft.variant, error=None, draft=draft,
                plan=PlanOutline(angle=context.angle), guardrails=report, refines=0,
                flagged=not report.passed, refine_error=None))
        return dspy.Prediction(results=results)


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


def _guidelines(pack: Pack, variants: list[str], context: DraftContext) -> str:
    """The system section, once when it reads the same for every variant (it normally does),
    else once per variant, labelled."""
    rendered = render_for_variants(pack, "system", variants, context)
    if len(set(rendered.values())) == 1:
        return rendered[variants[0]]
    return "\n\n".join(f"For the {v!r} email:\n{text}" for v, text in rendered.items())


def _variant_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name or "").casefold()


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return None if text.strip(" .").lower() in _NONE else text


def optimized_program_path(home: Path, pack: Pack) -> Path:
    """Where `gtm pack:optimize` keeps the GEPA-optimised program for this exact pack version
    and program layout."""
    return home / "optimized" / f"{pack.name}-{pack.version}-p{PROGRAM_LAYOUT}.json"


def build_program(pack: Pack, home: Path | None = None) -> DraftingProgram:
    """The drafting program, with the optimised instructions when `pack:optimize` saved some for
    this pack version (a changed pack, or a changed program, starts from the generic
    instructions again)."""
    program = DraftingProgram(pack)
    if home is not None and (path := optimized_program_path(home, pack)).is_file():
        program.load(str(path))
    return program


def guardrail_summary(report: GuardrailReport, refines: int, refine_error: str | None) -> dict:
    """What `drafts.guardrails` stores: the verdict, every check and how hard we tried."""
    return {"passed": report.passed, "refines": refines, "refine_error": refine_error,
            "failures": [f.name for f in report.failures],
            "results": [r.model_dump() for r in report.results]}

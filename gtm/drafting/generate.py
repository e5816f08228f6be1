"""Drafting a campaign: every active member × every chosen variant, stored as it is written.

    report = generate_drafts(lambda: connect(settings), settings, workspace_id, campaign_id)

With a drafting model the DSPy program writes each contact's missing variants in one call
(gtm.drafting.program), many contacts at once within the client's limits; without one the pack's
fallback templates do, and every draft and `ai_interactions` row says `mode=template`. Either
way each draft is checked by the guardrails: a failing one is stored flagged (status
`generated`, `guardrails.passed=false`, a high risk), one the model could not write is stored
`failed` with the reason, and both are listed in the report. A contact's drafts are stored as
soon as its call (and any refine) returns. A contact whose call was lost to a transient
provider failure (rate limit, 5xx, open circuit, after the client's own retries) gets one more
try at the end of the run, after the circuit's cooldown; a variant the model's answer left out
or repeated fails on its own, with that reason.

Re-running is idempotent: drafts that exist are kept (only failed ones are retried), and
`redo=True` rewrites the ones no human has touched (after a pack change, say); unchanged prompts
then come from the response cache at no cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

import dspy

from gtm.concurrency import run_concurrently, workers_for
from gtm.drafting.context import DraftContext
from gtm.drafting.guardrails import check_draft
from gtm.drafting.judge import rules_judgement
from gtm.drafting.program import build_program, guardrail_summary
from gtm.drafting.runner import (
    CampaignWork,
    Progress,
    load_campaign_contexts,
    load_campaign_work,
)
from gtm.drafting.store import (
    DraftRow,
    campaign_members,
    draft_coverage,
    existing_drafts,
    save_drafts,
)
from gtm.drafting.templates import render_fallback
from gtm.errors import TerminalError, TransientError
from gtm.observability.traces import ConnFactory, Interaction, Trace, trace_run
from gtm.packs.model import Pack
from gtm.providers.llm import CallContext, LLMClient, dspy_lm, llm_mode
from gtm.providers.llm.dspy_engine import gtm_error
from gtm.settings import Settings

COVERAGE_TARGET = 0.95


@dataclass
class GenerationReport:
    campaign_id: str
    campaign: str
    mode: str
    pack: str
    pack_version: str
    step: int
    variants: list[str]
    members: int
    generated: int = 0
    flagged: int = 0
    failed: int = 0
    refined: int = 0
    skipped: int = 0
    model: str | None = None
    trace_id: str | None = None
    coverage: dict[str, Any] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    def metadata(self) -> dict:
        """What a Dagster materialisation shows (lists and dicts become JSON there)."""
        return {"campaign": self.campaign, "mode": self.mode, "model": self.model or "",
                "pack": f"{self.pack}@{self.pack_version}", "variants": self.variants,
                "generated": self.generated, "flagged": self.flagged, "refined": self.refined,
                "failed": self.failed, "skipped": self.skipped,
                "coverage": self.coverage.get("coverage"), "notes": self.notes}

    def summary(self) -> str:
        cov = self.coverage
        return (f"{self.generated} drafts written ({self.mode}), {self.flagged} flagged, "
                f"{self.failed} failed, {self.skipped} already there; coverage "
                f"{cov.get('drafted', 0)}/{cov.get('expected', 0)}")


@dataclass(frozen=True)
class _Job:
    """One contact and the variants it still needs: the unit of concurrent work."""

    employee_id: str
    email: str | None
    variants: tuple[str, ...]


def generate_drafts(conn_factory: ConnFactory, settings: Settings, workspace_id: str,
                    campaign_id: str, *, variants: Sequence[str] | None = None,
                    limit: int | None = None, redo: bool = False,
                    client: LLMClient | None = None, trace: Trace | None = None,
                    on_progress: Progress | None = None) -> GenerationReport:
    """Draft the campaign's active members (the top `limit` by rank) in each of `variants`
    (default: every variant of the campaign's pack). Opens an `ai_traces` run unless `trace`
    is given; `client` defaults to a new one from `settings` (LLM mode only)."""
    with conn_factory() as conn:
        work = load_campaign_work(conn, settings, workspace_id, campaign_id)
        chosen = choose_variants(work.pack, variants)
        members = campaign_members(conn, campaign_id, limit)
        existing = existing_drafts(conn, campaign_id, work.step)
        jobs, skipped = _plan(members, chosen, existing, redo)
        contexts = load_campaign_contexts(conn, work, workspace_id,
                                          sorted({j.employee_id for j in jobs}))
    mode = llm_mode(settings, "drafting")
    report = GenerationReport(campaign_id, work.campaign["name"], mode, work.pack.name,
                              work.pack.version, work.step, chosen, len(members),
                              skipped=skipped, notes=work.notes)
    progress = on_progress or (lambda stage, done, total: None)
    total = sum(len(job.variants) for job in jobs) + skipped
    progress("drafts", skipped, total)
    opened = nullcontext(trace) if trace is not None else trace_run(
        conn_factory, workspace_id, "drafts", campaign_id=campaign_id)
    with opened as active, _writer(conn_factory, workspace_id, work) as write:
        report.trace_id = active.trace_id

        def done(job: _Job, result: Any) -> None:
            """Store the contact's drafts: `result` is the program's Prediction or the error
            that lost the whole contact."""
            outcomes = ([result] * len(job.variants) if isinstance(result, Exception) else
                        [r.error or r for r in result.results])
            for variant, outcome in zip(job.variants, outcomes, strict=True):
                write(_row(job, variant, outcome, contexts, work.pack, report))
            progress("drafts", report.skipped + report.generated + report.failed, total)

        if mode == "template":
            for job in jobs:
                done(job, _template_drafts(job, contexts, work, active))
        else:
            own_client = client is None
            client = client or LLMClient(settings)
            try:
                report.model = _run_program(client, settings, work, jobs, contexts, active, done)
            finally:
                if own_client:
                    client.close()
    with conn_factory() as conn:
        report.coverage = draft_coverage(conn, campaign_id, work.step, chosen, limit=limit)
    return report


def choose_variants(pack: Pack, variants: Sequence[str] | None) -> list[str]:
    """The named variants (validated against the pack, order kept), or all of them."""
    if not variants:
        return [v.name for v in pack.variants]
    return list(dict.fromkeys(pack.variant(name).name for name in variants))


def _plan(members: list[dict], variants: list[str], existing: dict, redo: bool):
    jobs, skipped = [], 0
    for member in members:
        missing = []
        for variant in variants:
            state = existing.get((member["employee_id"], variant))
            keep = state is not None and (state["touched"] or
                                          (state["status"] == "generated" and not redo))
            if keep:
                skipped += 1
            else:
                missing.append(variant)
        if missing:
            jobs.append(_Job(member["employee_id"], member["email"], tuple(missing)))
    return jobs, skipped


def _template_drafts(job: _Job, contexts: dict[str, DraftContext], work: CampaignWork,
                     trace: Trace) -> Any:
    context = contexts.get(job.employee_id)
    if context is None:
        return TerminalError("the contact no longer exists")
    return dspy.Prediction(results=[_template_draft(job, variant, context, work, trace)
                                    for variant in job.variants])


def _template_draft(job: _Job, variant: str, context: DraftContext, work: CampaignWork,
                    trace: Trace) -> Any:
    started = time.perf_counter()
    try:
        draft = render_fallback(work.pack, variant, context)
    except TerminalError as exc:
        return dspy.Prediction(variant=variant, error=exc)
    report = check_draft(draft, context, work.pack)
    # Template output is logged like a model call, so trace coverage counts it and it is
    # visibly labelled: nobody mistakes it for an LLM's work.
    trace.record(Interaction(
        task="drafting", mode="template", pack=work.pack.name, pack_version=work.pack.version,
        input={"variant": variant, "language": context.language, "angle": context.angle},
        output={"subject": draft.subject, "body": draft.body},
        latency_ms=int((time.perf_counter() - started) * 1000), campaign_id=work.id,
        employee_id=job.employee_id))
    return dspy.Prediction(variant=variant, error=None, draft=draft, guardrails=report,
                           refines=0, flagged=not report.passed, refine_error=None)


def _run_program(client: LLMClient, settings: Settings, work: CampaignWork, jobs: list[_Job],
                 contexts: dict[str, DraftContext], trace: Trace,
                 done: Callable[[_Job, Any], None]) -> str:
    program = build_program(work.pack, settings.home_dir)
    lm = dspy_lm(client, "drafting")

    def draft_contact(job: _Job) -> Any:
        context = contexts.get(job.employee_id)
        if context is None:
            raise TerminalError("the contact no longer exists")
        # Worker threads do not inherit the trace's context variable: it travels explicitly.
        call = CallContext(trace=trace, pack=work.pack.name, pack_version=work.pack.version,
                           campaign_id=work.id, employee_id=job.employee_id)
        with dspy.context(lm=lm, gtm_call_context=call):
            return program(context=context, variants=list(job.variants))

    retry: list[_Job] = []

    def first_pass(job: _Job, result: Any) -> None:
        if isinstance(result, Exception) and isinstance(gtm_error(result), TransientError):
            retry.append(job)  # held back for one more try once the provider has cooled down
        else:
            done(job, result)

    workers = workers_for(settings)
    run_concurrently(draft_contact, jobs, workers=workers, on_done=first_pass)
    if retry:
        # An open circuit fails every call until its cooldown ends and then lets one probe
        # through: wait it out, send one contact alone as the probe, then the rest.
        time.sleep(max((b.retry_in() for b in client.breakers.values()), default=0.0))
        run_concurrently(draft_contact, retry[:1], workers=1, on_done=done)
        run_concurrently(draft_contact, retry[1:], workers=workers, on_done=done)
    return lm.model


def _row(job: _Job, variant: str, result: Any, contexts: dict[str, DraftContext], pack: Pack,
         report: GenerationReport) -> DraftRow:
    """One variant's row: `result` is its Prediction from the program, or why it failed."""
    if isinstance(result, Exception):
        reason, detail = describe_error(result)
        report.failed += 1
        report.failures.append({"email": job.email, "employee_id": job.employee_id,
                                "variant": variant, "reason": reason, "detail": detail})
        return DraftRow(job.employee_id, variant, "failed", None, None, None, None,
                        report.mode, report.model, None, None, error=f"{reason}: {detail}")
    draft, guardrails = result.draft, result.guardrails
    report.generated += 1
    report.flagged += bool(result.flagged)
    report.refined += result.refines > 0
    risk = rules_judgement(draft, contexts[job.employee_id], pack, guardrails).risk
    return DraftRow(job.employee_id, variant, "generated", draft.subject, draft.body,
                    draft.language, draft.angle, draft.mode, draft.model,
                    guardrail_summary(guardrails, result.refines, result.refine_error), risk)


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(code, message) for a failed draft: the provider's error code when there is one."""
    cause = gtm_error(exc)
    if cause is not None:
        return getattr(cause, "code", None) or type(cause).__name__, str(cause)[:500]
    return type(exc).__name__, str(exc)[:500]


@contextmanager
def _writer(conn_factory: ConnFactory, workspace_id: str,
            work: CampaignWork) -> Iterator[Callable[[DraftRow], None]]:
    """Batched upserts on one connection: committed every half second or 50 drafts, so the
    drafts appear as they are written without a commit per draft."""
    conn = conn_factory()
    batch: list[DraftRow] = []
    last = time.monotonic()

    def flush() -> None:
        nonlocal last
        save_drafts(conn, workspace_id, work.id, work.step, work.pack.name, work.pack.version,
                    batch)
        conn.commit()
        batch.clear()
        last = time.monotonic()

    def write(row: DraftRow) -> None:
        batch.append(row)
        if len(batch) >= 50 or time.monotonic() - last >= 0.5:
            flush()

    try:
        yield write
        flush()
    finally:
        conn.close()

"""Judging a campaign's drafts: every written draft whose current version has no verdict yet.

    report = judge_drafts(lambda: connect(settings), settings, workspace_id, campaign_id)

With a judge model each draft gets the rubric call (gtm.drafting.judge), many at once within the
client's limits; without one (template mode), or when the call fails, the verdict is rules-only
and says so. Verdicts go to `draft_judgements` (one per draft version) and onto the draft
(`risk_score`, `judge`), where the review queue's high-risk filter reads them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field

import dspy

from gtm.concurrency import run_concurrently, workers_for
from gtm.drafting.context import Draft, DraftContext
from gtm.drafting.judge import Judge, Judgement, judge_or_rules
from gtm.drafting.runner import (
    CampaignWork,
    Progress,
    load_campaign_contexts,
    load_campaign_work,
    with_sender,
)
from gtm.drafting.store import drafts_to_judge, save_judgement
from gtm.observability.traces import ConnFactory, Interaction, Trace, trace_run
from gtm.providers.llm import CallContext, LLMClient, dspy_lm, llm_mode
from gtm.settings import Settings


@dataclass
class JudgeReport:
    campaign_id: str
    campaign: str
    mode: str
    judged: int = 0
    by_llm: int = 0
    by_rules: int = 0
    high_risk: int = 0
    errors: int = 0
    changed_meanwhile: int = 0
    model: str | None = None
    trace_id: str | None = None
    high_risk_drafts: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    def metadata(self) -> dict:
        """What a Dagster materialisation shows (lists and dicts become JSON there)."""
        return {"campaign": self.campaign, "mode": self.mode, "model": self.model or "",
                "judged": self.judged, "by_llm": self.by_llm, "by_rules": self.by_rules,
                "high_risk": self.high_risk, "judge_errors": self.errors,
                "high_risk_drafts": self.high_risk_drafts}


def judge_drafts(conn_factory: ConnFactory, settings: Settings, workspace_id: str,
                 campaign_id: str, *, redo: bool = False, draft_ids: Sequence[str] | None = None,
                 client: LLMClient | None = None, trace: Trace | None = None,
                 on_progress: Progress | None = None) -> JudgeReport:
    """Judge the campaign's unjudged drafts (every draft with `redo`, only `draft_ids` if
    given). Opens an `ai_traces` run unless `trace` is given."""
    with conn_factory() as conn:
        work = load_campaign_work(conn, settings, workspace_id, campaign_id)
        rows = drafts_to_judge(conn, campaign_id, redo=redo, draft_ids=draft_ids)
        contexts = load_campaign_contexts(conn, work, workspace_id,
                                          sorted({r["employee_id"] for r in rows}))
    items = [(row, _draft_context(row, contexts, work)) for row in rows]
    items = [(row, context) for row, context in items if context is not None]
    mode = llm_mode(settings, "judge")
    report = JudgeReport(campaign_id, work.campaign["name"], mode)
    progress = on_progress or (lambda stage, done, total: None)
    progress("judgements", 0, len(items))
    opened = nullcontext(trace) if trace is not None else trace_run(
        conn_factory, workspace_id, "draft_judgements", campaign_id=campaign_id)
    with opened as active, conn_factory() as conn:
        report.trace_id = active.trace_id

        def done(item: tuple[dict, DraftContext], judgement: Judgement | Exception) -> None:
            row = item[0]
            if isinstance(judgement, Exception):
                raise judgement  # judge_or_rules never raises for a provider: this is a bug
            _tally(report, row, judgement)
            if not save_judgement(conn, workspace_id, campaign_id, row["id"], row["version"],
                                  judgement.to_json(), active.trace_id):
                report.changed_meanwhile += 1
            conn.commit()
            progress("judgements", report.judged, len(items))

        if mode == "template":
            for item in items:
                done(item, _rules_verdict(item, work, active))
        else:
            own_client = client is None
            client = client or LLMClient(settings)
            try:
                report.model = _run_judge(client, settings, work, items, active, done)
            finally:
                if own_client:
                    client.close()
    return report


def _draft_context(row: dict, contexts: dict[str, DraftContext],
                   work: CampaignWork) -> DraftContext | None:
    """The context the draft was written in: its own language and angle, whatever the
    contact's are now (a regenerated draft may be in another language)."""
    context = contexts.get(row["employee_id"])
    if context is None:
        return None
    language = row["language"] if row["language"] in work.pack.languages else context.language
    judged = with_sender(context, work, language, context.previous)
    return judged.with_changes(angle=row["angle"]) if row["angle"] else judged


def as_draft(row: dict, work: CampaignWork, context: DraftContext) -> Draft:
    return Draft(subject=row["subject"] or "", body=row["body"] or "",
                 mode="template" if row["mode"] == "template" else "llm",
                 pack=row["pack"] or work.pack.name,
                 pack_version=row["pack_version"] or work.pack.version,
                 variant=row["variant"], language=context.language, angle=row["angle"],
                 model=row["model"])


def _rules_verdict(item: tuple[dict, DraftContext], work: CampaignWork,
                   trace: Trace) -> Judgement:
    row, context = item
    started = time.perf_counter()
    judgement = judge_or_rules(None, as_draft(row, work, context), context, work.pack)
    trace.record(Interaction(
        task="judge", mode="rules", pack=work.pack.name, pack_version=work.pack.version,
        input={"draft_id": row["id"], "draft_version": row["version"]},
        output=judgement.to_json(), latency_ms=int((time.perf_counter() - started) * 1000),
        campaign_id=work.id, employee_id=row["employee_id"]))
    return judgement


def _run_judge(client: LLMClient, settings: Settings, work: CampaignWork,
               items: list[tuple[dict, DraftContext]], trace: Trace, done) -> str:
    judge = Judge(work.pack)
    lm = dspy_lm(client, "judge")

    def judge_one(item: tuple[dict, DraftContext]) -> Judgement:
        row, context = item
        call = CallContext(trace=trace, pack=work.pack.name, pack_version=work.pack.version,
                           campaign_id=work.id, employee_id=row["employee_id"])
        with dspy.context(lm=lm, gtm_call_context=call):
            return judge_or_rules(judge, as_draft(row, work, context), context, work.pack)

    run_concurrently(judge_one, items, workers=workers_for(settings), on_done=done)
    return lm.model


def _tally(report: JudgeReport, row: dict, judgement: Judgement) -> None:
    report.judged += 1
    report.by_llm += judgement.source == "llm"
    report.by_rules += judgement.source == "rules"
    report.errors += judgement.error is not None
    if judgement.high_risk:
        report.high_risk += 1
        if len(report.high_risk_drafts) < 20:
            # A rules verdict opens with why it is rules-only; the reason worth showing is next.
            reasons = judgement.reasons[1:] if judgement.source == "rules" else judgement.reasons
            report.high_risk_drafts.append({"draft_id": row["id"], "variant": row["variant"],
                                            "risk": judgement.risk,
                                            "reason": (reasons or judgement.reasons or [""])[0]})

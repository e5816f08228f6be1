"""The SQL of drafting: drafts written idempotently, judgements, coverage and listings.

A draft is one row per (campaign, contact, step, variant). Generation never overwrites a draft a
human has touched (approved, skipped, edited or regenerated: any `draft_revisions` row), so a
re-run is safe whatever the reviewers did in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from gtm.drafting.context import Draft
from gtm.drafting.guardrails import check_placeholders
from gtm.errors import TerminalError

# Statuses generation may (re)write; anything else is a human decision.
MACHINE_STATUSES = ("generated", "failed")


@dataclass(frozen=True)
class DraftRow:
    """One draft as generation writes it: a text (status generated) or a failure (status failed,
    no body, `error` saying why)."""

    employee_id: str
    variant: str
    status: str
    subject: str | None
    body: str | None
    language: str | None
    angle: str | None
    mode: str
    model: str | None
    guardrails: dict | None
    risk_score: float | None
    error: str | None = None


_UPSERT = """
insert into drafts (workspace_id, campaign_id, employee_id, step, variant, angle, language,
                    subject, body, status, risk_score, guardrails, mode, model, pack,
                    pack_version, error)
values (%(ws)s, %(campaign)s, %(employee_id)s, %(step)s, %(variant)s, %(angle)s, %(language)s,
        %(subject)s, %(body)s, %(status)s, %(risk_score)s, %(guardrails)s, %(mode)s, %(model)s,
        %(pack)s, %(pack_version)s, %(error)s)
on conflict (campaign_id, employee_id, step, variant) do update set
    angle = excluded.angle, language = excluded.language, subject = excluded.subject,
    body = excluded.body, status = excluded.status, risk_score = excluded.risk_score,
    judge = null, guardrails = excluded.guardrails, mode = excluded.mode, model = excluded.model,
    pack = excluded.pack, pack_version = excluded.pack_version, error = excluded.error,
    -- a review screen holding the old text must notice the new one
    version = drafts.version + 1
where drafts.status in ('generated', 'failed')
  and not exists (select 1 from draft_revisions r where r.draft_id = drafts.id)
"""


def save_drafts(conn: psycopg.Connection, workspace_id: str, campaign_id: str, step: int,
                pack: str, pack_version: str, rows: Sequence[DraftRow]) -> None:
    """Upsert drafts in one statement batch; human-touched rows are left alone (see module)."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, [
            {"ws": workspace_id, "campaign": campaign_id, "step": step, "pack": pack,
             "pack_version": pack_version, **row.__dict__,
             "guardrails": Jsonb(row.guardrails) if row.guardrails is not None else None}
            for row in rows])


def existing_drafts(conn: psycopg.Connection, campaign_id: str,
                    step: int) -> dict[tuple[str, str], dict]:
    """(employee_id, variant) -> {status, touched}; touched = a human acted on it."""
    rows = conn.execute(
        """select d.employee_id::text, d.variant, d.status,
                  d.status not in ('generated', 'failed') or exists (
                      select 1 from draft_revisions r where r.draft_id = d.id) as touched
           from drafts d where d.campaign_id = %s and d.step = %s""", (campaign_id, step))
    return {(r["employee_id"], r["variant"]): {"status": r["status"], "touched": r["touched"]}
            for r in rows}


def campaign_members(conn: psycopg.Connection, campaign_id: str,
                     limit: int | None = None) -> list[dict]:
    """Active members (no sequence stop) in rank order, with their email for reports."""
    return conn.execute(
        """select employee_id::text, snapshot->>'email' as email from campaign_members
           where campaign_id = %s and stopped_at is null
           order by rank nulls last, employee_id limit %s""", (campaign_id, limit)).fetchall()


# --- judgements ------------------------------------------------------------------------------

def drafts_to_judge(conn: psycopg.Connection, campaign_id: str, *, redo: bool = False,
                    draft_ids: Sequence[str] | None = None) -> list[dict]:
    """Written drafts whose current version has no judgement yet (all of them with `redo`)."""
    return conn.execute(
        """select d.id::text, d.employee_id::text, d.variant, d.version, d.subject, d.body,
                  d.language, d.angle, d.mode, d.model, d.pack, d.pack_version
           from drafts d
           where d.campaign_id = %(campaign)s and d.status in ('generated', 'approved')
             and d.body is not null
             and (%(ids)s::uuid[] is null or d.id = any(%(ids)s::uuid[]))
             and (%(redo)s or d.judge is null
                  or (d.judge->>'draft_version')::int is distinct from d.version)
           order by d.employee_id, d.variant""",
        {"campaign": campaign_id, "redo": redo,
         "ids": list(draft_ids) if draft_ids else None}).fetchall()


def save_judgement(conn: psycopg.Connection, workspace_id: str, campaign_id: str, draft_id: str,
                   version: int, judgement: dict[str, Any], trace_id: str | None) -> bool:
    """Record a judgement of one draft version: history in `draft_judgements`, the current one
    on the draft (the review's high-risk filter reads `drafts.risk_score`). False when the
    draft changed meanwhile: its new version is judged by the next run."""
    conn.execute(
        """insert into draft_judgements (workspace_id, campaign_id, draft_id, draft_version,
                                         source, model, risk_score, quality_score, scores,
                                         reasons, guardrail_failures, error, trace_id)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           on conflict (draft_id, draft_version) do update set
             source = excluded.source, model = excluded.model,
             risk_score = excluded.risk_score, quality_score = excluded.quality_score,
             scores = excluded.scores, reasons = excluded.reasons,
             guardrail_failures = excluded.guardrail_failures, error = excluded.error,
             trace_id = excluded.trace_id""",
        (workspace_id, campaign_id, draft_id, version, judgement["source"], judgement["model"],
         judgement["risk"], judgement["quality"], Jsonb(judgement["scores"]),
         Jsonb(judgement["reasons"]), Jsonb(judgement["guardrail_failures"]),
         judgement["error"], trace_id))
    updated = conn.execute(
        "update drafts set risk_score = %s, judge = %s where id = %s and version = %s",
        (judgement["risk"], Jsonb({**judgement, "draft_version": version}), draft_id, version))
    return updated.rowcount == 1


# --- checks ----------------------------------------------------------------------------------

def draft_coverage(conn: psycopg.Connection, campaign_id: str, step: int,
                   variants: Iterable[str], *, limit: int | None = None) -> dict[str, Any]:
    """Drafts written for the campaign's active audience (its top `limit` by rank) × `variants`,
    and why the rest are missing: each failed draft with its error, and pairs with no row."""
    variants = list(variants)
    rows = conn.execute(
        """with audience as (
               select employee_id, snapshot->>'email' as email, rank from campaign_members
               where campaign_id = %(campaign)s and stopped_at is null
               order by rank nulls last, employee_id limit %(limit)s)
           select a.employee_id::text, a.email, v.variant, d.status, d.error
           from audience a
           cross join unnest(%(variants)s::text[]) as v(variant)
           left join drafts d on d.campaign_id = %(campaign)s and d.employee_id = a.employee_id
                and d.step = %(step)s and d.variant = v.variant
           order by a.rank nulls last, a.employee_id, v.variant""",
        {"campaign": campaign_id, "limit": limit, "variants": variants, "step": step}).fetchall()
    missing = [{"email": r["email"], "employee_id": r["employee_id"], "variant": r["variant"],
                "reason": r["error"] or "failed" if r["status"] == "failed" else "not generated"}
               for r in rows if r["status"] is None or r["status"] == "failed"]
    expected = len(rows)
    drafted = expected - len(missing)
    return {"expected": expected, "drafted": drafted, "missing": missing,
            "coverage": round(drafted / expected, 4) if expected else 1.0}


def unusable_drafts(conn: psycopg.Connection, campaign_id: str) -> list[dict]:
    """Written drafts that are empty or still carry a placeholder, checked on the text itself
    (so an edit that reintroduced `[Name]` is caught too)."""
    found = []
    for row in conn.execute(
            """select d.id::text, d.variant, d.subject, d.body, d.mode, d.pack, d.pack_version,
                      coalesce(d.language, '') as language, m.snapshot->>'email' as email
               from drafts d
               left join campaign_members m on m.campaign_id = d.campaign_id
                    and m.employee_id = d.employee_id
               where d.campaign_id = %s and d.status in ('generated', 'approved')""",
            (campaign_id,)):
        subject, body = (row["subject"] or "").strip(), (row["body"] or "").strip()
        if not subject or not body:
            found.append({"id": row["id"], "email": row["email"], "variant": row["variant"],
                          "problem": "empty " + ("subject" if not subject else "body")})
            continue
        draft = Draft(subject=subject, body=body, mode=row["mode"] or "llm", pack=row["pack"] or "",
                      pack_version=row["pack_version"] or "", variant=row["variant"],
                      language=row["language"])
        result = check_placeholders(draft)
        if not result.passed:
            found.append({"id": row["id"], "email": row["email"], "variant": row["variant"],
                          "problem": result.detail})
    return found


def unjudged_drafts(conn: psycopg.Connection, campaign_id: str) -> int:
    return conn.execute(
        """select count(*) as n from drafts where campaign_id = %s
           and status in ('generated', 'approved') and body is not null
           and (judge is null or (judge->>'draft_version')::int is distinct from version)""",
        (campaign_id,)).fetchone()["n"]


# --- reading ---------------------------------------------------------------------------------

_LIST = """
select d.id::text, d.variant, d.step, d.status, d.version, d.language, d.angle, d.subject,
       d.risk_score, d.mode, d.model, d.error, d.judge->>'source' as judge_source,
       coalesce((d.guardrails->>'passed')::boolean, true) as guardrails_passed,
       d.guardrails->'failures' as guardrail_failures,
       e.email, e.first_name, e.last_name, c.name as company
from drafts d
join employees e on e.workspace_id = d.workspace_id and e.id = d.employee_id
left join companies c on c.workspace_id = e.workspace_id and c.id = e.company_id
where d.workspace_id = %(ws)s and d.campaign_id = %(campaign)s
  and (%(status)s::text is null or d.status = %(status)s)
  and (%(variant)s::text is null or d.variant = %(variant)s)
  and (%(min_risk)s::numeric is null or d.risk_score >= %(min_risk)s)
order by d.risk_score desc nulls last, e.email, d.variant
limit %(limit)s
"""


def list_drafts(conn: psycopg.Connection, workspace_id: str, campaign_id: str, *,
                status: str | None = None, variant: str | None = None,
                min_risk: float | None = None, limit: int | None = 100) -> list[dict]:
    """A campaign's drafts, riskiest first (the order the review queue works through)."""
    return [dict(r) for r in conn.execute(_LIST, {
        "ws": workspace_id, "campaign": campaign_id, "status": status, "variant": variant,
        "min_risk": min_risk, "limit": limit})]


def get_draft(conn: psycopg.Connection, workspace_id: str, draft_id: str) -> dict:
    """One draft with its contact, campaign, revisions and judgement history."""
    try:
        row = conn.execute(
            """select d.*, d.id::text as id, d.campaign_id::text as campaign_id,
                      d.employee_id::text as employee_id, cm.name as campaign, e.email,
                      e.first_name, e.last_name, e.position, c.name as company
               from drafts d
               join campaigns cm on cm.workspace_id = d.workspace_id and cm.id = d.campaign_id
               join employees e on e.workspace_id = d.workspace_id and e.id = d.employee_id
               left join companies c on c.workspace_id = e.workspace_id and c.id = e.company_id
               where d.workspace_id = %s and d.id = %s""", (workspace_id, draft_id)).fetchone()
    except psycopg.errors.InvalidTextRepresentation:
        conn.rollback()
        row = None
    if row is None:
        raise TerminalError(f"no draft with id {draft_id!r} in this workspace; "
                            "see `gtm draft:list`")
    revisions = conn.execute(
        """select version, reason_tag, editor, note, subject_after, created_at
           from draft_revisions where draft_id = %s order by version""", (draft_id,)).fetchall()
    judgements = conn.execute(
        """select draft_version, source, model, risk_score, quality_score, reasons, created_at
           from draft_judgements where draft_id = %s order by draft_version""",
        (draft_id,)).fetchall()
    row = {k: v for k, v in row.items() if k != "workspace_id"}
    return {**row, "revisions": [dict(r) for r in revisions],
            "judgements": [dict(r) for r in judgements]}

"""What `gtm demo` (or anyone) can show after enrichment: every fact with its source, and the
insights with their mode."""

from __future__ import annotations

from typing import Any

import psycopg

from gtm.enrich.entities import load_companies
from gtm.enrich.pipeline import run_enrichment, with_context


def company_facts_with_sources(conn: psycopg.Connection, workspace_id: str,
                               company_id: str) -> list[dict[str, Any]]:
    """Every fact of one company: (stage, field, value, source, retrieved_at)."""
    rows = conn.execute(
        "select distinct on (stage) stage, status, output, provider, fetched_at, error"
        " from enrichment_results where workspace_id = %s and entity = 'company'"
        " and entity_id = %s order by stage, fetched_at desc", (workspace_id, company_id))
    facts = []
    for row in rows:
        output = row["output"] or {}
        if row["stage"] == "firmographics":
            for name, fact in (output.get("facts") or {}).items():
                facts.append({"stage": row["stage"], "field": name, "value": fact["value"],
                              "source": fact["source"], "retrieved_at": fact["retrieved_at"]})
        else:
            value = output.get("reason") or row["error"] or {
                k: v for k, v in output.items() if k not in ("url",)}
            facts.append({"stage": row["stage"], "field": row["status"], "value": value,
                          "source": output.get("url") or row["provider"],
                          "retrieved_at": row["fetched_at"].isoformat()})
    return facts


def enrichment_demo(conn: psycopg.Connection, workspace_id: str, *, batch: str | None = None,
                    limit: int = 10) -> list[dict[str, Any]]:
    """Run enrichment offline in-process (cached: cheap to repeat), then `enrichment_overview`."""
    report = run_enrichment(conn, workspace_id, batch=batch, registries=[])
    message = report["research_L2"].get("message", "ran")
    return enrichment_overview(conn, workspace_id, batch=batch, limit=limit, research=message)


def enrichment_overview(conn: psycopg.Connection, workspace_id: str, *,
                        batch: str | None = None, limit: int = 10,
                        research: str = "") -> list[dict[str, Any]]:
    """Per company: its firmographics with sources, triage, and insights labelled with their
    mode (read-only) - what `gtm demo` shows."""
    companies = with_context(conn, workspace_id,
                             load_companies(conn, workspace_id, batch=batch)[:limit])
    insights = {r["company_id"]: r for r in conn.execute(
        "select company_id::text as company_id, summary, icp_fit_score, pains,"
        " recommended_angles, mode from company_insights where workspace_id = %s"
        " and company_id = any(%s::uuid[])", (workspace_id, [c["id"] for c in companies]))}
    return [{
        "company": c["name"],
        "firmographics": {k: f"{v['value']} ({v['source']})"
                          for k, v in (c.get("facts") or {}).items()},
        "triage": {k: (c.get("triage") or {}).get(k) for k in ("priority", "fit_score")},
        "insights": insights.get(c["id"]),
        "research": research or ("ran" if c.get("research") else "not run"),
    } for c in companies]

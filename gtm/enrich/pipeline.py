"""The enrichment stages for a batch (or a selection of companies), one function per stage so
each Dagster asset and the CLI call the same code. Each returns a JSON-able report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from gtm.concurrency import run_concurrently
from gtm.enrich.cache import input_hash, latest_outputs
from gtm.enrich.employee_insights import stage_employee_insights
from gtm.enrich.entities import load_companies, load_employees
from gtm.enrich.firmographics_stage import run_firmographics
from gtm.enrich.insights import company_insights, store_insights
from gtm.enrich.person import PERSON_STAGE
from gtm.enrich.registry_checks import registry_stage
from gtm.enrich.research import research_stage
from gtm.enrich.signals import SIGNALS_STAGE
from gtm.enrich.triage import TRIAGE_STAGE
from gtm.enrich.waterfall import run_stage
from gtm.providers.research import ResearchProvider

STAGES = ("firmographics", "triage_L1", "registry_checks", "research_L2", "signals",
          "person_enrichment", "company_insights", "employee_insights", "enrichment_qc")
_CONTEXT = {"firmographics": "facts", "triage_L1": "triage", "registry_checks": "registry",
            "research_L2": "research", "signals": "signals"}


def with_context(conn: psycopg.Connection, workspace_id: str,
                 companies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Companies with the latest successful output of each earlier stage attached."""
    ids = [c["id"] for c in companies]
    for stage, key in _CONTEXT.items():
        outputs = latest_outputs(conn, workspace_id, "company", stage, ids)
        for company in companies:
            row = outputs.get(company["id"])
            ok = row and row["status"] == "ok"
            value = (row["output"] or {}) if ok else None
            if value is not None and key == "facts":
                value = value.get("facts")
            if row and row.get("provider") and isinstance(value, dict) and key != "facts":
                value = {**value, "provider": row["provider"],
                         "retrieved_at": row["fetched_at"].isoformat()}
            company[key] = value
    seniorities: dict[str, list[str]] = {}
    for row in conn.execute(
            "select company_id::text as company_id, seniority from employees"
            " where workspace_id = %s and company_id = any(%s::uuid[]) and seniority is not null",
            (workspace_id, ids)):
        seniorities.setdefault(row["company_id"], []).append(row["seniority"])
    for company in companies:
        company["contact_seniorities"] = sorted(set(seniorities.get(company["id"], [])))
    return companies


def _companies(conn, workspace_id, batch, company_ids):
    return with_context(conn, workspace_id,
                        load_companies(conn, workspace_id, batch=batch, company_ids=company_ids))


def stage_firmographics(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                        progress=None) -> dict[str, Any]:
    return run_firmographics(conn, workspace_id, batch=batch, company_ids=company_ids,
                             refresh=refresh, progress=progress)


def stage_triage(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                 progress=None) -> dict[str, Any]:
    companies = _companies(conn, workspace_id, batch, company_ids)
    report = run_stage(conn, workspace_id, TRIAGE_STAGE, companies, refresh=refresh,
                       progress=progress)
    selected = sum(1 for c in with_context(conn, workspace_id, companies)
                   if (c.get("triage") or {}).get("gets_l2"))
    return report.to_json() | {"selected_for_l2": selected}


def stage_registry_checks(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                          clients=None, progress=None) -> dict[str, Any]:
    companies = _companies(conn, workspace_id, batch, company_ids)
    return run_stage(conn, workspace_id, registry_stage(clients), companies, refresh=refresh,
                     progress=progress).to_json()


def stage_research(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                   provider: ResearchProvider | None = None, progress=None) -> dict[str, Any]:
    companies = _companies(conn, workspace_id, batch, company_ids)
    report = run_stage(conn, workspace_id, research_stage(provider), companies, refresh=refresh,
                       progress=progress).to_json()
    if provider is None:
        report["message"] = "research skipped: no key"
    return report


def stage_signals(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                  progress=None) -> dict[str, Any]:
    companies = _companies(conn, workspace_id, batch, company_ids)
    return run_stage(conn, workspace_id, SIGNALS_STAGE, companies, refresh=refresh,
                     progress=progress).to_json()


def stage_person_enrichment(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                            progress=None) -> dict[str, Any]:
    employees = load_employees(conn, workspace_id, batch=batch, company_ids=company_ids)
    return run_stage(conn, workspace_id, PERSON_STAGE, employees, refresh=refresh,
                     progress=progress).to_json()


def stage_company_insights(conn, workspace_id, *, batch=None, company_ids=None, refresh=False,
                           complete: Callable[[list[dict]], str] | None = None,
                           generate: Callable[[dict], dict] | None = None,
                           model: str | None = None, workers: int = 1,
                           progress=None) -> dict[str, Any]:
    """Upsert one `company_insights` row per company whose inputs changed (input hash). The LLM
    calls run on up to `workers` threads; each answer is written here, on `conn`, as it comes
    back (one row per company, so the order they finish in does not matter)."""
    companies = _companies(conn, workspace_id, batch, company_ids)
    current = {r["company_id"]: r["input_hash"] for r in conn.execute(
        "select company_id::text as company_id, input_hash from company_insights"
        " where workspace_id = %s and company_id = any(%s::uuid[])",
        (workspace_id, [c["id"] for c in companies]))}
    report = {"considered": len(companies), "cached": 0, "written": 0, "modes": {},
              "rejected_llm_answers": 0}
    work: list[tuple[dict[str, Any], str]] = []
    for company in companies:
        digest = input_hash("company_insights", {
            k: company.get(k) for k in ("name", "facts", "triage", "registry", "research",
                                        "signals")
        } | {"llm": bool(complete or generate), "model": model})
        if not refresh and current.get(company["id"]) == digest:
            report["cached"] += 1
            if progress:
                progress(1)
        else:
            work.append((company, digest))

    def store(item: tuple[dict[str, Any], str],
              outcome: tuple[dict[str, Any], str, str | None] | Exception) -> None:
        # company_insights turns every LLM failure into labelled rules; anything else is a bug.
        if isinstance(outcome, Exception):
            raise outcome
        company, digest = item
        insights, mode, error = outcome
        report["rejected_llm_answers"] += error is not None
        report["modes"][mode] = report["modes"].get(mode, 0) + 1
        sources = [{"stage": stage, "provider": (company.get(key) or {}).get("provider"),
                    "retrieved_at": (company.get(key) or {}).get("retrieved_at")}
                   for stage, key in _CONTEXT.items() if key != "facts" and company.get(key)]
        if company.get("facts"):
            sources.append({"stage": "firmographics", "provider": "offline_rules"})
        # A failed LLM answer is not cached: the next run asks again (the LLM layer's response
        # cache makes a repeat of the same rejected answer free).
        store_insights(conn, workspace_id, "company", company["id"], insights, sources,
                       None if error else digest, model if mode == "llm" else None, mode)
        report["written"] += 1
        if progress:
            progress(1)

    run_concurrently(lambda item: company_insights(item[0], complete, generate), work,
                     # Rules insights are pure CPU: threads would only add overhead.
                     workers=workers if complete or generate else 1, on_done=store)
    return report


def stage_qc(conn, workspace_id, *, batch=None, company_ids=None, **_: Any) -> dict[str, Any]:
    """Coverage, errors and stale rows per stage, and registry/company conflicts."""
    companies = _companies(conn, workspace_id, batch, company_ids)
    ids = [c["id"] for c in companies]
    per_stage = {}
    for row in conn.execute(
            "select stage, status, count(*) as n, count(*) filter (where expires_at < %s)"
            " as stale from enrichment_results where workspace_id = %s and entity = 'company'"
            " and entity_id = any(%s::uuid[]) group by stage, status",
            (datetime.now(UTC), workspace_id, ids)):
        stage = per_stage.setdefault(row["stage"], {})
        stage[row["status"]] = row["n"]
        if row["status"] != "error":
            stage["stale"] = stage.get("stale", 0) + row["stale"]
    conflicts = []
    for company in companies:
        record = (company.get("registry") or {}).get("record") or {}
        if record.get("city") and company.get("city") and \
                record["city"].casefold() != company["city"].casefold():
            conflicts.append({"company_id": company["id"], "field": "city",
                              "company": company["city"], "registry": record["city"]})
        if record and not record.get("active", True):
            conflicts.append({"company_id": company["id"], "field": "status",
                              "company": company.get("status"), "registry": "inactive"})
    with_facts = sum(1 for c in companies if c.get("facts"))
    return {"companies": len(companies), "firmographics_coverage":
            round(with_facts / len(companies), 3) if companies else None,
            "stages": per_stage, "conflicts": conflicts[:50], "conflict_count": len(conflicts)}


def run_enrichment(conn, workspace_id, *, batch=None, company_ids=None, stages=None,
                   refresh=False, research: ResearchProvider | None = None, registries=None,
                   complete=None, generate=None, generate_employee=None, model=None,
                   llm_workers: int = 1, progress=None) -> dict[str, Any]:
    """Every stage in order (or the named ones) for a batch or a selection. `generate` and
    `generate_employee` are the LLM insights programs (rules insights without them), run on
    `llm_workers` threads (`gtm.concurrency.workers_for(settings)`)."""
    selected = stages or STAGES
    common = {"batch": batch, "company_ids": company_ids, "refresh": refresh}
    calls = {
        "firmographics": lambda: stage_firmographics(conn, workspace_id, **common,
                                                     progress=progress),
        "triage_L1": lambda: stage_triage(conn, workspace_id, **common, progress=progress),
        "registry_checks": lambda: stage_registry_checks(conn, workspace_id, **common,
                                                         clients=registries, progress=progress),
        "research_L2": lambda: stage_research(conn, workspace_id, **common, provider=research,
                                              progress=progress),
        "signals": lambda: stage_signals(conn, workspace_id, **common, progress=progress),
        "person_enrichment": lambda: stage_person_enrichment(conn, workspace_id, **common,
                                                             progress=progress),
        "company_insights": lambda: stage_company_insights(conn, workspace_id, **common,
                                                           complete=complete,
                                                           generate=generate, model=model,
                                                           workers=llm_workers,
                                                           progress=progress),
        "employee_insights": lambda: stage_employee_insights(conn, workspace_id, **common,
                                                             generate=generate_employee,
                                                             model=model, workers=llm_workers,
                                                             progress=progress),
        "enrichment_qc": lambda: stage_qc(conn, workspace_id, **common),
    }
    return {stage: calls[stage]() for stage in STAGES if stage in selected}

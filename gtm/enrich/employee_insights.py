"""`employee_insights`: a contact's role, reach (time zone, language) and the angles that fit
their department, on top of their company's insights. mode='rules' from structured facts, or
mode='llm' through `EmployeeInsightsProgram` (typed, validated against `InsightsOutput`; a
failed or malformed answer falls back to the labelled rules insights)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from gtm.concurrency import run_concurrently
from gtm.enrich.cache import input_hash
from gtm.enrich.entities import employee_scope
from gtm.enrich.insights import InsightsOutput, store_insights

DEPARTMENT_ANGLES: dict[str, tuple[list[str], list[str]]] = {
    "sales": (["pipeline coverage", "rep productivity"], ["more qualified meetings"]),
    "marketing": (["cost per opportunity", "attribution"], ["pipeline from outbound"]),
    "engineering": (["hiring and retention", "delivery speed"], ["less time on tooling"]),
    "it": (["security and compliance", "vendor sprawl"], ["fewer tools, safer data"]),
    "data": (["data quality", "time to insight"], ["clean, sourced data"]),
    "finance": (["cost control", "forecast accuracy"], ["measurable ROI"]),
    "hr": (["time to hire", "employer brand"], ["faster hiring"]),
    "operations": (["process efficiency", "scaling operations"], ["operational efficiency"]),
    "executive": (["growth targets", "focus of a small team"], ["revenue growth with focus"]),
}
SENIORITY_WEIGHT = {"owner": 1.0, "founder": 1.0, "c_suite": 1.0, "vp": 0.9, "head": 0.85,
                    "director": 0.8, "partner": 0.8, "manager": 0.6, "senior": 0.4,
                    "entry": 0.2, "intern": 0.1}


def rules_employee_insights(employee: dict[str, Any],
                            company: dict[str, Any] | None) -> dict[str, Any]:
    company = company or {}
    department, seniority = employee.get("department"), employee.get("seniority")
    pains, angles = DEPARTMENT_ANGLES.get(department or "", ([], []))
    role = employee.get("position") or "Unknown role"
    summary = f"{role} ({seniority or 'seniority unknown'}, {department or 'department unknown'})"
    if company.get("name"):
        summary += f" at {company['name']}"
    if employee.get("timezone"):
        summary += f"; time zone {employee['timezone']}"
    if employee.get("language"):
        summary += f"; language {employee['language']}"
    person = employee.get("person_facts") or {}
    if (person.get("role_mailbox") or {}).get("value"):
        summary += "; email is a shared role mailbox"
    company_fit = float(company.get("icp_fit_score") or 0)
    fit = round(company_fit * (0.5 + 0.5 * SENIORITY_WEIGHT.get(seniority or "", 0.3)), 3)
    return {"summary": summary + ".", "icp_fit_score": fit,
            "pains": pains + list(company.get("pains") or [])[:2],
            "triggers": list(company.get("triggers") or [])[:4],
            "recommended_angles": angles + list(company.get("recommended_angles") or [])[:2],
            "signals": list(company.get("signals") or [])}


def stage_employee_insights(conn: psycopg.Connection, workspace_id: str, *, batch=None,
                            company_ids=None, refresh=False, progress=None,
                            generate: Callable[[dict, dict], dict] | None = None,
                            model: str | None = None, workers: int = 1, **_: Any) -> dict:
    """Upsert one `employee_insights` row per contact whose inputs changed. `generate(employee,
    company)` is the LLM program, called on up to `workers` threads; without it the rules
    insights are stored."""
    query = ("select e.id::text as id, e.company_id::text as company_id, e.position,"
             " e.seniority, e.department, e.timezone,"
             " e.language, c.name, ci.icp_fit_score, ci.pains, ci.triggers,"
             " ci.recommended_angles, ci.signals, ei.input_hash as current_hash,"
             " (select er.output -> 'facts' from enrichment_results er"
             "  where er.workspace_id = e.workspace_id and er.entity = 'employee'"
             "  and er.entity_id = e.id and er.stage = 'person_enrichment' and er.status = 'ok'"
             "  order by er.fetched_at desc limit 1) as person_facts"
             " from employees e left join companies c on c.workspace_id = e.workspace_id"
             " and c.id = e.company_id left join company_insights ci"
             " on ci.workspace_id = e.workspace_id and ci.company_id = e.company_id"
             " left join employee_insights ei on ei.workspace_id = e.workspace_id"
             " and ei.employee_id = e.id where ")
    scope, params = employee_scope(workspace_id, batch, company_ids)
    query += scope
    report = {"considered": 0, "cached": 0, "written": 0, "modes": {}, "rejected_llm_answers": 0}
    work: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]] = []
    for row in conn.execute(query, params).fetchall():
        report["considered"] += 1
        company = {k: row[k] for k in ("name", "icp_fit_score", "pains", "triggers",
                                       "recommended_angles", "signals")}
        insights = rules_employee_insights(row, company)
        # The rules output is a pure function of every input, so it stands in for them.
        digest = input_hash("employee_insights", insights if generate is None
                            else {"inputs": insights, "model": model})
        if not refresh and row["current_hash"] == digest:
            report["cached"] += 1
            if progress:
                progress(1)
        else:
            work.append((dict(row), company, insights, digest))

    def ask(item: tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]) -> dict[str, Any]:
        employee, company, _, _ = item
        return InsightsOutput.model_validate(generate(employee, company)).model_dump()

    def store(item: tuple[dict[str, Any], dict[str, Any], dict[str, Any], str],
              answer: dict[str, Any] | Exception) -> None:
        employee, _, insights, digest = item
        mode = "rules"
        if generate is not None:
            if isinstance(answer, Exception):  # any LLM failure falls back to labelled rules
                report["rejected_llm_answers"] += 1
            else:
                insights, mode = answer, "llm"
        # A failed LLM answer is not cached: the next run asks again (the LLM layer's response
        # cache makes a repeat of the same rejected answer free).
        store_insights(conn, workspace_id, "employee", employee["id"], insights,
                       [{"stage": "firmographics"}, {"stage": "company_insights"}],
                       None if generate is not None and mode == "rules" else digest,
                       model if mode == "llm" else None, mode)
        report["written"] += 1
        report["modes"][mode] = report["modes"].get(mode, 0) + 1
        if progress:
            progress(1)

    if generate is None:  # rules only: the insights are already computed, nothing to call
        for item in work:
            store(item, item[2])
    else:
        # Each answer is written here, on `conn`, as it comes back: one row per contact, so
        # the order the calls finish in does not matter.
        run_concurrently(ask, work, workers=workers, on_done=store)
    return report

"""The `firmographics` stage for companies and employees: offline rules as the only provider,
run through the waterfall so it is cached by input hash like every other stage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from gtm.enrich.entities import (
    load_companies,
    load_employees,
    write_back_companies,
    write_back_employees,
)
from gtm.enrich.firmographics import (
    STAGE,
    company_facts,
    company_inputs,
    employee_facts,
    employee_inputs,
)
from gtm.enrich.waterfall import Answer, Stage, StageReport, run_stage

# Rules change only with a release; a year keeps the cache from living forever.
FIRMOGRAPHICS_TTL = timedelta(days=365)


class OfflineCompanyRules:
    name = "offline_rules"

    def lookup(self, entity: dict[str, Any]) -> Answer | None:
        facts = company_facts(entity)
        return Answer({"facts": facts}, self.name) if facts else None


class OfflineEmployeeRules:
    name = "offline_rules"

    def lookup(self, entity: dict[str, Any]) -> Answer | None:
        facts = employee_facts(entity)
        return Answer({"facts": facts}, self.name) if facts else None


COMPANY_STAGE = Stage(STAGE, "company", company_inputs,
                      [OfflineCompanyRules()], ttl=FIRMOGRAPHICS_TTL)
EMPLOYEE_STAGE = Stage(STAGE, "employee", employee_inputs,
                       [OfflineEmployeeRules()], ttl=FIRMOGRAPHICS_TTL)


def _outputs(report: StageReport) -> dict[str, dict[str, Any]]:
    return {r.entity_id: r.output["facts"] for r in report.results if r.status == "ok"}


def run_firmographics(conn: psycopg.Connection, workspace_id: str, *, batch: str | None = None,
                      company_ids: list[str] | None = None, refresh: bool = False,
                      progress=None) -> dict[str, Any]:
    """Firmographics for the companies (and their employees) of a batch or a selection."""
    companies = load_companies(conn, workspace_id, batch=batch, company_ids=company_ids)
    employees = load_employees(conn, workspace_id, batch=batch, company_ids=company_ids)
    company_report = run_stage(conn, workspace_id, COMPANY_STAGE, companies, refresh=refresh,
                               progress=progress)
    employee_report = run_stage(conn, workspace_id, EMPLOYEE_STAGE, employees, refresh=refresh,
                                progress=progress)
    return {
        "companies": company_report.to_json()
        | {"written_back": write_back_companies(conn, workspace_id, _outputs(company_report))},
        "employees": employee_report.to_json()
        | {"written_back": write_back_employees(conn, workspace_id, _outputs(employee_report))},
    }

"""Reading the companies and employees a run enriches, and writing facts back to them.

Write-back fills only empty fields (`coalesce(nullif(field, ''), new)`): enrichment never
overwrites what a person or an import put there, and never replaces a value with nothing.
"""

from __future__ import annotations

from typing import Any

import psycopg

_COMPANY_COLUMNS = ("id::text as id, name, domain, website, country, city, industry,"
                    " size_employees, legal_form, tin, registration_number, segment, status")


def load_companies(conn: psycopg.Connection, workspace_id: str, *, batch: str | None = None,
                   company_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Companies of a batch, or the given ids, or (neither) all of the workspace."""
    scope, params = _company_scope(workspace_id, batch, company_ids)
    query = f"select {_COMPANY_COLUMNS} from companies where {scope}"  # noqa: S608
    return [dict(r) for r in conn.execute(query + " order by created_at, id", params)]


def any_companies(conn: psycopg.Connection, workspace_id: str, *, batch: str | None = None,
                  company_ids: list[str] | None = None) -> bool:
    """Whether `load_companies` with the same arguments would find any (without loading them)."""
    scope, params = _company_scope(workspace_id, batch, company_ids)
    query = f"select exists (select 1 from companies where {scope}) as found"  # noqa: S608
    return conn.execute(query, params).fetchone()["found"]


def _company_scope(workspace_id: str, batch: str | None,
                   company_ids: list[str] | None) -> tuple[str, list[Any]]:
    condition, params = "workspace_id = %s", [workspace_id]
    if batch:
        condition += " and batch_id = %s"
        params.append(batch)
    if company_ids:
        condition += " and id = any(%s::uuid[])"
        params.append(company_ids)
    return condition, params


def load_employees(conn: psycopg.Connection, workspace_id: str, *, batch: str | None = None,
                   company_ids: list[str] | None = None) -> list[dict[str, Any]]:
    query = ("select e.id::text as id, e.company_id::text as company_id, e.position, e.country,"
             " e.city, e.seniority, e.department, e.timezone, e.language, e.email,"
             " e.linkedin_url, c.country as company_country, c.city as company_city,"
             " c.domain as company_domain"
             " from employees e left join companies c"
             " on c.workspace_id = e.workspace_id and c.id = e.company_id"
             " where ")
    scope, params = employee_scope(workspace_id, batch, company_ids)
    return [dict(r) for r in conn.execute(query + scope + " order by e.created_at, e.id", params)]


def employee_scope(workspace_id: str, batch: str | None,
                   company_ids: list[str] | None) -> tuple[str, list[Any]]:
    """The WHERE condition (and its parameters) choosing a stage's contacts: `e` is employees,
    `c` their company; a batch takes the contacts it brought and those of companies it brought."""
    condition, params = "e.workspace_id = %s", [workspace_id]
    if batch:
        condition += " and (e.batch_id = %s or c.batch_id = %s)"
        params += [batch, batch]
    if company_ids:
        condition += " and e.company_id = any(%s::uuid[])"
        params.append(company_ids)
    return condition, params


def _value(facts: dict[str, Any], name: str) -> Any:
    fact = facts.get(name)
    return fact["value"] if fact else None


def write_back_companies(conn: psycopg.Connection, workspace_id: str,
                         outputs: dict[str, dict[str, Any]]) -> int:
    """Fill empty company fields from firmographics facts; returns rows changed."""
    rows = [(_value(f, "domain"), _value(f, "legal_form"), _value(f, "country"), workspace_id,
             entity_id) for entity_id, f in outputs.items()]
    changed = 0
    with conn.cursor() as cur:
        for row in rows:
            cur.execute(
                "update companies set domain = coalesce(nullif(domain, ''), %s),"
                " legal_form = coalesce(nullif(legal_form, ''), %s),"
                " country = coalesce(country, %s)"
                " where workspace_id = %s and id = %s and (coalesce(domain, '') = ''"
                " or coalesce(legal_form, '') = '' or country is null)", row)
            changed += cur.rowcount
    return changed


def write_back_employees(conn: psycopg.Connection, workspace_id: str,
                         outputs: dict[str, dict[str, Any]]) -> int:
    rows = [(_value(f, "seniority"), _value(f, "department"), _value(f, "timezone"),
             _value(f, "language"), _value(f, "country"), workspace_id, entity_id)
            for entity_id, f in outputs.items()]
    changed = 0
    with conn.cursor() as cur:
        for row in rows:
            cur.execute(
                "update employees set seniority = coalesce(nullif(seniority, ''), %s),"
                " department = coalesce(nullif(department, ''), %s),"
                " timezone = coalesce(nullif(timezone, ''), %s),"
                " language = coalesce(nullif(language, ''), %s),"
                " country = coalesce(country, %s)"
                " where workspace_id = %s and id = %s", row)
            changed += cur.rowcount
    return changed

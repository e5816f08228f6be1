"""Read queries over companies and employees for the CLI and the web app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg

from gtm.errors import TerminalError

COMPANY_LIST_COLUMNS = ("id", "name", "domain", "country", "industry", "size_employees",
                        "tin", "employees")
EMPLOYEE_COLUMNS = ("id", "first_name", "last_name", "email", "position", "seniority",
                    "department", "company", "company_domain", "country", "linkedin_url",
                    "client_status", "campaign_status")


def list_companies(conn: psycopg.Connection, workspace_id: str, *, search: str | None = None,
                   limit: int = 50) -> list[dict]:
    return conn.execute(
        "select c.id::text, c.name, c.domain, c.country, c.industry, c.size_employees, c.tin,"
        " (select count(*) from employees e where e.company_id = c.id) as employees"
        " from companies c where c.workspace_id = %(ws)s"
        " and (%(q)s::text is null or c.name ilike '%%' || %(q)s || '%%'"
        " or c.domain ilike %(q)s || '%%')"
        " order by c.name limit %(limit)s",
        {"ws": workspace_id, "q": search, "limit": limit},
    ).fetchall()


def get_company(conn: psycopg.Connection, workspace_id: str, company: str) -> dict:
    """A company by id, domain or exact name, with its employees."""
    try:
        by_id = str(uuid.UUID(company))
    except ValueError:
        by_id = None
    row = conn.execute(
        "select * from companies where workspace_id = %s and"
        " (id::text = %s or domain = lower(%s) or lower(name) = lower(%s))"
        " order by created_at limit 1",
        (workspace_id, by_id, company, company),
    ).fetchone()
    if row is None:
        raise TerminalError(f"no company {company!r} in this workspace")
    row["employees"] = conn.execute(
        "select id::text, first_name, last_name, email, position from employees"
        " where workspace_id = %s and company_id = %s order by last_name, first_name",
        (workspace_id, row["id"]),
    ).fetchall()
    return row


_EMPLOYEE_SELECT = (
    "select e.id::text, e.first_name, e.last_name, e.email, e.position, e.seniority,"
    " e.department, c.name as company, c.domain as company_domain, e.country, e.linkedin_url,"
    " e.client_status, e.campaign_status"
    " from employees e left join companies c on c.id = e.company_id"
    " where e.workspace_id = %(ws)s"
    " and (%(q)s::text is null or e.email ilike '%%' || %(q)s || '%%'"
    "      or (e.first_name || ' ' || e.last_name) ilike '%%' || %(q)s || '%%')"
    " order by e.last_name, e.first_name, e.id"
)


def list_employees(conn: psycopg.Connection, workspace_id: str, *, search: str | None = None,
                   limit: int = 50) -> list[dict]:
    return conn.execute(_EMPLOYEE_SELECT + " limit %(limit)s",
                        {"ws": workspace_id, "q": search, "limit": limit}).fetchall()


def iter_employees(conn: psycopg.Connection, workspace_id: str) -> Iterator[dict]:
    """Every employee, streamed with a server-side cursor (exports of any size)."""
    with conn.cursor(name="employee_export") as cur:
        cur.execute(_EMPLOYEE_SELECT, {"ws": workspace_id, "q": None})
        yield from cur

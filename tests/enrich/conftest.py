"""Seed data for the enrichment tests: one batch of companies and employees in a fresh workspace
(inside the `db` fixture's transaction, so nothing survives the test)."""

import uuid

import pytest
from batches import add_batch

from gtm.db.workspaces import ensure_workspace

COMPANIES = [
    # name, domain, website, country, city, industry, size, legal_form
    ("Equinor ASA", None, "https://www.equinor.com/en", "NO", "Stavanger", "Oil & Energy",
     21000, None),
    ("ООО «Ромашка»", "romashka.ru", None, "RU", "Новосибирск", "Разработка ПО", 45, None),
    ("Acme Software GmbH", "acme.de", None, "DE", "Berlin", "Computer Software", 120, "GmbH"),
    ("Nameless", None, None, None, None, None, None, None),
]
EMPLOYEES = [
    # company index, email, position, seniority (pre-set), country
    (0, "kari@equinor.com", "Head of Data", None, None),
    (1, "ivan@romashka.ru", "Генеральный директор", None, None),
    (2, "anna@acme.de", "VP of Sales", "manager", "DE"),  # stored seniority must survive
]


@pytest.fixture
def seeded(db):
    workspace_id = ensure_workspace(db, f"enrich-{uuid.uuid4().hex[:8]}")
    batch = uuid.uuid4().hex[:16]
    add_batch(db, workspace_id, batch, status="applied")
    company_ids = []
    for name, domain, website, country, city, industry, size, form in COMPANIES:
        row = db.execute(
            "insert into companies (workspace_id, name, domain, website, country, city,"
            " industry, size_employees, legal_form, batch_id)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id::text as id",
            (workspace_id, name, domain, website, country, city, industry, size, form, batch),
        ).fetchone()
        company_ids.append(row["id"])
    employee_ids = []
    for index, email, position, seniority, country in EMPLOYEES:
        row = db.execute(
            "insert into employees (workspace_id, company_id, email, position, seniority,"
            " country, batch_id) values (%s, %s, %s, %s, %s, %s, %s) returning id::text as id",
            (workspace_id, company_ids[index], email, position, seniority, country, batch),
        ).fetchone()
        employee_ids.append(row["id"])
    return {"workspace_id": workspace_id, "batch": batch, "company_ids": company_ids,
            "employee_ids": employee_ids}

"""A small world of companies, contacts and ICP scores in the rolled-back `db` connection.

Contacts are named a..g; `matched(db, ws, definition)` answers with those letters, so a test
reads like the table below.

    contact  company  country industry size  sme   position                   outreach  score v1
    a        acme     NO      Fintech  50    true  CTO                        never     0.9
    b        acme     NO      Fintech  50    true  Head of IT                 10 d ago  0.9
    c        bolt     SE      Software 5000  false VP Sales                   90 d ago  0.5
    d        bolt     SE      Software 5000  false Software Engineer 50%_time 400 d ago 0.1
    e        cyril    RU      ФИНТЕХ   -     -     Технический директор       never     0.7
    f        delta    -       -        200   -     Intern                     never     -
    g        (none)                                CTO                        never     -
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.segments import audience_query

NOW = datetime.now(UTC)
COMPANIES = {
    # key: name, domain, country, industry, segment, size, sme
    "acme": ("Acme AS", "acme.no", "NO", "Fintech", "SMB", 50, True),
    "bolt": ("Bolt AB", "bolt.se", "SE", "Software", "Enterprise", 5000, False),
    "cyril": ("Кирилл ООО", "cyril.ru", "RU", "ФИНТЕХ", None, None, None),
    "delta": ("Delta", "delta.io", None, None, None, 200, None),
}
EMPLOYEES = {
    # key: company, email, position, seniority, department, client_status, campaign_status,
    #      campaign_number, outreach days ago, reply flag set, contact country, language, testing
    "a": ("acme", "ann@acme.no", "CTO", "C-Level", "Engineering", "prospect", None, None, None,
          None, "NO", "no", "A"),
    "b": ("acme", "bob@acme.no", "Head of IT", "Director", "IT", "client", "sent", 3, 10,
          "reply_positive", "NO", None, None),
    "c": ("bolt", "cat@bolt.se", "VP Sales", "VP", "Sales", "prospect", "replied", 1, 90,
          "reply_negative", "SE", None, None),
    "d": ("bolt", "dan@bolt.se", "Software Engineer 50%_time", None, "Engineering", None,
          "bounced", None, 400, "reply_bounce", "SE", None, None),
    "e": ("cyril", "eva@cyril.ru", "Технический директор", "C-Level", None, None, None, None,
          None, "reply_info_request", "RU", None, None),
    "f": ("delta", "fay@delta.io", "Intern", None, None, None, None, None, None, None, None,
          None, None),
    "g": (None, "gus@nocompany.com", "CTO", None, None, None, None, None, None, None, None, None,
          None),
}
ALL = frozenset(EMPLOYEES)
SCORES_V1 = {"a": 0.9, "b": 0.9, "c": 0.5, "d": 0.1, "e": 0.7}
SCORES_V2 = {"a": 0.1, "f": 0.99}  # an inactive version: must never show up


@dataclass
class World:
    ws: str
    ids: dict[str, str]  # letter -> employee id

    @property
    def letters(self) -> dict[str, str]:
        return {v: k for k, v in self.ids.items()}


def insert_world(conn: psycopg.Connection, slug: str) -> World:
    ws = ensure_workspace(conn, slug)
    company_ids = {}
    for key, (name, domain, country, industry, segment, size, sme) in COMPANIES.items():
        company_ids[key] = conn.execute(
            "insert into companies (workspace_id, name, domain, country, industry, segment,"
            " size_employees, sme_registry) values (%s, %s, %s, %s, %s, %s, %s, %s)"
            " returning id::text",
            (ws, name, domain, country, industry, segment, size, sme)).fetchone()["id"]
    ids = {}
    for key, row in EMPLOYEES.items():
        (company, email, position, seniority, department, client_status, campaign_status,
         campaign_number, days_ago, flag, country, language, testing) = row
        sent = None if days_ago is None else NOW - timedelta(days=days_ago)
        ids[key] = conn.execute(
            "insert into employees (workspace_id, company_id, first_name, email, position,"
            " seniority, department, client_status, campaign_status, campaign_number,"
            " outreach_sent_date, country, language, testing_status, reply_positive,"
            " reply_negative, reply_info_request, reply_bounce)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " returning id::text",
            (ws, company_ids.get(company), key.upper(), email, position, seniority, department,
             client_status, campaign_status, campaign_number, sent, country, language, testing,
             flag == "reply_positive", flag == "reply_negative", flag == "reply_info_request",
             flag == "reply_bounce")).fetchone()["id"]
    for version, scores in ((1, SCORES_V1), (2, SCORES_V2)):
        conn.execute("insert into icp_profiles (workspace_id, version, definition, content_hash,"
                     " active) values (%s, %s, '{}', %s, %s)",
                     (ws, version, f"hash{version}", version == 1))
        for key, score in scores.items():
            conn.execute("insert into contact_scores (workspace_id, employee_id, icp_version,"
                         " score, reasons) values (%s, %s, %s, %s, %s)",
                         (ws, ids[key], version, score, Jsonb([{"weight": score, "reason": key}])))
    return World(ws, ids)


@pytest.fixture
def world(db: psycopg.Connection) -> World:
    return insert_world(db, "segments-test")


def matched(conn: psycopg.Connection, world: World, definition, icp_version: int | None = 1
            ) -> set[str]:
    query, params = audience_query(world.ws, definition, icp_version)
    return {world.letters[str(r["employee_id"])] for r in conn.execute(query, params)}


@pytest.fixture
def match(db: psycopg.Connection, world: World):
    """match(definition, icp_version=1) -> the letters of the contacts it selects."""
    return lambda definition, icp_version=1: matched(db, world, definition, icp_version)


@pytest.fixture
def cli_world(migrated, monkeypatch) -> Iterator[World]:
    """The a..g world committed in a workspace of its own, which the CLI is pointed at."""
    slug = "segments-cli"
    monkeypatch.setenv("GTM_WORKSPACE", slug)
    with connect(migrated) as conn:
        conn.execute("delete from workspaces where slug = %s", (slug,))
        world = insert_world(conn, slug)
    yield world
    with connect(migrated) as conn:
        conn.execute("delete from workspaces where slug = %s", (slug,))

"""Outbox fixtures: a committed workspace of its own per test (the dispatcher opens its own
connections and commits, so nothing can live in a rolled-back test transaction), with helpers
to add senders, contacts, campaigns and approved drafts."""

from __future__ import annotations

import email
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.sending.senders import SenderSpec, add_sender
from gtm.sending.window import parse_window
from gtm.settings import Settings, load_settings


class World:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.conn = connect(settings, autocommit=True)
        self.ws = ensure_workspace(self.conn, settings.workspace)

    def connect(self) -> psycopg.Connection:
        return connect(self.settings)

    def sender(self, address: str = "anna@sender.io", **spec) -> str:
        spec.setdefault("min_gap_seconds", 0)
        spec.setdefault("daily_cap", 1000)
        if isinstance(spec.get("window"), str):
            spec["window"] = parse_window(spec["window"])
        row, _ = add_sender(self.conn, self.ws, SenderSpec(address, "Anna Berg", **spec))
        return row["id"]

    def company(self, name: str) -> str:
        return self.conn.execute(
            "insert into companies (workspace_id, name, normalized_name) values (%s, %s, lower(%s))"
            " returning id::text", (self.ws, name, name)).fetchone()["id"]

    def contact(self, address: str | None, company: str | None = None,
                timezone: str | None = None, first: str = "Kari") -> str:
        return self.conn.execute(
            """insert into employees (workspace_id, company_id, first_name, last_name, email,
                                      timezone) values (%s, %s, %s, 'Nordmann', %s, %s)
               returning id::text""", (self.ws, company, first, address, timezone)
        ).fetchone()["id"]

    def campaign(self, name: str, sender: str = "anna@sender.io", *, status: str = "ready",
                 pack: str | None = "cold_first_touch", daily_cap: int | None = None) -> str:
        sender_id = self.conn.execute("select id from senders where workspace_id = %s and "
                                      "email = %s", (self.ws, sender)).fetchone()["id"]
        return self.conn.execute(
            """insert into campaigns (workspace_id, name, sender_id, pack, status, daily_cap,
                                      language) values (%s, %s, %s, %s, %s, %s, 'en')
               returning id::text""", (self.ws, name, sender_id, pack, status, daily_cap)
        ).fetchone()["id"]

    def approve(self, campaign_id: str, employee_id: str, *, step: int = 1,
                subject: str = "A question", body: str = "Hi Kari, one question.") -> str:
        rank = self.conn.execute("select count(*) + 1 as n from campaign_members where "
                                 "campaign_id = %s", (campaign_id,)).fetchone()["n"]
        self.conn.execute(
            """insert into campaign_members (workspace_id, campaign_id, employee_id, rank)
               values (%s, %s, %s, %s) on conflict do nothing""",
            (self.ws, campaign_id, employee_id, rank))
        return self.conn.execute(
            """insert into drafts (workspace_id, campaign_id, employee_id, step, subject, body,
                                   language, status, approved_at)
               values (%s, %s, %s, %s, %s, %s, 'en', 'approved', now()) returning id::text""",
            (self.ws, campaign_id, employee_id, step, subject, body)).fetchone()["id"]

    def audience(self, campaign_id: str, n: int, domain: str = "fjord.no", **contact) -> list[str]:
        ids = []
        for i in range(n):
            employee = self.contact(f"person{i}@{domain}", **contact)
            self.approve(campaign_id, employee)
            ids.append(employee)
        return ids

    def set_status(self, campaign_id: str, status: str) -> None:
        self.conn.execute("update campaigns set status = %s where id = %s", (status, campaign_id))

    def messages(self, campaign_id: str | None = None) -> list[dict]:
        return self.conn.execute(
            """select id::text, status, to_email, rfc_message_id, scheduled_at, sent_at, attempts,
                      blocked_reason, error_kind, error_cause, last_error, next_attempt_at, headers,
                      body
               from messages where workspace_id = %s and (%s::uuid is null or campaign_id = %s)
               order by to_email""", (self.ws, campaign_id, campaign_id)).fetchall()

    def statuses(self, campaign_id: str | None = None) -> Counter:
        return Counter(m["status"] for m in self.messages(campaign_id))


@pytest.fixture
def world(migrated, tmp_path: Path):
    settings = load_settings(workspace=f"send-{uuid.uuid4().hex[:10]}",
                             paths_outbox=tmp_path / "outbox")
    w = World(settings)
    yield w
    w.conn.close()


@pytest.fixture
def eml_ids():
    """Counts .eml files per Message-ID in a folder (a double send shows as a 2)."""
    def count(outbox_dir: Path) -> Counter:
        found: Counter = Counter()
        for path in outbox_dir.glob("*.eml"):
            found[email.message_from_bytes(path.read_bytes())["Message-ID"]] += 1
        return found
    return count

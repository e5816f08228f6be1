"""A committed outreach world in its own workspace for reply tests: reply processing commits
per batch, so the rolled-back `db` fixture cannot hold it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from psycopg.types.json import Jsonb

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.replies.samples import Original

SENDER = "anna@gtm-test.example"


@dataclass
class World:
    settings: object
    workspace: str
    workspace_id: str
    campaign_id: str
    sender_id: str
    company_id: str
    contacts: dict = field(default_factory=dict)  # email -> employee id
    messages: dict = field(default_factory=dict)  # email -> (message id, rfc id, subject, body)

    def original(self, email: str, name: str = "Prospect") -> Original:
        _, rfc, subject, body = self.messages[email]
        return Original(rfc, f"Anna Keller <{SENDER}>", f"{name} <{email}>", subject, body,
                        datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def connect(self):
        return connect(self.settings)


def build_world(settings, *, stop_account: bool = False, emails=None) -> World:
    slug = f"replies-{uuid.uuid4().hex[:10]}"
    emails = emails or ["mark@acme-corp.com", "julia@acme-corp.com", "ivan@severtrans.ru"]
    with connect(settings) as conn:
        ws = ensure_workspace(conn, slug)
        company = conn.execute("insert into companies (workspace_id, name, domain) values"
                               " (%s, 'Acme Corp', 'acme-corp.com') returning id::text",
                               (ws,)).fetchone()["id"]
        sender = conn.execute("insert into senders (workspace_id, email, display_name) values"
                              " (%s, %s, 'Anna Keller') returning id::text",
                              (ws, SENDER)).fetchone()["id"]
        campaign = conn.execute(
            "insert into campaigns (workspace_id, name, sender_id, pack, pack_version, settings,"
            " status) values (%s, 'Spring outreach', %s, 'cold_intro', 'v3', %s, 'sending')"
            " returning id::text",
            (ws, sender, Jsonb({"stop_account_on_reply": stop_account}))).fetchone()["id"]
        world = World(settings, slug, ws, campaign, sender, company)
        for index, email in enumerate(emails):
            same_company = email.endswith("@acme-corp.com")
            employee = conn.execute(
                "insert into employees (workspace_id, company_id, email, first_name) values"
                " (%s, %s, %s, %s) returning id::text",
                (ws, company if same_company else None, email, email.split("@")[0].title())
            ).fetchone()["id"]
            conn.execute("insert into campaign_members (workspace_id, campaign_id, employee_id)"
                         " values (%s, %s, %s)", (ws, campaign, employee))
            draft = conn.execute(
                "insert into drafts (workspace_id, campaign_id, employee_id, angle, subject, body,"
                " status) values (%s, %s, %s, %s, 'x', 'x', 'sent') returning id::text",
                (ws, campaign, employee, "hiring" if index % 2 == 0 else "cost")).fetchone()["id"]
            subject = f"Quick idea for {email.split('@')[1].split('.')[0].title()}"
            body = (f"Hi {email.split('@')[0].title()},\n\nWould it make sense to talk for 15 "
                    "minutes next week? If this isn't relevant, let me know.\n\nAnna")
            rfc = f"<{uuid.uuid4().hex}@gtm-test.example>"
            message = conn.execute(
                "insert into messages (workspace_id, campaign_id, employee_id, draft_id,"
                " sender_id, to_email, subject, body, rfc_message_id, status, sent_at, provider)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'sent', %s, 'file')"
                " returning id::text",
                (ws, campaign, employee, draft, sender, email, subject, body, rfc,
                 datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=index))
            ).fetchone()["id"]
            world.contacts[email] = employee
            world.messages[email] = (message, rfc, subject, body)
    return world

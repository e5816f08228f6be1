"""Fixtures for the web app: a committed workspace with a local account, a campaign with
drafts (inserted directly, so no model is needed), and a signed-in TestClient."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from gtm.campaigns.audience import freeze_audience
from gtm.campaigns.store import CampaignSpec, create_campaign
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.packs.catalog import resolve_pack
from gtm.segments import create_segment
from gtm.sending.senders import SenderSpec, add_sender
from gtm.settings import Settings
from gtm.web import create_app
from gtm.web.auth import add_user

PASSWORD = "correct horse battery"
EVERYONE = {"field": "email_domain", "op": "is_null", "value": False}
XSS_NAME = "<script>alert(1)</script>"
XSS_BODY = 'Hello <img src=x onerror="alert(2)"> there'


@dataclass
class WebWorkspace:
    settings: Settings
    slug: str
    workspace_id: str
    email: str
    user_id: str
    campaign: str
    drafts: list[str]


def _seed(settings: Settings, contacts: int) -> WebWorkspace:
    slug = f"web-{uuid.uuid4().hex[:10]}"
    email = f"founder-{uuid.uuid4().hex[:6]}@example.test"
    with connect(settings) as conn:
        ws = ensure_workspace(conn, slug)
        user_id = add_user(conn, ws, email, PASSWORD)
        for i in range(contacts):
            ru = i == contacts - 1
            company = conn.execute(
                "insert into companies (workspace_id, name, normalized_name, domain, country)"
                " values (%s, %s, %s, %s, %s) returning id",
                (ws, XSS_NAME if i == 0 else f"Firma {i}", f"firma {i}", f"firma{i}.example",
                 "RU" if ru else "GB")).fetchone()["id"]
            conn.execute(
                "insert into employees (workspace_id, company_id, first_name, last_name, email,"
                " position, country) values (%s, %s, %s, 'Test', %s, 'CTO', %s)",
                (ws, company, "Иван" if ru else f"Alex{i}", f"p{i}@firma{i}.example",
                 "RU" if ru else "GB"))
        create_segment(conn, ws, "everyone", EVERYONE)
        add_sender(conn, ws, SenderSpec("me@sender.example", display_name="Sam Sender"))
        spec = CampaignSpec("q1", "everyone", "me@sender.example",
                            resolve_pack(settings, "cold_first_touch"))
        campaign, _ = create_campaign(conn, ws, spec)
        freeze_audience(conn, ws, campaign["id"])
        members = conn.execute(
            "select cm.employee_id, e.country from campaign_members cm"
            " join employees e on e.id = cm.employee_id where cm.campaign_id = %s"
            " order by e.email", (campaign["id"],)).fetchall()
        drafts = []
        for i, m in enumerate(members):
            ru = m["country"] == "RU"
            drafts.append(conn.execute(
                "insert into drafts (workspace_id, campaign_id, employee_id, variant, angle,"
                " language, subject, body, risk_score, mode) values (%s, %s, %s, 'direct',"
                " 'hiring', %s, %s, %s, %s, 'template') returning id::text",
                (ws, campaign["id"], m["employee_id"], "ru" if ru else "en",
                 f"Subject {i}", XSS_BODY if i == 0 else f"Body {i}\nSecond line.",
                 round(0.9 - i * 0.2, 2))).fetchone()["id"])
    return WebWorkspace(settings, slug, ws, email, user_id, "q1", drafts)


@pytest.fixture
def seed_web(migrated: Settings) -> Callable[..., WebWorkspace]:
    return lambda contacts=4: _seed(migrated, contacts)


@pytest.fixture
def web(seed_web) -> WebWorkspace:
    return seed_web()


@pytest.fixture
def app(migrated: Settings):
    return create_app(migrated)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token, "next": "/campaigns"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/campaigns").text)


@pytest.fixture
def client(app, web) -> TestClient:
    with TestClient(app) as c:
        c.csrf = login(c, web.email)
        yield c

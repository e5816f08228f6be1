"""Fixtures for drafting a campaign: a committed workspace with a frozen audience, and the
loopback OpenAI-compatible server answering as the drafting model."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.drafting_model import DraftingModel
from support.openai_server import DUMMY_KEY, OpenAITestServer

from gtm.campaigns.audience import freeze_audience
from gtm.campaigns.store import CampaignSpec, create_campaign
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.drafting.sender_profile import set_sender_profile
from gtm.packs.catalog import resolve_pack
from gtm.segments import create_segment
from gtm.sending.senders import SenderSpec, add_sender
from gtm.settings import Settings, load_settings

EVERYONE = {"field": "email_domain", "op": "is_null", "value": False}
OFFER = {"en": "We turn a raw contact list into researched prospects and first drafts.",
         "ru": "Мы превращаем список контактов в изученных лидов с черновиками писем."}
PROBLEM = {"en": "manual prospect research", "ru": "ручной поиск клиентов"}


@dataclass
class Campaign:
    settings: Settings
    slug: str
    workspace_id: str
    id: str
    name: str
    employees: list[str]

    def connect(self):
        return connect(self.settings)


@pytest.fixture
def make_campaign(migrated: Settings) -> Callable[..., Campaign]:
    """`make_campaign(contacts=6, russian=2, pack="cold_first_touch", offer=True)`: a committed
    workspace of its own with that many contacts (the last `russian` in Russia), a sender and a
    campaign whose audience is frozen."""

    def make(contacts: int = 6, russian: int = 2, pack: str = "cold_first_touch",
             offer: bool = True) -> Campaign:
        slug = f"drafting-{uuid.uuid4().hex[:10]}"
        with connect(migrated) as conn:
            ws = ensure_workspace(conn, slug)
            employees = []
            for i in range(contacts):
                ru = i >= contacts - russian
                company = conn.execute(
                    "insert into companies (workspace_id, name, normalized_name, domain, country)"
                    " values (%s, %s, %s, %s, %s) returning id",
                    (ws, f"Firma {i}", f"firma {i}", f"firma{i}.example",
                     "RU" if ru else "GB")).fetchone()["id"]
                employees.append(str(conn.execute(
                    "insert into employees (workspace_id, company_id, first_name, last_name,"
                    " email, position, country) values (%s, %s, %s, 'Test', %s, 'CTO', %s)"
                    " returning id",
                    (ws, company, "Иван" if ru else "Alex", f"p{i}@firma{i}.example",
                     "RU" if ru else "GB")).fetchone()["id"]))
            create_segment(conn, ws, "everyone", EVERYONE)
            add_sender(conn, ws, SenderSpec("me@sender.example", display_name="Sam Sender"))
            if offer:
                for language in ("en", "ru"):
                    set_sender_profile(conn, ws, "me@sender.example", language=language,
                                       offer=OFFER[language], problem=PROBLEM[language])
            spec = CampaignSpec("q1", "everyone", "me@sender.example",
                                resolve_pack(migrated, pack))
            campaign, _ = create_campaign(conn, ws, spec)
            freeze_audience(conn, ws, campaign["id"])
        return Campaign(migrated, slug, ws, campaign["id"], "q1", employees)

    return make


@pytest.fixture
def model_server() -> Iterator[OpenAITestServer]:
    with OpenAITestServer(answer=DraftingModel()) as server:
        yield server


@pytest.fixture
def llm_settings(gtm_home, tmp_path: Path, model_server) -> Callable[..., Settings]:
    """Settings pointing every task at the loopback server: private cache, fast backoff."""

    def build(**overrides) -> Settings:
        values = dict(llm_model="openai/test-model", llm_api_base=model_server.base_url,
                      llm_api_key=DUMMY_KEY, paths_cache=tmp_path / "cache",
                      llm_retry_base_seconds=0.001, llm_retry_max_seconds=0.005)
        return load_settings(**{**values, **overrides})

    return build

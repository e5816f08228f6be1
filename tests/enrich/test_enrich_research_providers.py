"""Research providers: the real `exa_py.Exa` client against a loopback server answering in
Exa's response shape (no network), the research stage end to end on it; recordings load by
domain; registry politeness."""

import time
from pathlib import Path

from exa_server import ExaTestServer

from gtm.enrich.pipeline import run_enrichment
from gtm.providers.registries.base import MinInterval
from gtm.providers.research import ExaResearch, RecordedResearch


def test_exa_client_searches_with_contents_and_maps_results():
    with ExaTestServer() as server:
        exa = ExaResearch("k-123", base_url=server.base_url)
        documents = exa.search("Nordlys funding", domain="nordlys.no", limit=3)
        assert exa.search("Nobody", domain="unknown.example") == []
    request = server.requests[0]
    assert request["path"] == "/search" and request["headers"]["x-api-key"] == "k-123"
    assert request["body"]["query"] == "Nordlys funding"
    assert request["body"]["includeDomains"] == ["nordlys.no"]
    assert request["body"]["numResults"] == 3
    assert request["body"]["contents"] == {"text": {"maxCharacters": 4000}}
    assert [d.url for d in documents] == ["https://nordlys.no/news/2026/engineering-hiring",
                                          "https://nordlys.no/press/series-a"]
    assert documents[0].title == "Nordlys is hiring 20 engineers in Oslo"
    assert documents[0].published == "2026-09-14T00:00:00.000Z"
    assert documents[0].text.startswith("Nordlys AS is hiring") and documents[0].retrieved_at
    assert exa.calls == 2 and round(exa.cost_usd, 6) == 0.012  # 0.007 + an empty search


def test_research_stage_through_exa_stores_documents_and_caches(seeded, db):
    db.execute("insert into companies (workspace_id, name, website, country, industry,"
               " size_employees, batch_id) values (%s, 'Nordlys AS', 'https://nordlys.no', 'NO',"
               " 'SaaS', 40, %s)", (seeded["workspace_id"], seeded["batch"]))
    with ExaTestServer() as server:
        exa = ExaResearch("k", base_url=server.base_url)
        first = run_enrichment(db, seeded["workspace_id"], batch=seeded["batch"], research=exa,
                               stages=["firmographics", "triage_L1", "research_L2"])
        second = run_enrichment(db, seeded["workspace_id"], batch=seeded["batch"],
                                research=exa, stages=["research_L2"])
    searched = {r["body"]["includeDomains"][0] for r in server.requests}
    assert first["research_L2"]["provider_calls"] == len(searched) == len(server.requests)
    assert "nordlys.no" in searched
    assert second["research_L2"]["provider_calls"] == 0  # fresh cache: no second search
    row = db.execute(
        "select r.provider, r.output from enrichment_results r join companies c"
        " on c.id = r.entity_id where c.name = 'Nordlys AS' and r.stage = 'research_L2'"
    ).fetchone()
    assert row["provider"] == "exa"
    assert row["output"]["documents"][1]["url"] == "https://nordlys.no/press/series-a"
    assert row["output"]["url"] == "https://nordlys.no/news/2026/engineering-hiring"


def test_recorded_research_by_domain():
    recorded = RecordedResearch(Path(__file__).parent / "fixtures" / "research")
    assert len(recorded.search("q", domain="equinor.com")) == 2
    assert recorded.search("q", domain="unknown.example") == []
    assert recorded.search("q", domain=None) == []


def test_min_interval_spaces_requests():
    limiter = MinInterval(0.05)
    started = time.monotonic()
    for _ in range(3):
        limiter.wait()
    assert time.monotonic() - started >= 0.1

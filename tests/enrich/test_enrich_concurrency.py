"""The provider-calling stages run their calls concurrently, within their limits, and write every
result on the calling thread: research through a provider that counts its searches in flight,
the insights stages through the real LLM path (LLMResource -> LLMClient -> litellm -> HTTP) to
the loopback server, which records its requests in flight. One failing company is recorded as
failed and never stops the others."""

import json
import threading
import uuid
from types import SimpleNamespace

import dagster as dg
import pytest
from batches import add_batch
from insights_model import insights_answer
from support.openai_server import DUMMY_KEY, OpenAITestServer

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.enrich.research import WORKERS, research_stage
from gtm.enrich.waterfall import run_stage
from gtm.providers.registries import base
from gtm.providers.research import ResearchDocument
from gtm_assets.enrich.definitions import defs as enrich_defs
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource
from gtm_resources.research import RegistriesResource, ResearchResource


class CountingResearch:
    """Answers every domain with one page except `failing`, which raises. The first two searches
    wait for each other at a barrier, which only opens if they are in flight at the same time
    (run one after the other, the first times out and the test fails)."""

    name = "counting"

    def __init__(self, failing: str) -> None:
        self.failing = failing
        self.meet = threading.Barrier(2, timeout=30)
        self.lock = threading.Lock()
        self.started = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def search(self, query, *, domain=None, limit=5):
        with self.lock:
            first_two = self.started < 2
            self.started += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if first_two:
                self.meet.wait()
            if domain == self.failing:
                raise RuntimeError("search backend down")
            return [ResearchDocument(url=f"https://{domain}/news", title="News",
                                     text=f"{domain} is hiring.", retrieved_at="2026-11-01")]
        finally:
            with self.lock:
                self.in_flight -= 1


def test_research_runs_concurrently_and_one_failure_stays_with_its_company(db, seeded):
    ws = seeded["workspace_id"]
    companies = []
    for n in range(10):
        row = db.execute("insert into companies (workspace_id, name, domain, batch_id)"
                         " values (%s, %s, %s, %s) returning id::text as id",
                         (ws, f"Company {n}", f"c{n}.example", seeded["batch"])).fetchone()
        companies.append({"id": row["id"], "name": f"Company {n}", "domain": f"c{n}.example",
                          "triage": {"gets_l2": True}})
    provider = CountingResearch(failing="c3.example")
    ticks = []
    report = run_stage(db, ws, research_stage(provider), companies, progress=ticks.append)

    assert 1 < provider.max_in_flight <= WORKERS
    assert (report.ok, report.errors, report.provider_calls) == (9, 1, 10)
    assert len(ticks) == 10  # the progress bar advanced once per company
    failing = companies[3]["id"]
    assert report.failures == [{"entity_id": failing,
                                "reason": "counting: RuntimeError: search backend down"}]
    rows = {r["entity_id"]: r for r in db.execute(
        "select entity_id::text as entity_id, status, output, error from enrichment_results"
        " where workspace_id = %s and stage = 'research_L2'", (ws,))}
    assert rows[failing]["status"] == "error" and "backend down" in rows[failing]["error"]
    stored = [rows[c["id"]] for c in companies if c["id"] != failing]
    assert all(r["status"] == "ok" for r in stored)
    # Every company's documents are its own, whichever search finished first.
    assert all(rows[c["id"]]["output"]["documents"][0]["url"] == f"https://{c['domain']}/news"
               for c in companies if c["id"] != failing)

    again = run_stage(db, ws, research_stage(provider), companies)
    assert (again.cached, again.provider_calls, again.errors) == (9, 1, 1)  # only the error


def test_registry_pacing_holds_across_threads(monkeypatch):
    """Registry politeness survives the concurrent stage: four threads asking one limiter at
    once are spaced one `min_interval` apart. The clock is fake and only moves when the limiter
    sleeps, so the total slept is exactly the spacing it enforced."""
    clock = {"now": 100.0, "slept": []}

    def sleep(seconds):
        clock["slept"].append(round(seconds, 6))
        clock["now"] += seconds

    monkeypatch.setattr(base, "time", SimpleNamespace(monotonic=lambda: clock["now"],
                                                      sleep=sleep))
    limiter = base.MinInterval(0.5)
    start = threading.Barrier(4, timeout=30)

    def ask():
        start.wait()
        limiter.wait()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock["slept"] == [0.5, 0.5, 0.5]  # the first goes at once, each next waits its turn


def broken_or_insights(body: dict) -> str:
    """The insights test model, except that anything about "Broken Co" gets an answer with no
    fields at all (the call fails to parse, for that company and its contact only)."""
    if "Broken Co" in body["messages"][-1]["content"]:
        return "I cannot help with that."
    return insights_answer(body)


@pytest.fixture
def many(migrated, tmp_path, monkeypatch):
    monkeypatch.setenv("GTM_PATHS_CACHE", str(tmp_path / "llm-cache"))
    monkeypatch.setenv("GTM_LLM_CONCURRENCY", "2")
    slug, batch = f"enrich-conc-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:16]
    names = [f"Nordlys {n} AS" for n in range(5)] + ["Broken Co AS"]
    with connect(migrated) as conn:
        ws = ensure_workspace(conn, slug)
        add_batch(conn, ws, batch)
        ids = {}
        for n, name in enumerate(names):
            ids[name] = conn.execute(
                "insert into companies (workspace_id, name, website, country, industry,"
                " size_employees, batch_id) values (%s, %s, %s, 'NO', 'SaaS', 40, %s)"
                " returning id::text as id", (ws, name, f"https://c{n}.example", batch)
            ).fetchone()["id"]
            conn.execute("insert into employees (workspace_id, company_id, email, position,"
                         " batch_id) values (%s, %s, %s, 'CTO', %s)",
                         (ws, ids[name], f"cto@c{n}.example", batch))
    yield {"slug": slug, "ws": ws, "batch": batch, "ids": ids}
    with connect(migrated) as conn:
        conn.execute("delete from workspaces where id = %s", (ws,))


def test_insights_calls_overlap_within_the_llm_limit(migrated, many):
    def materialize(server):
        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("import_batch", [many["batch"]])
        return dg.materialize(
            list(enrich_defs.assets), instance=instance, partition_key=many["batch"],
            resources={"supabase": SupabaseResource(workspace=many["slug"]),
                       "llm": LLMResource(model="openai/test-model", api_base=server.base_url,
                                          api_key=DUMMY_KEY),
                       "research": ResearchResource(), "registries": RegistriesResource()})

    # Each answer takes long enough that worker threads' calls meet at the server.
    with OpenAITestServer(answer=broken_or_insights, latency=0.2) as server:
        result = materialize(server)
        first_requests = server.request_count
        in_flight = server.max_in_flight
        again = materialize(server)
        second_requests = server.request_count - first_requests
    assert result.success and again.success
    assert 1 < in_flight <= 2  # concurrent, and never past GTM_LLM_CONCURRENCY

    meta = {m.event_specific_data.materialization.asset_key.path[-1]:
            m.event_specific_data.materialization.metadata
            for m in result.get_asset_materialization_events()}
    for stage in ("company_insights", "employee_insights"):
        report = meta[stage]["report"].value
        assert report["written"] == 6 and report["rejected_llm_answers"] == 1
        assert report["modes"] == {"llm": 5, "rules": 1}

    broken = many["ids"]["Broken Co AS"]
    with connect(migrated) as conn:
        companies = {r["company_id"]: r for r in conn.execute(
            "select company_id::text as company_id, mode, summary, input_hash"
            " from company_insights where workspace_id = %s", (many["ws"],))}
        people = {r["company_id"]: r for r in conn.execute(
            "select e.company_id::text as company_id, ei.mode, ei.input_hash"
            " from employee_insights ei join employees e on e.id = ei.employee_id"
            " where ei.workspace_id = %s", (many["ws"],))}
    assert set(companies) == set(people) == set(many["ids"].values())
    for company_id, row in companies.items():
        if company_id == broken:
            assert row["mode"] == "rules" and row["input_hash"] is None  # asked again next run
            assert people[company_id]["mode"] == "rules"
        else:
            assert row["mode"] == "llm" and row["input_hash"]
            assert row["summary"] == "A growing software company hiring engineers."
            assert people[company_id]["mode"] == "llm"

    # Second run: the stored answers are cached; only the failed company and its contact are
    # asked again, and the LLM layer's response cache answers those without HTTP.
    again_meta = {m.event_specific_data.materialization.asset_key.path[-1]:
                  m.event_specific_data.materialization.metadata["report"].value
                  for m in again.get_asset_materialization_events()}
    assert again_meta["company_insights"]["cached"] == 5
    assert again_meta["employee_insights"]["cached"] == 5
    assert json.dumps(again_meta["company_insights"]["modes"]) == '{"rules": 1}'
    assert second_requests == 0

"""Per-stage calls, cache hits, latency, tokens and cost of the enrichment DAG.

Every enrichment asset is materialised for one import batch of N generated companies (one
contact each) on a throw-away GTM_HOME with the embedded PostgreSQL, as Dagster runs them:
- the LLM stages (company_insights, employee_insights) through the real path - LLMResource ->
  LLMClient -> litellm -> HTTP - to the OpenAI-compatible test server on loopback answering as
  the insights model (tests/enrich/insights_model.py) after LLM_LATENCY ± LLM_JITTER seconds;
- research_L2 through the real `exa_py.Exa` client to a loopback stand-in for Exa's API
  (tests/enrich/exa_server.py) answering in Exa's response shape after EXA_LATENCY seconds;
- registries off (no network), the other stages offline.
Per stage: entities considered, cached, provider calls and the Dagster step time; for the LLM
stages calls, cache hits, p50/p95 latency, tokens and cost read back from `ai_interactions`
(joined to the asset's `ai_traces` row); for research, calls timed at the client and Exa's own
`costDollars`. Then:
- run 2, same inputs: every stage must be a cache hit, with zero provider calls, zero HTTP
  requests to either server and zero new `ai_interactions` rows;
- run 3, the insights assets with `refresh: true`: the programs run again, and every model call
  is answered by the LLM layer's response cache (logged, `cached`, no HTTP request).
Tokens are the test server's word counts, not a real tokenizer's; `cost_usd_logged` is what
litellm priced (nothing for the test model), `cost_usd_estimate` the tokens at PRICE_PER_M.
Writes benchmarks/results/enrich_stages.json.
Usage: python benchmarks/enrich_stages.py [COMPANIES]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "enrich"))

from benchmarks.enrich_firmographics import generate  # noqa: E402
from benchmarks.machine import machine_info, scratch_home, write_result  # noqa: E402

LLM_LATENCY, LLM_JITTER, EXA_LATENCY = 0.5, 0.2, 0.3
# An assumed list price for a small hosted model (USD per million tokens, input / output).
PRICE_PER_M = {"input": 0.15, "output": 0.60}
POSITIONS = ["CEO", "CTO", "Head of Sales", "VP Marketing", "Software Engineer",
             "Генеральный директор", "Финансовый директор", "Data Analyst"]
LLM_STAGES = ("company_insights", "employee_insights")
EXA_TEMPLATE = ROOT / "tests" / "enrich" / "fixtures" / "exa" / "search_nordlys.no.json"


def exa_answer(body: dict) -> dict:
    """The recorded response rewritten for the requested domain, after EXA_LATENCY."""
    time.sleep(EXA_LATENCY)
    domain = (body.get("includeDomains") or ["unknown.example"])[0]
    return json.loads(EXA_TEMPLATE.read_text(encoding="utf-8").replace("nordlys.no", domain))


def seed(conn, count: int) -> tuple[str, str]:
    from gtm.db.workspaces import ensure_workspace
    from gtm.intake.normalize.countries import to_iso_country

    ws = ensure_workspace(conn, "bench")
    batch = uuid.uuid4().hex[:16]
    conn.execute("insert into import_batches (workspace_id, batch_id, sha256)"
                 " values (%s, %s, %s)", (ws, batch, batch * 4))
    rng = random.Random(11)
    for row in generate(count):
        company = conn.execute(
            "insert into companies (workspace_id, name, website, country, city, industry,"
            " size_employees, batch_id) values (%s, %s, %s, %s, %s, %s, %s, %s)"
            " returning id", (ws, row["name"], row["website"], to_iso_country(row["country"]),
                              row["city"], row["industry"], row["size_employees"], batch)
        ).fetchone()["id"]
        conn.execute("insert into employees (workspace_id, company_id, email, position,"
                     " batch_id) values (%s, %s, %s, %s, %s)",
                     (ws, company, f"p{row['id']}@company{row['id']}.example.com",
                      rng.choice(POSITIONS), batch))
    conn.commit()
    return ws, batch


class Timed:
    """The research provider with each search timed at the client and the searches in flight
    counted (research_L2 runs them concurrently); the cost is what the Exa client parsed from
    the responses (`costDollars.total`), read from the run's provider (`Timed.latest`)."""

    seconds: list[float] = []
    max_in_flight = 0
    latest: Timed | None = None
    _lock = threading.Lock()

    def __init__(self, provider) -> None:
        self.provider, self.name = provider, provider.name
        self.in_flight = 0
        Timed.latest = self

    def search(self, query, **kwargs):
        with Timed._lock:
            self.in_flight += 1
            Timed.max_in_flight = max(Timed.max_in_flight, self.in_flight)
        started = time.perf_counter()
        try:
            return self.provider.search(query, **kwargs)
        finally:
            with Timed._lock:
                self.in_flight -= 1
                Timed.seconds.append(time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1) \
        if len(values) > 1 else round(values[0], 1)


def llm_calls(conn, ws: str, run_id: str) -> dict:
    """Per LLM stage, from `ai_interactions` under the run's traces."""
    rows = conn.execute(
        "select t.name, i.cached, i.error_code, i.latency_ms, i.tokens_in, i.tokens_out,"
        " i.cost_usd from ai_interactions i join ai_traces t on t.workspace_id = i.workspace_id"
        " and t.trace_id = i.trace_id where i.workspace_id = %s and t.run_id = %s",
        (ws, run_id)).fetchall()
    out = {}
    for stage in LLM_STAGES:
        mine = [r for r in rows if r["name"] == stage]
        live = [r for r in mine if not r["cached"]]
        tokens_in = sum(r["tokens_in"] or 0 for r in mine)
        tokens_out = sum(r["tokens_out"] or 0 for r in mine)
        out[stage] = {
            "calls": len(mine), "cached": len(mine) - len(live),
            "errors": sum(r["error_code"] is not None for r in mine),
            "latency_ms_p50": percentile([r["latency_ms"] for r in live], 50),
            "latency_ms_p95": percentile([r["latency_ms"] for r in live], 95),
            "cached_latency_ms_p50": percentile(
                [r["latency_ms"] for r in mine if r["cached"]], 50),
            "tokens_in": tokens_in, "tokens_out": tokens_out,
            "cost_usd_logged": float(sum(r["cost_usd"] or 0 for r in mine)),
            "cost_usd_estimate": round((tokens_in * PRICE_PER_M["input"]
                                        + tokens_out * PRICE_PER_M["output"]) / 1e6, 6)}
    return out


def materialize(assets, instance, batch, resources, run_config=None):
    import dagster as dg

    result = dg.materialize(assets, instance=instance, partition_key=batch,
                            resources=resources, run_config=run_config)
    assert result.success
    stages = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        report = materialization.metadata["report"].value
        stages[materialization.asset_key.path[-1]] = report
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            stages[event.step_key]["step_seconds"] = round(
                event.event_specific_data.duration_ms / 1000, 3)
    return result.run_id, stages


def summarise(stages: dict) -> dict:
    """The comparable counts of every stage report (firmographics has one per entity)."""
    out = {}
    for name, report in stages.items():
        parts = {"companies": report["companies"], "employees": report["employees"]} \
            if name == "firmographics" else {"": report}
        row = {"step_seconds": report.get("step_seconds")}
        for prefix, part in parts.items():
            for key in ("considered", "cached", "ok", "skipped", "errors", "provider_calls",
                        "written", "modes", "rejected_llm_answers"):
                if key in part:
                    row[f"{prefix}_{key}" if prefix else key] = part[key]
        out[name] = row
    return out


def run(count: int) -> dict:
    home = scratch_home("gtm-bench-enrich-stages-", "GTM_LLM_MODEL", "EXA_API_KEY")
    os.environ["GTM_PATHS_CACHE"] = str(home / "cache")
    import dagster as dg
    from exa_server import ExaTestServer
    from insights_model import insights_answer
    from support.openai_server import DUMMY_KEY, OpenAITestServer

    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm_assets.enrich.definitions import defs
    from gtm_resources import SupabaseResource
    from gtm_resources.llm import LLMResource
    from gtm_resources.research import RegistriesResource, ResearchResource

    class TimedResearch(ResearchResource):
        def provider(self):
            return Timed(super().provider())

    try:
        with connect(autocommit=True) as conn:
            migrate(conn)
        with connect() as conn:
            ws, batch = seed(conn, count)
        llm = OpenAITestServer(answer=insights_answer, latency=LLM_LATENCY,
                               jitter=LLM_JITTER).start()
        exa = ExaTestServer(respond=exa_answer).start()
        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("import_batch", [batch])
        resources = {"supabase": SupabaseResource(workspace="bench"),
                     "llm": LLMResource(model="openai/test-model", api_base=llm.base_url,
                                        api_key=DUMMY_KEY),
                     "research": TimedResearch(api_key="bench-key", exa_base_url=exa.base_url),
                     "registries": RegistriesResource()}
        assets = list(defs.assets)
        runs = {}
        for label in ("first", "second"):
            http_before = (llm.request_count, len(exa.requests))
            Timed.seconds, Timed.max_in_flight, Timed.latest = [], 0, None
            started = time.perf_counter()
            run_id, stages = materialize(assets, instance, batch, resources)
            seconds = time.perf_counter() - started
            with connect() as conn:
                calls = llm_calls(conn, ws, run_id)
            exa_served = exa.requests[http_before[1]:]
            runs[label] = {
                "wall_seconds": round(seconds, 2), "stages": summarise(stages),
                "llm": calls,
                "research_exa": {
                    "calls": len(exa_served),
                    "latency_ms_p50": percentile([s * 1000 for s in Timed.seconds], 50),
                    "latency_ms_p95": percentile([s * 1000 for s in Timed.seconds], 95),
                    "max_in_flight": Timed.max_in_flight,
                    "cost_usd_reported_by_exa": round(Timed.latest.provider.cost_usd, 4)},
                "http_requests": {"llm_server": llm.request_count - http_before[0],
                                  "exa_server": len(exa_served)},
            }
            if label == "first":  # the server's high-water mark; later runs send no requests
                runs[label]["llm_server_max_in_flight"] = llm.max_in_flight
        insights = [a for a in assets if a.key.path[-1] in LLM_STAGES]
        http_before = llm.request_count
        refresh = {"ops": {name: {"config": {"refresh": True}} for name in LLM_STAGES}}
        run_id, stages = materialize(insights, instance, batch, resources, refresh)
        with connect() as conn:
            runs["third_refresh_insights"] = {
                "stages": summarise(stages), "llm": llm_calls(conn, ws, run_id),
                "http_requests": {"llm_server": llm.request_count - http_before}}
        llm.stop()
        exa.stop()
    finally:
        stop(home / "pg")
    second = runs["second"]
    provider_calls = sum(v.get("provider_calls", 0) + v.get("companies_provider_calls", 0)
                         + v.get("employees_provider_calls", 0)
                         for v in second["stages"].values())
    return {"runs": runs, "second_run_zero_provider_calls":
            provider_calls == 0 and second["http_requests"] == {"llm_server": 0,
                                                                "exa_server": 0}
            and all(v["calls"] == 0 for v in second["llm"].values())}


def main(count: int) -> dict:
    from gtm.enrich.research import WORKERS as RESEARCH_WORKERS
    from gtm.settings import load_settings

    result = {"benchmark": "enrich_stages", "machine": machine_info(), "companies": count,
              "employees": count, "llm_server_latency_s": LLM_LATENCY,
              "llm_server_jitter_s": LLM_JITTER, "exa_server_latency_s": EXA_LATENCY,
              "price_per_million_tokens_assumed": PRICE_PER_M,
              "load_average_1m_at_start": round(os.getloadavg()[0], 2), **run(count),
              # Read after run() has pointed GTM_HOME at its throw-away home.
              "llm_concurrency": load_settings().llm_concurrency,
              "research_workers": RESEARCH_WORKERS,
              "load_average_1m_at_end": round(os.getloadavg()[0], 2)}
    write_result("enrich_stages", result)
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)

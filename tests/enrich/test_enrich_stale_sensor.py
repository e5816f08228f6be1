"""The stale-results sensor against the real database: results whose freshness ran out (moved
back in time here) produce one run request per batch, limited to those companies, with a run
key that repeats while the stale set is the same; running the request makes them fresh and the
sensor goes quiet."""

import uuid

import dagster as dg
import pytest
from batches import add_batch

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.enrich.pipeline import run_enrichment
from gtm_assets.enrich.definitions import defs as enrich_defs
from gtm_assets.enrich.sensors import ENRICH_ASSETS, stale_enrichment_sensor
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource
from gtm_resources.research import RegistriesResource, ResearchResource


@pytest.fixture
def enriched(migrated):
    """Two batches of two companies each, every stage run once (offline)."""
    slug = f"enrich-stale-{uuid.uuid4().hex[:8]}"
    batches = [uuid.uuid4().hex[:16] for _ in range(2)]
    with connect(migrated) as conn:
        ws = ensure_workspace(conn, slug)
        companies = {}
        for batch in batches:
            add_batch(conn, ws, batch)
            for i in range(2):
                company = conn.execute(
                    "insert into companies (workspace_id, name, website, country, industry,"
                    " size_employees, batch_id) values (%s, %s, %s, 'NO', 'SaaS', 40, %s)"
                    " returning id::text as id",
                    (ws, f"Firma {batch[:4]} {i}", f"https://f{i}-{batch}.no", batch)
                ).fetchone()["id"]
                conn.execute("insert into employees (workspace_id, company_id, email, position,"
                             " batch_id) values (%s, %s, %s, 'CTO', %s)",
                             (ws, company, f"cto@f{i}-{batch}.no", batch))
                companies[(batch, i)] = company
        run_enrichment(conn, ws)
    yield {"slug": slug, "ws": ws, "batches": batches, "companies": companies}
    with connect(migrated) as conn:
        conn.execute("delete from workspaces where id = %s", (ws,))


def age(migrated, ws: str, entity_id: str, stage: str, days: int = 400) -> None:
    """Move a result's retrieval (and so its expiry) `days` into the past."""
    with connect(migrated) as conn:
        conn.execute(
            "update enrichment_results set fetched_at = fetched_at - make_interval(days => %s),"
            " expires_at = expires_at - make_interval(days => %s)"
            " where workspace_id = %s and entity_id = %s and stage = %s",
            (days, days, ws, entity_id, stage))


def evaluate(instance: dg.DagsterInstance, slug: str):
    context = dg.build_sensor_context(instance=instance,
                                      resources={"supabase": SupabaseResource(workspace=slug)})
    return stale_enrichment_sensor(context)


def test_stale_results_launch_one_deduplicated_run_per_batch(migrated, enriched):
    instance = dg.DagsterInstance.ephemeral()
    slug, ws = enriched["slug"], enriched["ws"]
    first, second = enriched["batches"]
    assert isinstance(evaluate(instance, slug), dg.SkipReason)  # all fresh after the first run

    stale_company = enriched["companies"][(first, 1)]
    age(migrated, ws, stale_company, "firmographics")
    with connect(migrated) as conn:
        employee = conn.execute("select id::text as id from employees where company_id = %s",
                                (enriched["companies"][(second, 0)],)).fetchone()["id"]
    age(migrated, ws, employee, "person_enrichment")

    result = evaluate(instance, slug)
    requests = {r.partition_key: r for r in result.run_requests}
    assert set(requests) == {first, second}
    assert requests[first].run_config == {"ops": {
        a.key.path[-1]: {"config": {"company_ids": [stale_company]}} for a in ENRICH_ASSETS}}
    assert requests[second].run_config["ops"]["person_enrichment"]["config"] == \
        {"company_ids": [enriched["companies"][(second, 0)]]}
    # Neither batch had a partition yet (seeded straight into the database): the sensor adds them.
    assert sorted(result.dynamic_partitions_requests[0].partition_keys) == sorted([first, second])

    again = evaluate(instance, slug)
    assert {r.partition_key: r.run_key for r in again.run_requests} == \
        {k: r.run_key for k, r in requests.items()}
    age(migrated, ws, enriched["companies"][(first, 0)], "triage_L1")  # never expires: ttl none
    age(migrated, ws, enriched["companies"][(first, 0)], "research_L2")  # 14 days: stale now
    grown = {r.partition_key: r for r in evaluate(instance, slug).run_requests}
    assert grown[first].run_key != requests[first].run_key  # a new stale set, a new run
    assert grown[second].run_key == requests[second].run_key
    assert sorted(grown[first].run_config["ops"]["research_L2"]["config"]["company_ids"]) == \
        sorted([stale_company, enriched["companies"][(first, 0)]])

    # Running the requests refreshes exactly those records; then nothing is stale.
    instance.add_dynamic_partitions("import_batch", [first, second])
    resources = {"supabase": SupabaseResource(workspace=slug), "llm": LLMResource(),
                 "research": ResearchResource(), "registries": RegistriesResource()}
    for request in grown.values():
        run = dg.materialize(list(enrich_defs.assets), instance=instance,
                             partition_key=request.partition_key,
                             run_config=request.run_config, resources=resources)
        assert run.success
        firmographics = next(
            e.event_specific_data.materialization.metadata for e in
            run.get_asset_materialization_events()
            if e.event_specific_data.materialization.asset_key.path[-1] == "firmographics")
        selected = request.run_config["ops"]["firmographics"]["config"]["company_ids"]
        # Only the selected companies were considered, not the whole batch of two.
        assert firmographics["companies_considered"].value == len(selected)
    assert sorted(len(r.run_config["ops"]["firmographics"]["config"]["company_ids"])
                  for r in grown.values()) == [1, 2]
    assert isinstance(evaluate(instance, slug), dg.SkipReason)


def test_errors_are_retried_after_a_pause_and_given_up_after_max_attempts(migrated, enriched):
    instance = dg.DagsterInstance.ephemeral()
    slug, ws = enriched["slug"], enriched["ws"]
    company = enriched["companies"][(enriched["batches"][0], 0)]
    with connect(migrated) as conn:
        conn.execute("update enrichment_results set status = 'error', expires_at = fetched_at,"
                     " attempts = 2 where workspace_id = %s and entity_id = %s"
                     " and stage = 'registry_checks'", (ws, company))
    assert isinstance(evaluate(instance, slug), dg.SkipReason)  # failed just now: wait
    age(migrated, ws, company, "registry_checks", days=1)
    assert [r.run_config["ops"]["registry_checks"]["config"]["company_ids"]
            for r in evaluate(instance, slug).run_requests] == [[company]]
    with connect(migrated) as conn:
        conn.execute("update enrichment_results set attempts = 5 where workspace_id = %s"
                     " and entity_id = %s and stage = 'registry_checks'", (ws, company))
    assert isinstance(evaluate(instance, slug), dg.SkipReason)

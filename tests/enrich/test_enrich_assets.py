"""The enrichment assets materialise for an import_batch partition, offline, with counts in
their metadata and research reported as skipped."""

import uuid

import dagster as dg
from batches import add_batch

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm_assets.enrich.definitions import defs as enrich_defs
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource
from gtm_resources.research import RegistriesResource, ResearchResource


def test_enrich_assets_run_for_a_batch(migrated):
    slug, batch = f"enrich-dg-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:16]
    with connect(migrated) as conn:
        ws = ensure_workspace(conn, slug)
        add_batch(conn, ws, batch)
        company = conn.execute(
            "insert into companies (workspace_id, name, website, country, industry,"
            " size_employees, batch_id) values (%s, 'Nordlys AS', 'https://nordlys.no', 'NO',"
            " 'SaaS', 40, %s) returning id", (ws, batch)).fetchone()["id"]
        conn.execute("insert into employees (workspace_id, company_id, email, position, batch_id)"
                     " values (%s, %s, 'cto@nordlys.no', 'CTO', %s)", (ws, company, batch))
    try:
        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("import_batch", [batch])
        result = dg.materialize(
            list(enrich_defs.assets), instance=instance, partition_key=batch,
            resources={"supabase": SupabaseResource(workspace=slug), "llm": LLMResource(),
                       "research": ResearchResource(), "registries": RegistriesResource()})
        assert result.success
        materializations = [e.event_specific_data.materialization
                            for e in result.get_asset_materialization_events()]
        meta = {m.asset_key.path[-1]: m.metadata for m in materializations}
        assert meta["firmographics"]["companies_ok"].value == 1
        assert meta["firmographics"]["employees_ok"].value == 1
        assert meta["research_L2"]["message"].value == "research skipped: no key"
        assert meta["company_insights"]["mode"].value == "rules"
        assert meta["employee_insights"]["written"].value == 1
        assert meta["person_enrichment"]["ok"].value == 1
        checks = result.get_asset_check_evaluations()
        assert [(c.check_name, c.passed) for c in checks] == [("stage_error_rate", True)]
        assert meta["enrichment_qc"]["firmographics_coverage"].value == 1.0
        with connect(migrated) as conn:
            row = conn.execute("select mode, summary from company_insights where company_id = %s",
                               (company,)).fetchone()
            assert row["mode"] == "rules" and "Nordlys" in row["summary"]
    finally:
        with connect(migrated) as conn:
            conn.execute("delete from workspaces where id = %s", (ws,))

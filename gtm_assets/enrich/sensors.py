"""`stale_enrichment_sensor`: re-runs enrichment for the records whose results went stale."""

from datetime import UTC, datetime

import dagster as dg

from gtm.enrich.stale import stale_batches
from gtm_assets.enrich.assets import (
    company_insights,
    employee_insights,
    enrichment_qc,
    firmographics,
    person_enrichment,
    registry_checks,
    research_L2,
    signals,
    triage_L1,
)
from gtm_assets.intake.partitions import import_batch_partitions
from gtm_resources import SupabaseResource

ENRICH_ASSETS = [firmographics, triage_L1, registry_checks, research_L2, signals,
                 person_enrichment, company_insights, employee_insights, enrichment_qc]

enrich_stale_job = dg.define_asset_job(
    "enrich_stale_records", selection=dg.AssetSelection.assets(*ENRICH_ASSETS),
    partitions_def=import_batch_partitions,
    description="Every enrichment stage for a selection of companies of one import batch; "
                "only their stale (or changed) results do work, the rest are cache hits.")


def stale_run_config(company_ids: list[str]) -> dict:
    """Every enrichment asset limited to these companies (`EnrichConfig.company_ids`)."""
    return {"ops": {asset.key.path[-1]: {"config": {"company_ids": company_ids}}
                    for asset in ENRICH_ASSETS}}


# Stopped by default: a stale research or registry result re-fetched is a paid or rate-limited
# call, so refreshing on a timer is a choice to make in the UI (or `dagster sensor start`).
@dg.sensor(job=enrich_stale_job, minimum_interval_seconds=15 * 60,
           default_status=dg.DefaultSensorStatus.STOPPED)
def stale_enrichment_sensor(context: dg.SensorEvaluationContext,
                            supabase: SupabaseResource) -> dg.SensorResult | dg.SkipReason:
    """One run per import batch with stale records, limited to those companies. The run key is
    a hash of the stale rows (entity, stage, fetched_at), so the same stale set never launches
    twice; once the run has refreshed them the rows change and nothing is stale."""
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
        batches = stale_batches(conn, workspace_id, datetime.now(UTC))
    if not batches:
        return dg.SkipReason("no stale enrichment results")
    known = set(context.instance.get_dynamic_partitions(import_batch_partitions.name))
    missing = [b.batch for b in batches if b.batch not in known]
    if missing:
        # A batch imported outside Dagster (e.g. straight by the CLI) has no partition yet.
        context.log.info(f"adding import_batch partitions: {missing}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=b.run_key(), partition_key=b.batch,
                                    run_config=stale_run_config(b.company_ids),
                                    tags={"gtm/stale_companies": str(len(b.company_ids)),
                                          "gtm/stale_results": str(len(b.rows))})
                      for b in batches],
        dynamic_partitions_requests=[import_batch_partitions.build_add_request(missing)]
        if missing else [])

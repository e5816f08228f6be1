"""`csv_inbox_sensor`: a new CSV in the inbox becomes a partition and a run."""

import dagster as dg

from gtm.intake.batches import batch_key
from gtm.intake.inbox import scan_inbox
from gtm.intake.staging import AUTO
from gtm.settings import load_settings
from gtm_assets.intake.partitions import import_batch_partitions

intake_job = dg.define_asset_job(
    "import_csv", selection=dg.AssetSelection.groups("intake"),
    partitions_def=import_batch_partitions,
)


@dg.sensor(job=intake_job, minimum_interval_seconds=15,
           default_status=dg.DefaultSensorStatus.RUNNING)
def csv_inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Imports each new file dropped in the inbox once: the run key is the file's sha256."""
    files, cursor = scan_inbox(load_settings().inbox_dir, context.cursor)
    requests = [
        dg.RunRequest(
            run_key=f.sha256,
            partition_key=batch_key(f.sha256),
            run_config={
                "ops": {"staged_contacts": {"config": {"path": str(f.path), "kind": AUTO}}}
            },
            tags={"gtm/file": f.path.name, "gtm/trigger": "inbox"},
        )
        for f in files
    ]
    return dg.SensorResult(
        run_requests=requests,
        cursor=cursor,
        dynamic_partitions_requests=[
            import_batch_partitions.build_add_request(sorted({r.partition_key for r in requests}))
        ] if requests else [],
    )

"""Sending assets: thin wrappers over `gtm.sending`."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from gtm.sending.dispatch import dispatch_due
from gtm.sending.outbox import queue_campaign
from gtm.sending.store import day_summary
from gtm_assets.campaigns.partitions import campaign_partitions
from gtm_assets.sending.partitions import daily_partitions
from gtm_resources import SupabaseResource
from gtm_resources.senders import SenderResource


class DispatchConfig(dg.Config):
    horizon_seconds: float | None = None  # default: GTM_SENDING_HORIZON_SECONDS


@dg.asset(partitions_def=campaign_partitions, group_name="sending", kinds={"postgres"},
          deps=["campaign_audience"])
def outbox(context: dg.AssetExecutionContext, supabase: SupabaseResource) -> dg.MaterializeResult:
    """The campaign's approved drafts queued as outbox messages (pre-flight checked, slotted).

    Idempotent: a draft already in the outbox is left as it is.
    """
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
        name = conn.execute("select name from campaigns where id = %s",
                            (context.partition_key,)).fetchone()["name"]
        report = queue_campaign(conn, workspace_id, name, supabase.settings())
    return dg.MaterializeResult(metadata={
        "campaign": name, "queued": report.queued,
        "already_in_outbox": report.already_in_outbox,
        "blocked": dg.MetadataValue.json(report.blocked),
        "first_slot": str(report.first_slot), "last_slot": str(report.last_slot),
    })


# Every campaign's outbox feeds every day's sends.
@dg.asset(partitions_def=daily_partitions, group_name="sending", kinds={"postgres", "email"},
          deps=[dg.AssetDep(outbox, partition_mapping=dg.AllPartitionMapping())])
def sends(context: dg.AssetExecutionContext, config: DispatchConfig, supabase: SupabaseResource,
          senders: SenderResource) -> dg.MaterializeResult:
    """One dispatch tick: due messages sent within windows and caps, outcomes recorded.

    Only today's (UTC) partition sends; materialising a past day just reports it, so a backfill
    can never mail anyone.
    """
    settings = supabase.settings()
    day = datetime.strptime(context.partition_key, "%Y-%m-%d").replace(tzinfo=UTC)
    metadata: dict = {}
    if day.date() == datetime.now(UTC).date():
        report = dispatch_due(supabase.connect, settings, adapters=senders.adapters(settings),
                              horizon_seconds=config.horizon_seconds)
        metadata = {k: dg.MetadataValue.json(v) if isinstance(v, dict | list) else v
                    for k, v in report.to_json().items()}
    with supabase.connect() as conn:
        summary = day_summary(conn, supabase.workspace_id(conn), day, day + timedelta(days=1))
    return dg.MaterializeResult(metadata={
        **metadata, "sent_that_day": summary["sent_in_period"],
        "outbox": dg.MetadataValue.json(summary["outbox"])})

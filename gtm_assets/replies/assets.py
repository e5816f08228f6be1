"""Reply assets: thin wrappers over `gtm.replies`; the work and its rules live there."""

from datetime import date

import dagster as dg

from gtm.replies.metrics import summarize, write_daily_metrics
from gtm.replies.service import collect, process
from gtm_assets.replies.partitions import daily_partitions
from gtm_resources import SupabaseResource
from gtm_resources.mailbox import MailboxResource


@dg.asset(partitions_def=daily_partitions, group_name="replies", kinds={"postgres"})
def inbound_mail(context: dg.AssetExecutionContext, supabase: SupabaseResource,
                 mailbox: MailboxResource) -> dg.MaterializeResult:
    """New messages from the reply mailbox (IMAP by UID / Maildir by key), stored raw."""
    report = collect(supabase.settings(), mailbox.mailbox())
    return dg.MaterializeResult(metadata={
        "fetched": report.fetched, "stored": report.stored, "duplicates": report.duplicates,
        "folders": dg.MetadataValue.json(report.folders)})


@dg.asset(partitions_def=daily_partitions, group_name="replies", deps=[inbound_mail],
          kinds={"postgres"})
def reply_events(context: dg.AssetExecutionContext,
                 supabase: SupabaseResource) -> dg.MaterializeResult:
    """Stored messages matched to our outbox, classified, with flags, stops and suppressions."""
    report = process(supabase.settings(), session_key=context.run_id)
    return dg.MaterializeResult(metadata={
        "processed": report.processed, "matched": report.matched,
        "own_messages": report.own_messages, "stopped_members": report.stopped_members,
        "suppressed": len(report.suppressed), "labels": dg.MetadataValue.json(report.labels),
        "sources": dg.MetadataValue.json(report.sources)})


@dg.asset(partitions_def=daily_partitions, group_name="replies", deps=[reply_events],
          kinds={"postgres"})
def campaign_metrics(context: dg.AssetExecutionContext,
                     supabase: SupabaseResource) -> dg.MaterializeResult:
    """Outcomes of the messages sent on the partition's day, by campaign/sender/angle."""
    day = date.fromisoformat(context.partition_key)
    with supabase.connect() as conn:
        rows = write_daily_metrics(conn, supabase.workspace_id(conn), day)
    totals = summarize(rows, "campaign")
    return dg.MaterializeResult(metadata={
        "rows": len(rows), "sent": sum(r["sent"] for r in rows),
        "replied": sum(r["replied"] for r in rows),
        "by_campaign": dg.MetadataValue.json(totals)})

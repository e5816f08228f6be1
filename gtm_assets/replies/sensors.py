"""`reply_sensor`: new mail in the reply mailbox becomes a run of inbound_mail -> reply_events;
`campaign_metrics_schedule` recomputes the recent send-day cohorts once a day."""

import hashlib
from datetime import UTC, datetime, timedelta

import dagster as dg

from gtm_assets.replies.partitions import daily_partitions
from gtm_resources.mailbox import MailboxResource

reply_job = dg.define_asset_job("collect_replies", selection=["inbound_mail", "reply_events"],
                                partitions_def=daily_partitions)
metrics_job = dg.define_asset_job("campaign_metrics_job", selection=["campaign_metrics"],
                                  partitions_def=daily_partitions)
# Replies keep arriving for days after a send: the last week's cohorts are recomputed.
METRICS_DAYS = 7


@dg.sensor(job=reply_job, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING)
def reply_sensor(context: dg.SensorEvaluationContext,
                 mailbox: MailboxResource) -> dg.SensorResult | dg.SkipReason:
    """The cursor is the mailbox's state fingerprint (IMAP UIDVALIDITY/UIDNEXT per folder,
    Maildir new/ and cur/ times): unchanged means nothing new, so no run."""
    source = mailbox.mailbox()
    try:
        token = source.poll_token()
    finally:
        source.close()
    if token == context.cursor:
        return dg.SkipReason("no new mail")
    today = datetime.now(UTC).date().isoformat()
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=hashlib.sha256(token.encode()).hexdigest()[:32],
                                    partition_key=today, tags={"gtm/trigger": "reply_sensor"})],
        cursor=token)


@dg.schedule(job=metrics_job, cron_schedule="30 1 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def campaign_metrics_schedule(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    for offset in range(1, METRICS_DAYS + 1):
        key = (day - timedelta(days=offset)).isoformat()
        yield dg.RunRequest(run_key=f"{day.isoformat()}:{key}", partition_key=key)

"""The dispatch schedule: a `sends` run for today's partition every five minutes."""

import dagster as dg

from gtm.sending.scheduling import senders_with_work
from gtm_assets.sending.assets import sends
from gtm_assets.sending.partitions import daily_partitions
from gtm_resources import SupabaseResource

dispatch_job = dg.define_asset_job("dispatch_sends", selection=[sends],
                                   partitions_def=daily_partitions)


@dg.schedule(cron_schedule="*/5 * * * *", job=dispatch_job, execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def dispatch_schedule(context: dg.ScheduleEvaluationContext,
                      supabase: SupabaseResource) -> dg.RunRequest | dg.SkipReason:
    """Each tick sends what fell due. Running by default is safe: only campaigns in `sending`
    are touched, and a tick with nothing to look at is skipped rather than run. Ticks never
    overlap on a mailbox (the dispatcher locks it)."""
    with supabase.connect() as conn:
        if not senders_with_work(conn, supabase.workspace_id(conn)):
            return dg.SkipReason("no queued message of a sending campaign, no reservation")
    tick = context.scheduled_execution_time
    return dg.RunRequest(run_key=tick.isoformat(), partition_key=tick.strftime("%Y-%m-%d"),
                         tags={"gtm/trigger": "schedule"})

import dagster as dg

from gtm_assets.replies.assets import campaign_metrics, inbound_mail, reply_events
from gtm_assets.replies.sensors import (
    campaign_metrics_schedule,
    metrics_job,
    reply_job,
    reply_sensor,
)
from gtm_resources.mailbox import mailbox_resource_from_env

defs = dg.Definitions(
    assets=[inbound_mail, reply_events, campaign_metrics],
    jobs=[reply_job, metrics_job],
    sensors=[reply_sensor],
    schedules=[campaign_metrics_schedule],
    resources={"mailbox": mailbox_resource_from_env()},
)

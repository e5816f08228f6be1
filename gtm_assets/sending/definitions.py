import dagster as dg

from gtm_assets.sending.assets import outbox, sends
from gtm_assets.sending.checks import bounce_rate_below_limit
from gtm_assets.sending.schedules import dispatch_job, dispatch_schedule
from gtm_resources.senders import sender_resource_from_env

defs = dg.Definitions(
    assets=[outbox, sends], asset_checks=[bounce_rate_below_limit], jobs=[dispatch_job],
    schedules=[dispatch_schedule], resources={"senders": sender_resource_from_env()},
)

import dagster as dg

from gtm_assets.scoring.assets import contact_scores, icp_profile
from gtm_assets.scoring.sensors import icp_change_sensor

# Running by default, so `gtm up` re-scores after an ICP change or an import without anyone
# turning a sensor on; scoped to this domain so other domains keep their own sensors.
scoring_automation_sensor = dg.AutomationConditionSensorDefinition(
    "scoring_automation", target=dg.AssetSelection.groups("scoring"),
    default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30,
)

defs = dg.Definitions(
    assets=[icp_profile, contact_scores],
    sensors=[icp_change_sensor, scoring_automation_sensor],
)

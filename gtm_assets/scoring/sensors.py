"""`icp_change_sensor`: an ICP stored anywhere becomes an `icp_profile` observation, once."""

import dagster as dg

from gtm_assets.scoring.assets import ICP_PROFILE, NO_ICP, read_icp_observation
from gtm_resources import SupabaseResource

# Dagster's tag for the data version an observation reports (what ObserveResult writes).
DATA_VERSION_TAG = "dagster/data_version"


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def icp_change_sensor(context: dg.SensorEvaluationContext,
                      supabase: SupabaseResource) -> dg.SensorResult | dg.SkipReason:
    """Reports an observation of `icp_profile` when the active ICP's hash differs from the last
    one observed. Every observation counts as an update for the eager `contact_scores`, so this
    reports changes only, rather than observing on a schedule (a run a minute, a re-score each)."""
    data_version, metadata = read_icp_observation(supabase)
    if data_version == NO_ICP:
        return dg.SkipReason("no active ICP yet")
    if data_version == last_observed_version(context.instance):
        return dg.SkipReason(f"ICP unchanged ({data_version[:12]})")
    return dg.SensorResult(asset_events=[dg.AssetObservation(
        asset_key=ICP_PROFILE, tags={DATA_VERSION_TAG: data_version}, metadata=metadata)])


def last_observed_version(instance: dg.DagsterInstance) -> str | None:
    records = instance.fetch_observations(ICP_PROFILE, limit=1).records
    return records[0].asset_observation.tags.get(DATA_VERSION_TAG) if records else None

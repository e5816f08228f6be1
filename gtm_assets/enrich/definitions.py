import dagster as dg

from gtm_assets.enrich.sensors import ENRICH_ASSETS, enrich_stale_job, stale_enrichment_sensor
from gtm_resources.research import registries_resource_from_env, research_resource_from_env

defs = dg.Definitions(
    assets=ENRICH_ASSETS,
    jobs=[enrich_stale_job],
    sensors=[stale_enrichment_sensor],
    resources={"research": research_resource_from_env(),
               "registries": registries_resource_from_env()},
)

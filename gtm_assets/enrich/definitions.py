import dagster as dg

from gtm_assets.enrich.assets import (
    company_insights,
    employee_insights,
    enrichment_qc,
    firmographics,
    person_enrichment,
    registry_checks,
    research_L2,
    signals,
    triage_L1,
)
from gtm_resources.research import registries_resource_from_env, research_resource_from_env

defs = dg.Definitions(
    assets=[firmographics, triage_L1, registry_checks, research_L2, signals, person_enrichment,
            company_insights, employee_insights, enrichment_qc],
    resources={"research": research_resource_from_env(),
               "registries": registries_resource_from_env()},
)

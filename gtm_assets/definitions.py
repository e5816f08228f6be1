"""The code location: merges each domain's definitions and binds the shared resources."""

import dagster as dg

from gtm_assets.campaigns.definitions import defs as campaign_defs
from gtm_assets.drafting.definitions import defs as drafting_defs
from gtm_assets.enrich.definitions import defs as enrich_defs
from gtm_assets.intake.definitions import defs as intake_defs
from gtm_assets.platform.definitions import defs as platform_defs
from gtm_assets.replies.definitions import defs as replies_defs
from gtm_assets.scoring.definitions import defs as scoring_defs
from gtm_assets.sending.definitions import defs as sending_defs
from gtm_resources.llm import llm_resource_from_env
from gtm_resources.supabase import supabase_resource_from_env

defs = dg.Definitions.merge(
    platform_defs,
    intake_defs,
    enrich_defs,
    scoring_defs,
    campaign_defs,
    drafting_defs,
    sending_defs,
    replies_defs,
    dg.Definitions(resources={"supabase": supabase_resource_from_env(),
                             "llm": llm_resource_from_env()}),
)

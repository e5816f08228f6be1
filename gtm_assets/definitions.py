"""The code location: merges each domain's definitions and binds the shared resources."""

import dagster as dg

from gtm_assets.intake.definitions import defs as intake_defs
from gtm_assets.platform.definitions import defs as platform_defs
from gtm_resources.supabase import supabase_resource_from_env

defs = dg.Definitions.merge(
    platform_defs,
    intake_defs,
    dg.Definitions(resources={"supabase": supabase_resource_from_env()}),
)

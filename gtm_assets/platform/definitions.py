import dagster as dg

from gtm_assets.platform.assets import database_schema, every_table_has_rls

defs = dg.Definitions(assets=[database_schema], asset_checks=[every_table_has_rls])

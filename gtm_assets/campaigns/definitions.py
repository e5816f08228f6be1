import dagster as dg

from gtm_assets.campaigns.assets import campaign_audience

defs = dg.Definitions(assets=[campaign_audience])

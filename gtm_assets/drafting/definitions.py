import dagster as dg

from gtm_assets.drafting.assets import draft_judgements, drafts

defs = dg.Definitions(assets=[drafts, draft_judgements])

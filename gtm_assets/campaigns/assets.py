"""Campaign assets: thin wrappers over `gtm.campaigns`."""

import dagster as dg
import polars as pl

from gtm.campaigns.audience import freeze_audience, top_members
from gtm.intake.reports import markdown_table
from gtm_assets.campaigns.partitions import campaign_partitions
from gtm_resources import SupabaseResource


@dg.asset(
    partitions_def=campaign_partitions,
    group_name="campaigns",
    kinds={"postgres"},
    deps=["contact_scores"],
)
def campaign_audience(
    context: dg.AssetExecutionContext, supabase: SupabaseResource
) -> dg.MaterializeResult:
    """The campaign's contacts, frozen once from its segment version and ranked by ICP score.

    Materialising again never changes a frozen audience; it reports it.
    """
    with supabase.connect() as conn:
        report = freeze_audience(conn, supabase.workspace_id(conn), context.partition_key)
        top = top_members(conn, context.partition_key, limit=10)
    return dg.MaterializeResult(
        metadata={
            "campaign": report.campaign,
            "members": report.members,
            "already_frozen": report.already_frozen,
            "excluded": dg.MetadataValue.json(report.excluded),
            "top": dg.MetadataValue.md(
                markdown_table(
                    pl.DataFrame(
                        [
                            (
                                m["rank"],
                                None if m["score"] is None else float(m["score"]),
                                m["email"],
                                m["company"],
                            )
                            for m in top
                        ],
                        schema=["rank", "score", "email", "company"],
                        orient="row",
                    )
                )
            ),
        }
    )

"""`icp_profile` (observed source: the active ICP in Postgres) -> `contact_scores` (eager).

The observation reads the database, not `playbook/icp.toml`: Postgres is the source of truth and
`gtm icp:set FILE` is the one way a file becomes the ICP, so an ICP stored from anywhere (CLI,
web app) moves the data version, and a half-edited file never re-scores anything.
"""

import warnings

import dagster as dg

from gtm.icp import active_icp
from gtm.icp.scoring import ScoringReport, score_contacts
from gtm_resources import SupabaseResource

ICP_PROFILE = dg.AssetKey("icp_profile")
NO_ICP = "none"  # data version of a workspace that has no ICP yet

# eager(), except that an import batch that never landed (a failed file keeps its partition)
# must not block re-scoring forever: "no dependency missing" ignores employees' partitions.
RESCORE_ON_CHANGE = dg.AutomationCondition.eager().replace(
    "any_deps_missing",
    dg.AutomationCondition.any_deps_missing().ignore(dg.AssetSelection.assets("employees")),
)


def read_icp_observation(supabase: SupabaseResource) -> tuple[str, dict]:
    """(data version, metadata) of the active ICP: its content hash, or NO_ICP."""
    with supabase.connect() as conn:
        icp = active_icp(conn, supabase.workspace_id(conn))
    if icp is None:
        return NO_ICP, {"status": "no active ICP: run `gtm icp:set FILE`"}
    return icp.content_hash, {
        "version": icp.version, "name": icp.definition.name,
        "min_score": icp.definition.min_score,
        "weights": dg.MetadataValue.json(icp.definition.criteria_weights()),
        "definition": dg.MetadataValue.json(icp.definition.model_dump(mode="json")),
    }


def _observe_icp(supabase: SupabaseResource) -> dg.ObserveResult:
    """The active ideal customer profile; its data version is the definition's content hash."""
    data_version, metadata = read_icp_observation(supabase)
    return dg.ObserveResult(data_version=dg.DataVersion(data_version), metadata=metadata)


# Observable source assets are "beta" in Dagster 1.13 yet the documented way to give a source a
# data version; unsilenced, the warning would print on every CLI command that loads definitions.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    icp_profile = dg.observable_source_asset(
        key=ICP_PROFILE, group_name="scoring", description=_observe_icp.__doc__)(_observe_icp)


@dg.asset(
    group_name="scoring", kinds={"polars", "postgres"},
    deps=[ICP_PROFILE, dg.AssetDep("employees", partition_mapping=dg.AllPartitionMapping())],
    automation_condition=RESCORE_ON_CHANGE,
)
def contact_scores(supabase: SupabaseResource) -> dg.MaterializeResult:
    """Every contact scored against the active ICP, with reasons; re-runs by itself when the ICP
    changes or an import adds employees. Company insights count where enrichment wrote them."""
    with supabase.connect() as conn:
        report = score_contacts(conn, supabase.workspace_id(conn))
    return dg.MaterializeResult(metadata=report_metadata(report))


def report_metadata(report: ScoringReport) -> dict:
    metadata = {
        "summary": report.summary_line(),
        "contacts": report.contacts, "matches": report.matches, "excluded": report.excluded,
        "written": report.written,
        "distribution": dg.MetadataValue.json(report.distribution),
        "top_reasons": dg.MetadataValue.md(_reasons_table(report)),
        "report": dg.MetadataValue.json(report.to_json()),
    }
    # Left out rather than written as text when unknown, so the UI can plot them over runs.
    for key in ("icp_version", "mean_score"):
        if getattr(report, key) is not None:
            metadata[key] = getattr(report, key)
    return metadata


def _reasons_table(report: ScoringReport) -> str:
    rows = [f"| {r['reason'].replace('|', '/')} | {r['contacts']} |" for r in report.top_reasons]
    return "\n".join(["| reason | contacts |", "|---|---|", *rows])

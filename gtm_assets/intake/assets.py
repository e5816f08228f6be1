"""Intake assets: thin wrappers over `gtm.intake`; the work and its rules live there."""

from pathlib import Path

import dagster as dg
import pandera.errors
from pydantic import Field

from gtm.intake.apply import apply_batch
from gtm.intake.batches import ImportReport, load_report, summary_line
from gtm.intake.mapping_llm import column_mapping_fallback
from gtm.intake.reports import markdown_table
from gtm.intake.schemas import StagedContacts
from gtm.intake.staging import AUTO, StagedBatch, stage_file
from gtm.providers.llm import CallContext
from gtm_assets.intake.partitions import import_batch_partitions
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource


class ImportConfig(dg.Config):
    path: str = Field(description="CSV file to import.")
    kind: str = Field(default=AUTO, description="contacts | companies | employees | auto")
    map: dict[str, str] = Field(default_factory=dict, description="source column -> field")
    force: bool = Field(default=False, description="Re-apply a file that was already imported.")


@dg.asset(
    partitions_def=import_batch_partitions, group_name="intake", kinds={"polars"},
    check_specs=[dg.AssetCheckSpec("staged_contacts_schema", asset="staged_contacts")],
)
def staged_contacts(context: dg.AssetExecutionContext, config: ImportConfig,
                    supabase: SupabaseResource, llm: LLMResource):
    """The file parsed, mapped and normalised; refused rows kept with their reason codes.

    With a model configured, columns no synonym or known format maps are offered to it."""
    path, overrides = Path(config.path), config.map or None
    if llm.mode("column_mapping") != "llm":
        staged = stage_file(path, config.kind, overrides)
    else:
        with llm.trace(supabase, "column_mapping", context=context,
                       batch_id=context.partition_key) as trace:
            fallback = column_mapping_fallback(
                llm.client(), context=CallContext(trace=trace, batch_id=context.partition_key))
            staged = stage_file(path, config.kind, overrides, llm_fallback=fallback)
    staged.forced = config.force
    try:
        StagedContacts.validate(staged.frame, lazy=True)
        failures = None
    except pandera.errors.SchemaErrors as exc:
        failures = str(exc.failure_cases.head(20))
    yield dg.Output(
        staged,
        metadata={
            "file": staged.file_name, "kind": staged.kind, "rows_read": staged.rows_read,
            "accepted": len(staged.frame), "rejected": len(staged.rejects),
            "mapping": dg.MetadataValue.json(staged.mapping.to_json()),
            "preview": dg.MetadataValue.md(_preview(staged)),
        },
    )
    yield dg.AssetCheckResult(check_name="staged_contacts_schema", passed=failures is None,
                              metadata={"failure_cases": failures or ""})


def _preview(staged: StagedBatch) -> str:
    return markdown_table(staged.frame.select(
        "row_number", "company_name", "domain", "first_name", "last_name", "email", "country"
    ).head(10))


@dg.multi_asset(
    specs=[
        dg.AssetSpec("companies", deps=["staged_contacts"], group_name="intake",
                     partitions_def=import_batch_partitions, kinds={"postgres"}),
        dg.AssetSpec("employees", deps=["staged_contacts", "companies"], group_name="intake",
                     partitions_def=import_batch_partitions, kinds={"postgres"}),
    ],
    ins={"staged": dg.AssetIn("staged_contacts")},
)
def companies_and_employees(context: dg.AssetExecutionContext, staged: StagedBatch,
                            supabase: SupabaseResource):
    """Dedupe against the database and write both tables in ONE transaction, so a crash leaves
    the database as it was before the batch (which is why this is one step, two assets)."""
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
        report = apply_batch(conn, workspace_id, staged, session_key=context.run_id,
                             forced=staged.forced)
    for name, counts in (("companies", report.companies), ("employees", report.employees)):
        yield dg.MaterializeResult(asset_key=name, metadata={
            "status": report.status, **{k: v for k, v in vars(counts).items()}})


@dg.asset(partitions_def=import_batch_partitions, group_name="intake", deps=["employees"],
          kinds={"postgres"})
def import_report(context: dg.AssetExecutionContext,
                  supabase: SupabaseResource) -> dg.MaterializeResult:
    """The batch's report as stored in `import_batches`: counts, reasons, mapping."""
    with supabase.connect() as conn:
        report: ImportReport = load_report(conn, supabase.workspace_id(conn), context.partition_key)
    return dg.MaterializeResult(metadata={
        "summary": summary_line(report),
        "rows_read": report.rows_read, "rejected": report.rejected,
        "reasons": dg.MetadataValue.json(report.reasons),
        "report": dg.MetadataValue.json(report.to_json()),
    })

"""Enrichment assets per import batch: thin wrappers over `gtm.enrich.pipeline`."""

import dagster as dg
from pydantic import Field

from gtm.concurrency import workers_for
from gtm.enrich import pipeline
from gtm.enrich.insights_program import (
    CompanyInsightsProgram,
    EmployeeInsightsProgram,
    insights_generator,
)
from gtm_assets.intake.partitions import import_batch_partitions
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource, trace_metadata
from gtm_resources.research import RegistriesResource, ResearchResource


class EnrichConfig(dg.Config):
    refresh: bool = Field(default=False, description="Ignore cached results and re-run.")
    company_ids: list[str] = Field(default_factory=list, description="Only these companies.")


def _flat(report: dict) -> dict:
    """Scalar counts as metadata; nested parts as JSON; the whole report under `report` (what
    `gtm enrich:run` prints)."""
    return {**{k: (v if isinstance(v, int | float | str) or v is None
                   else dg.MetadataValue.json(v)) for k, v in report.items()},
            "report": dg.MetadataValue.json(report)}


def _run(context, supabase: SupabaseResource, config: EnrichConfig, stage, **kwargs) -> dict:
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
        return stage(conn, workspace_id, batch=context.partition_key,
                     company_ids=config.company_ids or None, refresh=config.refresh, **kwargs)


_ASSET = {"partitions_def": import_batch_partitions, "group_name": "enrich"}


@dg.asset(**_ASSET, deps=["companies", "employees"], kinds={"postgres"})
def firmographics(context: dg.AssetExecutionContext, config: EnrichConfig,
                  supabase: SupabaseResource) -> dg.MaterializeResult:
    """Offline facts (domain, legal form, country, size band, industry, seniority/department,
    time zone, language) with provenance, cached by input hash; fills only empty fields."""
    report = _run(context, supabase, config, pipeline.stage_firmographics)
    return dg.MaterializeResult(metadata={
        **{f"companies_{k}": v for k, v in _flat(report["companies"]).items() if k != "report"},
        **{f"employees_{k}": v for k, v in _flat(report["employees"]).items() if k != "report"},
        "report": dg.MetadataValue.json(report)})


@dg.asset(**_ASSET, deps=["firmographics"], kinds={"postgres"})
def triage_L1(context: dg.AssetExecutionContext, config: EnrichConfig,  # noqa: N802
              supabase: SupabaseResource) -> dg.MaterializeResult:
    """Rules fit/priority with reasons; decides who gets L2 research."""
    return dg.MaterializeResult(metadata=_flat(_run(context, supabase, config,
                                                    pipeline.stage_triage)))


@dg.asset(**_ASSET, deps=["triage_L1"], kinds={"postgres"})
def registry_checks(context: dg.AssetExecutionContext, config: EnrichConfig,
                    supabase: SupabaseResource,
                    registries: RegistriesResource) -> dg.MaterializeResult:
    """BRREG (NO) / ARES (CZ) records for companies with a registration number."""
    return dg.MaterializeResult(metadata=_flat(_run(
        context, supabase, config, pipeline.stage_registry_checks,
        clients=registries.clients())))


@dg.asset(**_ASSET, deps=["triage_L1"], kinds={"postgres"})
def research_L2(context: dg.AssetExecutionContext, config: EnrichConfig,  # noqa: N802
                supabase: SupabaseResource, research: ResearchResource) -> dg.MaterializeResult:
    """Web research for triage-selected companies; skipped (and says so) without a key."""
    provider = research.provider()
    report = _run(context, supabase, config, pipeline.stage_research, provider=provider)
    if provider is None:
        context.log.info("research skipped: no key")
    return dg.MaterializeResult(metadata=_flat(report))


@dg.asset(**_ASSET, deps=["registry_checks", "research_L2"], kinds={"postgres"})
def signals(context: dg.AssetExecutionContext, config: EnrichConfig,
            supabase: SupabaseResource) -> dg.MaterializeResult:
    """Dated funding/hiring/leadership/expansion/legal signals with source URLs."""
    return dg.MaterializeResult(metadata=_flat(_run(context, supabase, config,
                                                    pipeline.stage_signals)))


def _insights(context, supabase: SupabaseResource, config: EnrichConfig, llm: LLMResource,
              stage, program) -> dg.MaterializeResult:
    """An insights stage in rules mode, or through `program` on the `research` task inside an
    AI trace named after the asset."""
    if llm.mode("research") != "llm":
        report = _run(context, supabase, config, stage)
        return dg.MaterializeResult(metadata={**_flat(report), "mode": "rules"})
    lm = llm.dspy_lm("research")
    name = context.asset_key.path[-1]
    with llm.trace(supabase, name, context=context, batch_id=context.partition_key) as trace:
        generate = insights_generator(program, lm, trace, context.partition_key)
        settings = llm.settings()
        report = _run(context, supabase, config, stage, generate=generate,
                      model=settings.llm_model, workers=workers_for(settings))
    return dg.MaterializeResult(metadata={**_flat(report), "mode": "llm",
                                          **trace_metadata(trace)})


@dg.asset(**_ASSET, deps=["registry_checks", "research_L2", "signals"], kinds={"postgres"})
def company_insights(context: dg.AssetExecutionContext, config: EnrichConfig,
                     supabase: SupabaseResource, llm: LLMResource) -> dg.MaterializeResult:
    """Summary, fit, pains, triggers, angles, signals: mode='llm' (the typed DSPy program) with
    a model configured, else mode='rules' from structured facts only."""
    return _insights(context, supabase, config, llm, pipeline.stage_company_insights,
                     CompanyInsightsProgram())


@dg.asset(**_ASSET, deps=["triage_L1"], kinds={"postgres"})
def person_enrichment(context: dg.AssetExecutionContext, config: EnrichConfig,
                      supabase: SupabaseResource) -> dg.MaterializeResult:
    """Per contact: role/free/disposable mailbox, email vs company domain, LinkedIn handle."""
    return dg.MaterializeResult(metadata=_flat(_run(context, supabase, config,
                                                    pipeline.stage_person_enrichment)))


@dg.asset(**_ASSET, deps=["company_insights", "person_enrichment"], kinds={"postgres"})
def employee_insights(context: dg.AssetExecutionContext, config: EnrichConfig,
                      supabase: SupabaseResource, llm: LLMResource) -> dg.MaterializeResult:
    """Per-contact role, reach and angles on top of the company's insights: mode='llm' (the
    typed DSPy program) with a model configured, else mode='rules'."""
    return _insights(context, supabase, config, llm, pipeline.stage_employee_insights,
                     EmployeeInsightsProgram())


MAX_ERROR_RATE = 0.10


@dg.asset(**_ASSET, deps=["company_insights", "employee_insights"], kinds={"postgres"},
          check_specs=[dg.AssetCheckSpec("stage_error_rate", asset="enrichment_qc",
                                         description="No stage fails for more than 10 % of "
                                                     "the batch's companies.")])
def enrichment_qc(context: dg.AssetExecutionContext, config: EnrichConfig,
                  supabase: SupabaseResource) -> dg.MaterializeResult:
    """Coverage, per-stage status and stale counts, registry conflicts."""
    report = _run(context, supabase, config, pipeline.stage_qc)
    total = max(report["companies"], 1)
    rates = {stage: round(counts.get("error", 0) / total, 3)
             for stage, counts in report["stages"].items()}
    worst = max(rates.values(), default=0.0)
    return dg.MaterializeResult(metadata=_flat(report), check_results=[dg.AssetCheckResult(
        check_name="stage_error_rate", passed=worst <= MAX_ERROR_RATE,
        severity=dg.AssetCheckSeverity.WARN, metadata={"error_rates": rates})])

"""Drafting assets: thin wrappers over `gtm.drafting.generate` and `gtm.drafting.judging`."""

import dagster as dg
from pydantic import Field

from gtm.drafting.generate import COVERAGE_TARGET, generate_drafts
from gtm.drafting.judging import judge_drafts
from gtm.drafting.runner import report_progress
from gtm.drafting.store import unjudged_drafts, unusable_drafts
from gtm_assets.campaigns.partitions import campaign_partitions
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource, trace_metadata


class DraftsConfig(dg.Config):
    variants: list[str] = Field(default_factory=list, description="Default: every pack variant.")
    limit: int | None = Field(default=None, description="Only the top N members by rank.")
    redo: bool = Field(default=False, description="Rewrite drafts no human has touched yet.")


class JudgementsConfig(dg.Config):
    redo: bool = Field(default=False, description="Judge every draft again.")


@dg.asset(
    partitions_def=campaign_partitions, group_name="campaigns", kinds={"postgres", "dspy"},
    deps=["campaign_audience"],
    check_specs=[dg.AssetCheckSpec("drafts_cover_the_audience", asset="drafts"),
                 dg.AssetCheckSpec("no_empty_or_placeholder_drafts", asset="drafts")],
)
def drafts(context: dg.AssetExecutionContext, config: DraftsConfig, supabase: SupabaseResource,
           llm: LLMResource):
    """One email per audience member and variant: the DSPy program with a model, the pack's
    fallback templates without (mode=template); guardrail failures stored flagged."""
    campaign_id = context.partition_key
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
    with llm.trace(supabase, "drafts", context=context, campaign_id=campaign_id) as trace:
        report = generate_drafts(supabase.connect, llm.settings(), workspace_id, campaign_id,
                                 variants=config.variants, limit=config.limit, redo=config.redo,
                                 client=llm.client(), trace=trace, on_progress=report_progress)
    for failure in report.failures:
        context.log.warning(f"{failure['email']} ({failure['variant']}): {failure['reason']}: "
                            f"{failure['detail']}")
    with supabase.connect() as conn:
        unusable = unusable_drafts(conn, campaign_id)
    yield dg.MaterializeResult(metadata={**report.metadata(), **trace_metadata(trace)})
    coverage = report.coverage
    yield dg.AssetCheckResult(
        check_name="drafts_cover_the_audience", passed=coverage["coverage"] >= COVERAGE_TARGET,
        metadata={**{k: coverage[k] for k in ("expected", "drafted", "coverage")},
                  "target": COVERAGE_TARGET, "missing": coverage["missing"][:100]})
    yield dg.AssetCheckResult(
        check_name="no_empty_or_placeholder_drafts", passed=not unusable,
        metadata={"count": len(unusable), "drafts": unusable[:100]})


@dg.asset(
    partitions_def=campaign_partitions, group_name="campaigns", kinds={"postgres", "dspy"},
    deps=[drafts],
    check_specs=[dg.AssetCheckSpec("every_draft_judged", asset="draft_judgements")],
)
def draft_judgements(context: dg.AssetExecutionContext, config: JudgementsConfig,
                     supabase: SupabaseResource, llm: LLMResource):
    """A risk and quality verdict for every draft version: the LLM judge on the pack's rubric,
    or rules only (source=rules) without a judge model; the review's high-risk filter."""
    campaign_id = context.partition_key
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
    with llm.trace(supabase, "draft_judgements", context=context,
                   campaign_id=campaign_id) as trace:
        report = judge_drafts(supabase.connect, llm.settings(), workspace_id, campaign_id,
                              redo=config.redo, client=llm.client(), trace=trace,
                              on_progress=report_progress)
    with supabase.connect() as conn:
        unjudged = unjudged_drafts(conn, campaign_id)
    yield dg.MaterializeResult(metadata={**report.metadata(), **trace_metadata(trace)})
    yield dg.AssetCheckResult(check_name="every_draft_judged", passed=unjudged == 0,
                              metadata={"unjudged": unjudged})

"""The drafts and draft_judgements assets of a campaign partition, and their checks."""

from __future__ import annotations

import dagster as dg
from support.openai_server import DUMMY_KEY

from gtm_assets.drafting.assets import draft_judgements, drafts
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource


def materialize(campaign, llm: LLMResource | None = None) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("campaign", [campaign.id])
    return dg.materialize(
        [drafts, draft_judgements], partition_key=campaign.id, instance=instance,
        resources={"supabase": SupabaseResource(workspace=campaign.slug),
                   "llm": llm or LLMResource()})


def checks(result) -> dict:
    return {c.check_name: c for c in result.get_asset_check_evaluations()}


def metadata(result, node: str) -> dict:
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0]
            .metadata.items()}


def test_template_mode_drafts_and_judges_with_passing_checks(make_campaign) -> None:
    campaign = make_campaign(contacts=3, russian=1)
    result = materialize(campaign)
    assert result.success
    drafted, judged = metadata(result, "drafts"), metadata(result, "draft_judgements")
    assert (drafted["mode"], drafted["generated"], drafted["coverage"]) == ("template", 9, 1.0)
    assert drafted["ai_template"] == 9 and drafted["ai_trace_id"]  # logged, and labelled
    assert (judged["judged"], judged["by_rules"], judged["mode"]) == (9, 9, "template")
    assert all(c.passed for c in checks(result).values())
    assert set(checks(result)) == {"drafts_cover_the_audience",
                                   "no_empty_or_placeholder_drafts", "every_draft_judged"}


def test_failures_fail_the_coverage_check_with_their_reasons(make_campaign, model_server,
                                                             monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GTM_PATHS_CACHE", str(tmp_path / "cache"))
    campaign = make_campaign(contacts=2, russian=0)
    model_server.fail_next(*[400] * 100)  # the provider refuses every request
    llm = LLMResource(model="openai/test-model", api_base=model_server.base_url,
                      api_key=DUMMY_KEY)
    result = materialize(campaign, llm)
    coverage = checks(result)["drafts_cover_the_audience"]
    assert not coverage.passed and coverage.metadata["coverage"].value == 0.0
    missing = coverage.metadata["missing"].value
    assert len(missing) == 6 and all(m["reason"].startswith("bad_request") for m in missing)
    assert metadata(result, "drafts")["ai_errors"] == 2  # one call per contact, 3 drafts each


def test_a_placeholder_left_in_a_draft_fails_its_check(make_campaign, model_server,
                                                       monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GTM_PATHS_CACHE", str(tmp_path / "cache"))
    campaign = make_campaign(contacts=1, russian=0)
    model_server.answer.placeholder_in_first_draft = model_server.answer.never_fix = True
    llm = LLMResource(model="openai/test-model", api_base=model_server.base_url,
                      api_key=DUMMY_KEY)
    result = materialize(campaign, llm)
    assert checks(result)["drafts_cover_the_audience"].passed  # flagged drafts are drafts
    unusable = checks(result)["no_empty_or_placeholder_drafts"]
    assert not unusable.passed and unusable.metadata["count"].value == 3
    assert "[Company]" in unusable.metadata["drafts"].value[0]["problem"]
    judged = metadata(result, "draft_judgements")
    assert judged["high_risk"] == 3 and judged["by_llm"] == 3

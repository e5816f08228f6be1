"""Drafting a campaign through the real DSPy + litellm path against the loopback server, and in
template mode: rows written once, every call logged, the cache used, errors survived."""

from __future__ import annotations

from gtm.drafting.generate import generate_drafts
from gtm.drafting.judging import judge_drafts


def _drafts(campaign) -> list[dict]:
    with campaign.connect() as conn:
        return conn.execute(
            "select employee_id::text, variant, status, mode, subject, body, version, language,"
            " guardrails, risk_score, error, model from drafts where campaign_id = %s"
            " order by employee_id, variant", (campaign.id,)).fetchall()


def _interactions(campaign, trace_id: str) -> list[dict]:
    with campaign.connect() as conn:
        return conn.execute(
            "select task, mode, cached, error_code, campaign_id::text, employee_id::text, pack"
            " from ai_interactions where trace_id = %s", (trace_id,)).fetchall()


def test_llm_drafts_are_written_logged_and_cached(make_campaign, model_server,
                                                  llm_settings) -> None:
    campaign = make_campaign(contacts=4, russian=1)
    settings = llm_settings()
    report = generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id)

    assert (report.mode, report.generated, report.failed, report.flagged) == ("llm", 12, 0, 0)
    assert report.coverage["coverage"] == 1.0 and report.model == "openai/test-model"
    rows = _drafts(campaign)
    assert len(rows) == 12 and {r["variant"] for r in rows} == {"direct", "casual",
                                                               "pattern_breaker"}
    assert all(r["mode"] == "llm" and r["status"] == "generated" for r in rows)
    assert all(r["guardrails"]["passed"] for r in rows)
    # The opt-out line is added in code: the fake model never writes it.
    assert all(r["body"].endswith(("email you again.", "больше не напишу.")) for r in rows)
    assert sorted(r["language"] for r in rows).count("ru") == 3
    calls = _interactions(campaign, report.trace_id)
    assert len(calls) == 4 == model_server.request_count  # one call per contact: 3 variants
    assert {c["campaign_id"] for c in calls} == {campaign.id}
    assert {c["employee_id"] for c in calls} == set(campaign.employees)
    assert all(c["pack"] == "cold_first_touch" and c["mode"] == "llm" for c in calls)

    again = generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id)
    assert (again.skipped, again.generated, model_server.request_count) == (12, 0, 4)
    assert len(_drafts(campaign)) == 12  # idempotent: no duplicates

    redo = generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id,
                           redo=True)
    assert redo.generated == 12 and model_server.request_count == 4  # all from the cache
    assert all(c["cached"] for c in _interactions(campaign, redo.trace_id))
    assert {r["version"] for r in _drafts(campaign)} == {2}  # a reviewer sees the new text


def test_a_flawed_draft_is_refined_and_one_that_stays_flawed_is_flagged(
        make_campaign, model_server, llm_settings, tmp_path) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    model_server.answer.placeholder_in_first_draft = True
    report = generate_drafts(campaign.connect, llm_settings(), campaign.workspace_id,
                             campaign.id, variants=["direct"])
    assert (report.generated, report.refined, report.flagged) == (1, 1, 0)
    assert "[Company]" not in _drafts(campaign)[0]["body"]

    flagged = make_campaign(contacts=1, russian=0)
    model_server.answer.never_fix = True
    # Its own cache: the same prompts were answered cleanly above.
    report = generate_drafts(flagged.connect, llm_settings(paths_cache=tmp_path / "other"),
                             flagged.workspace_id, flagged.id, variants=["direct"])
    assert (report.generated, report.flagged) == (1, 1)
    row = _drafts(flagged)[0]
    assert row["status"] == "generated" and "[Company]" in row["body"]
    assert row["guardrails"]["passed"] is False and "placeholders" in row["guardrails"]["failures"]
    assert float(row["risk_score"]) >= 0.6  # high risk before any judge has looked at it


def test_a_variant_missing_from_the_answer_fails_alone_and_a_rerun_retries_it(
        make_campaign, model_server, llm_settings) -> None:
    campaign = make_campaign(contacts=2, russian=0)
    model_server.answer.drop_variants = {"casual"}
    model_server.answer.repeat_variants = {"pattern_breaker"}
    report = generate_drafts(campaign.connect, llm_settings(), campaign.workspace_id, campaign.id)
    assert (report.generated, report.failed, model_server.request_count) == (2, 4, 2)
    assert sorted((f["variant"], f["reason"]) for f in report.failures) == [
        ("casual", "missing_variant"), ("casual", "missing_variant"),
        ("pattern_breaker", "duplicate_variant"), ("pattern_breaker", "duplicate_variant")]
    rows = {(r["employee_id"], r["variant"]): r for r in _drafts(campaign)}
    assert all(rows[(e, "direct")]["status"] == "generated" for e in campaign.employees)
    failed = [r for r in rows.values() if r["status"] == "failed"]
    assert len(failed) == 4 and all(r["error"].startswith(("missing_variant: ",
                                                           "duplicate_variant: "))
                                    and r["body"] is None for r in failed)

    model_server.answer.drop_variants, model_server.answer.repeat_variants = set(), set()
    again = generate_drafts(campaign.connect, llm_settings(), campaign.workspace_id,
                            campaign.id)
    # Only the failed variants are asked for: one call per contact for those two.
    assert (again.skipped, again.generated, again.failed) == (2, 4, 0)
    last = model_server.requests[-1].body["messages"][-1]["content"]
    assert "variant `casual`" in last and "variant `direct`" not in last


def test_under_injected_errors_coverage_holds_and_failures_are_logged(
        make_campaign, model_server, llm_settings) -> None:
    campaign = make_campaign(contacts=20, russian=5)
    model_server.error_rate = 0.3
    # At 30 % errors five failures in a row happen by chance and open the circuit: the drafts
    # it fails get their second try after the (here short) cooldown.
    settings = llm_settings(llm_breaker_cooldown_seconds=0.05, llm_concurrency=8)
    report = generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id)

    assert report.coverage["coverage"] >= 0.95
    failed_requests = [r for r in model_server.requests if r.status != 200]
    assert failed_requests  # errors really were injected
    with campaign.connect() as conn:
        logged = conn.execute(
            "select count(*) filter (where output->'attempts' @> '[{\"status\": 429}]'"
            " or output->'attempts' @> '[{\"status\": 500}]') as retried,"
            " count(*) filter (where error_code is not null) as failed"
            " from ai_interactions where trace_id = %s", (report.trace_id,)).fetchone()
    assert logged["retried"] > 0  # every retried error is on its call's row
    assert logged["failed"] >= report.failed
    for failure in report.failures:
        assert failure["reason"] in {"rate_limited", "server_error"} and failure["detail"]
    failed_rows = [r for r in _drafts(campaign) if r["status"] == "failed"]
    assert len(failed_rows) == report.failed and all(r["error"] for r in failed_rows)


def test_template_mode_end_to_end(make_campaign, migrated) -> None:
    campaign = make_campaign(contacts=3, russian=1)
    report = generate_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id,
                             variants=["casual", "direct"])
    assert (report.mode, report.generated, report.model) == ("template", 6, None)
    rows = _drafts(campaign)
    assert all(r["mode"] == "template" and r["guardrails"]["passed"] for r in rows)
    assert any("Мы превращаем" in r["body"] for r in rows)  # the sender's offer, in Russian
    calls = _interactions(campaign, report.trace_id)
    assert len(calls) == 6 and all(c["mode"] == "template" for c in calls)

    judged = judge_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id)
    assert (judged.judged, judged.by_rules, judged.by_llm) == (6, 6, 0)
    with campaign.connect() as conn:
        verdicts = conn.execute("select source, reasons from draft_judgements"
                                " where campaign_id = %s", (campaign.id,)).fetchall()
        sources = conn.execute("select distinct judge->>'source' as s from drafts"
                               " where campaign_id = %s", (campaign.id,)).fetchall()
    assert {v["source"] for v in verdicts} == {"rules"} and [s["s"] for s in sources] == ["rules"]
    assert all(v["reasons"][0].startswith("rules only") for v in verdicts)
    assert judge_drafts(campaign.connect, migrated, campaign.workspace_id,
                        campaign.id).judged == 0  # each version is judged once


def test_a_sender_without_an_offer_is_reported(make_campaign, migrated) -> None:
    campaign = make_campaign(contacts=1, russian=0, offer=False)
    report = generate_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id,
                             variants=["direct"])
    assert report.generated == 1
    assert any("has no offer/problem/proof for 'en'" in note for note in report.notes)


def test_a_draft_lost_to_an_outage_gets_a_second_try_after_the_cooldown(
        make_campaign, model_server, llm_settings) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    model_server.fail_next(*[503] * 5)  # every retry of the first call fails: the circuit opens
    settings = llm_settings(llm_breaker_cooldown_seconds=0.05)
    report = generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id,
                             variants=["direct"])
    assert (report.generated, report.failed) == (1, 0)
    errors = [c for c in _interactions(campaign, report.trace_id) if c["error_code"]]
    assert [c["error_code"] for c in errors] == ["server_error"]  # the lost try is logged

"""`gtm ai:log` through the CLI runner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gtm.cli import output
from gtm.cli.app import app
from gtm.observability import Interaction, trace_run

runner = CliRunner()


@pytest.fixture
def logged(workspace, workspace_slug, monkeypatch) -> dict:
    """Three calls: one for a campaign, one failed, one cached."""
    monkeypatch.setenv("GTM_WORKSPACE", workspace_slug)
    conn_factory, workspace_id = workspace
    with conn_factory() as conn:
        campaign_id = str(conn.execute(
            "insert into campaigns (workspace_id, name) values (%s, %s) returning id",
            (workspace_id, "Nordics Q3")).fetchone()["id"])
    with trace_run(conn_factory, workspace_id, "cli") as trace:
        trace.record(Interaction(task="drafting", provider="openai", model="openai/gpt-4o-mini",
                                 campaign_id=campaign_id, latency_ms=812, tokens_in=120,
                                 tokens_out=80, cost_usd=0.000066, input={"messages": []},
                                 output={"text": "Hi Ann"}))
        trace.record(Interaction(task="judge", model="openai/gpt-4o-mini",
                                 error_code="rate_limited", latency_ms=40))
        trace.record(Interaction(task="classification", model="openai/gpt-4o-mini",
                                 cached=True, latency_ms=1, tokens_in=0, tokens_out=0))
    return {"campaign_id": campaign_id, "trace_id": trace.trace_id}


def test_table_lists_newest_first(logged, monkeypatch) -> None:
    monkeypatch.setattr(output.console, "width", 160)  # a terminal, not the runner's 80 columns
    result = runner.invoke(app, ["ai:log"])
    assert result.exit_code == 0, result.output
    for text in ("drafting", "judge", "classification", "rate_limited", "cached", "120/80",
                 "0.000066"):
        assert text in result.output
    assert result.output.index("classification") < result.output.index("drafting")


def test_filters_and_json(logged) -> None:
    errors = json.loads(runner.invoke(app, ["ai:log", "--errors", "--json"]).output)
    assert [r["task"] for r in errors] == ["judge"]

    by_campaign = json.loads(runner.invoke(app, ["ai:log", "--campaign", "Nordics Q3",
                                                 "--json"]).output)
    assert [r["task"] for r in by_campaign] == ["drafting"]
    assert by_campaign[0]["output"] == {"text": "Hi Ann"}
    assert by_campaign[0]["trace_id"] == logged["trace_id"]

    limited = json.loads(runner.invoke(app, ["ai:log", "--limit", "1", "--json"]).output)
    assert len(limited) == 1


def test_unknown_campaign_is_one_clear_error(logged) -> None:
    result = runner.invoke(app, ["ai:log", "--campaign", "Nope"])
    assert result.exit_code == 1 and "no campaign named 'Nope'" in result.output


def test_empty_log(workspace, workspace_slug, monkeypatch) -> None:
    monkeypatch.setenv("GTM_WORKSPACE", workspace_slug)
    result = runner.invoke(app, ["ai:log", "--errors"])
    assert result.exit_code == 0 and "no AI calls logged with errors" in result.output

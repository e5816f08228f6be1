"""`gtm reply:sync` and `gtm metrics` through the CLI, and the demo's drop-and-collect helpers."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.providers.mailbox.maildir import deliver
from gtm.replies.demo import collect_and_report, drop_demo_replies
from gtm.replies.samples import compose_reply

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(world, monkeypatch):
    monkeypatch.setenv("GTM_WORKSPACE", world.workspace)
    monkeypatch.setenv("GTM_PATHS_MAIL", str(world.settings.mail_dir))
    return world


def test_reply_sync_runs_the_assets_and_metrics_reports(cli_env) -> None:
    world = cli_env
    deliver(world.settings.mail_dir, compose_reply(
        world.original("mark@acme-corp.com"), "Mark <mark@acme-corp.com>",
        "Please remove me from your list.", client="apple"))
    runner = CliRunner()
    result = runner.invoke(app, ["reply:sync", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dagster_run_id"]
    assert summary["inbound_mail"]["stored"] == 1
    assert summary["reply_events"]["labels"] == {"unsubscribe": 1}
    result = runner.invoke(app, ["metrics", "--campaign", "Spring outreach", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)["rows"]
    assert (row["sent"], row["replied"], row["unsubscribes"]) == (3, 1, 1)
    table = runner.invoke(app, ["metrics", "--by", "angle"])
    assert table.exit_code == 0 and "metrics by angle" in table.output
    assert runner.invoke(app, ["metrics", "--by", "colour"]).exit_code == 1


def test_demo_drops_realistic_replies_and_reports_metrics(cli_env) -> None:
    world = cli_env
    with world.connect() as conn:
        paths = drop_demo_replies(world.settings, conn, world.workspace_id, "Spring outreach")
    assert len(paths) == 3 and all(p.exists() for p in paths)
    report = collect_and_report(world.settings, campaign="Spring outreach", via_dagster=False)
    assert report["sync"]["stored"] == 3
    [metrics] = report["metrics"]
    # No contact has a language and the subjects are English: the first three EN scenarios,
    # a positive reply, an out-of-office and a hard bounce.
    assert metrics["sent"] == 3
    assert (metrics["positive"], metrics["out_of_office"], metrics["bounced_hard"]) == (1, 1, 1)
    assert metrics["replied"] == 1 and metrics["delivered"] == 2

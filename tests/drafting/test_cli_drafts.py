"""The drafting commands end to end in template mode, the assets running on the instance."""

from __future__ import annotations

import json

import dagster as dg
from typer.testing import CliRunner

from gtm.cli.app import app

runner = CliRunner()


def _ok(args: list[str]) -> dict | list:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_generate_list_show_regenerate_through_the_cli(make_campaign, monkeypatch) -> None:
    campaign = make_campaign(contacts=2, russian=1)
    monkeypatch.setenv("GTM_WORKSPACE", campaign.slug)

    run = _ok(["campaign:generate-drafts", "q1", "--variants", "casual,direct"])
    assert run["drafts"]["mode"] == "template" and run["drafts"]["generated"] == 4
    assert run["judgements"]["judged"] == 4 and run["judgements"]["by_rules"] == 4
    assert all(check["passed"] for check in run["checks"].values())
    dagster_run = dg.DagsterInstance.get().get_run_by_id(run["dagster_run_id"])
    assert dagster_run.tags["gtm/command"] == "campaign:generate-drafts"
    assert dagster_run.tags["dagster/partition"] == campaign.id

    rows = _ok(["draft:list", "q1"])
    assert len(rows) == 4 and {r["variant"] for r in rows} == {"casual", "direct"}
    assert all(r["judge_source"] == "rules" for r in rows)
    assert _ok(["draft:list", "q1", "--high-risk"]) == []
    again = _ok(["campaign:generate-drafts", "q1", "--variants", "casual,direct"])
    assert (again["drafts"]["generated"], again["drafts"]["skipped"]) == (0, 4)

    shown = _ok(["draft:show", rows[0]["id"]])
    assert shown["version"] == 1 and shown["judge"]["source"] == "rules"
    regenerated = _ok(["draft:regenerate", rows[0]["id"], "--version", "1", "--angle", "speed"])
    assert regenerated["version"] == 2 and regenerated["revisions"][0]["editor"] == "cli"
    stale = runner.invoke(app, ["draft:regenerate", rows[0]["id"], "--version", "1"])
    assert stale.exit_code == 1 and "you have version 1, it is now version 2" in stale.output

    text = runner.invoke(app, ["draft:list", "q1"])
    assert text.exit_code == 0 and rows[0]["id"] in text.output  # the id is never cut


def test_unknown_variant_and_draft_are_one_line_errors(make_campaign, monkeypatch) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    monkeypatch.setenv("GTM_WORKSPACE", campaign.slug)
    bad = runner.invoke(app, ["campaign:generate-drafts", "q1", "--variants", "loud"])
    assert bad.exit_code == 1 and "has no variant 'loud'" in bad.output
    missing = runner.invoke(app, ["draft:show", "not-a-uuid"])
    assert missing.exit_code == 1 and "no draft with id 'not-a-uuid'" in missing.output


def test_sender_offer_per_language(make_campaign, monkeypatch) -> None:
    campaign = make_campaign(contacts=1, russian=0, offer=False)
    monkeypatch.setenv("GTM_WORKSPACE", campaign.slug)
    _ok(["sender:offer", "me@sender.example", "--offer", "We research leads.",
         "--company", "Leadline"])
    set_ru = _ok(["sender:offer", "me@sender.example", "--language", "ru", "--offer",
                  "Мы изучаем лидов.", "--proof", "Команда Альфы сэкономила два дня."])
    assert set_ru["config"]["offer"] == {"all": "We research leads.", "ru": "Мы изучаем лидов."}
    assert set_ru["config"]["proof"] == {"ru": "Команда Альфы сэкономила два дня."}
    assert set_ru["config"]["company"] == "Leadline"
    missing = runner.invoke(app, ["sender:offer", "ghost@sender.example", "--offer", "x"])
    assert missing.exit_code == 1 and "no sender 'ghost@sender.example'" in missing.output


def test_benchmark_run_scores_the_templates_and_optimize_needs_a_model(tmp_path) -> None:
    out = tmp_path / "report.json"
    report = _ok(["benchmark:run", "cold_first_touch", "--output", str(out)])
    assert report["mode"] == "template" and report["judge_source"] == "rules"
    assert "fallback templates" in report["note"] and report["examples"] == 24
    assert report["guardrails_pass_rate"] == 1.0 and report["failed"] == 0
    assert json.loads(out.read_text())["score"] == report["score"]
    refused = runner.invoke(app, ["pack:optimize", "cold_first_touch"])
    assert refused.exit_code == 1 and "needs a drafting model" in refused.output

"""The campaign and sender commands end to end, the freeze running on the Dagster instance."""

import json
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.cli.demo_command import SAMPLE_EXPORT

runner = CliRunner()
ICP = Path(__file__).resolve().parents[2] / "playbook" / "icp.toml"


def _ok(args: list[str]) -> dict | list:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def workspace(migrated, monkeypatch) -> None:
    monkeypatch.setenv("GTM_WORKSPACE", "cli-campaigns")
    _ok(["contacts:import", str(SAMPLE_EXPORT)])
    _ok(["icp:set", str(ICP)])
    _ok(
        [
            "segment:create",
            "everyone",
            "--filter",
            '{"field": "email_domain", "op": "is_null", "value": false}',
        ]
    )


def test_create_status_and_lifecycle_through_the_cli(workspace) -> None:
    sender = _ok(
        [
            "sender:add",
            "me@sender.io",
            "--window",
            "mon-fri 08:00-16:00",
            "--timezone",
            "Europe/Oslo",
            "--daily-cap",
            "30",
        ]
    )
    assert sender["created"] and sender["window"] == "mon-fri 08:00-16:00"
    assert [s["email"] for s in _ok(["sender:list"])] == ["me@sender.io"]

    created = _ok(
        [
            "campaign:create",
            "q1",
            "--segment",
            "everyone",
            "--pack",
            "cold_first_touch",
            "--sender",
            "me@sender.io",
            "--top",
            "3",
            "--daily-cap",
            "12",
        ]
    )
    assert created["status"] == "drafting" and created["audience_size"] > 0
    assert created["daily_cap"] == 12  # within the sender's 30/day, for this campaign only
    assert created["icp_version"] == 1 and len(created["pack_version"]) == 12
    scores = [m["score"] for m in created["top"]]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert created["top"][0]["reasons"]  # ranked with the reasons of the score
    instance = dg.DagsterInstance.get()
    run = instance.get_run_by_id(created["dagster_run_id"])
    assert (
        run.tags["gtm/command"] == "campaign:create"
        and run.tags["dagster/partition"] == created["id"]
    )
    assert created["id"] in instance.get_dynamic_partitions("campaign")

    status = _ok(["campaign:status", "q1"])
    assert status["members"]["total"] == created["audience_size"] and status["drafts"] == {}

    refused = runner.invoke(app, ["campaign:pause", "q1"])
    assert refused.exit_code == 1
    assert "is drafting; it cannot become paused" in refused.output
    assert _ok(["campaign:ready", "q1"]) == {"name": "q1", "from": "drafting", "to": "ready"}
    assert [c["name"] for c in _ok(["campaign:list"])] == ["q1"]

    again = runner.invoke(
        app,
        [
            "campaign:create",
            "q1",
            "--segment",
            "everyone",
            "--pack",
            "cold_first_touch",
            "--sender",
            "me@sender.io",
        ],
    )
    assert again.exit_code == 1 and "already exists" in again.output


def test_unknown_pack_and_bad_window_are_one_line_errors(workspace) -> None:
    bad_window = runner.invoke(app, ["sender:add", "me@sender.io", "--window", "weekdays"])
    assert bad_window.exit_code == 1 and "invalid sending window 'weekdays'" in bad_window.output
    _ok(["sender:add", "me@sender.io"])
    no_pack = runner.invoke(
        app,
        [
            "campaign:create",
            "q2",
            "--segment",
            "everyone",
            "--pack",
            "nope",
            "--sender",
            "me@sender.io",
        ],
    )
    assert no_pack.exit_code == 1 and "unknown prompt pack 'nope'" in no_pack.output


def test_sender_jitter_and_ramp_up(workspace) -> None:
    sender = _ok(["sender:add", "new@sender.io", "--jitter", "30", "--ramp-up", "10:5:2"])
    assert sender["jitter_seconds"] == 30
    assert sender["ramp_up"] == {"start": 10, "step": 5, "every_days": 2}
    bad = runner.invoke(app, ["sender:add", "new@sender.io", "--ramp-up", "fast"])
    assert bad.exit_code == 1 and "invalid --ramp-up 'fast'" in bad.output

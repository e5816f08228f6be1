"""The sending commands end to end: queue and dispatch run as Dagster assets; a suppressed
address is never mailed by any path (queue, --now, resume, export, a human's re-queue)."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from gtm.cli.app import app

runner = CliRunner()


def _ok(*args: str) -> dict | list:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def live(world, monkeypatch):
    monkeypatch.setenv("GTM_WORKSPACE", world.settings.workspace)
    monkeypatch.setenv("GTM_PATHS_OUTBOX", str(world.settings.outbox_dir))
    monkeypatch.setenv("GTM_SENDING_HORIZON_SECONDS", "0")
    world.sender(window="mon-sun 00:00-24:00")
    return world


def _suppress(world, address: str) -> None:
    world.conn.execute("insert into suppressions (workspace_id, email, reason) values "
                       "(%s, %s, 'unsubscribe')", (world.ws, address))


def test_send_now_pause_resume_and_held_messages(live, eml_ids) -> None:
    campaign = live.campaign("q1")
    live.audience(campaign, 3)
    _suppress(live, "person0@fjord.no")  # before queuing: blocked at queue time

    result = _ok("campaign:send", "q1", "--now")
    assert result["queue"]["queued"] == 2 and result["queue"]["blocked"] == {"unsubscribed": 1}
    assert result["campaign"] == {"name": "q1", "from": "ready", "to": "sending"}
    assert result["dispatch"]["sent"] == 2 and result["dispatch"]["dagster_run_id"]

    listed = _ok("outbox:list", "--campaign", "q1")
    assert sorted(m["status"] for m in listed) == ["blocked", "sent", "sent"]
    assert _ok("campaign:send", "q1", "--now")["dispatch"]["sent"] == 0  # nothing twice

    # A new approval while paused; its contact unsubscribes before the resume.
    _ok("campaign:pause", "q1")
    late = live.contact("late@fjord.no")
    live.approve(campaign, late)
    queued = _ok("campaign:queue", "q1")
    assert queued["queued"] == 1
    _suppress(live, "late@fjord.no")
    resumed = _ok("campaign:send", "q1", "--now")
    assert resumed["campaign"]["from"] == "paused"
    assert resumed["dispatch"]["sent"] == 0 and resumed["dispatch"]["blocked"] == {
        "unsubscribed": 1}
    assert len(eml_ids(live.settings.outbox_dir)) == 2

    sent = _ok("outbox:list", "--status", "sent")
    live.conn.execute("update messages set status = 'held_unknown' where id = %s",
                      (sent[0]["id"],))
    held = _ok("outbox:held")
    assert [m["id"] for m in held] == [sent[0]["id"]]
    assert _ok("outbox:resolve", sent[0]["id"], "--sent")["to"] == "sent"
    refused = runner.invoke(app, ["outbox:resolve", sent[0]["id"], "--not-sent"])
    assert refused.exit_code == 1 and "only held_unknown or failed" in refused.output


def test_requeued_by_a_human_a_suppressed_address_is_still_blocked(live) -> None:
    campaign = live.campaign("q1")
    live.audience(campaign, 1)
    _ok("campaign:queue", "q1")
    live.conn.execute("update messages set status = 'held_unknown' where campaign_id = %s",
                      (campaign,))
    _suppress(live, "person0@fjord.no")
    (held,) = _ok("outbox:held")
    _ok("outbox:resolve", held["id"], "--not-sent")
    dispatched = _ok("campaign:send", "q1", "--now")["dispatch"]
    assert dispatched["sent"] == 0 and dispatched["blocked"] == {"unsubscribed": 1}


def test_export_neutralises_formulas_skips_suppressed_and_hands_off(live) -> None:
    campaign = live.campaign("q1")
    live.approve(campaign, live.contact("kari@fjord.no"), subject="=HYPERLINK(\"x\")")
    live.approve(campaign, live.contact("ola@fjord.no"))
    _ok("campaign:queue", "q1")
    _suppress(live, "ola@fjord.no")

    result = runner.invoke(app, ["outbox:export", "q1", "--format", "lemlist", "--handoff"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["email"] for r in rows] == ["kari@fjord.no"]
    assert rows[0]["subject"] == "'=HYPERLINK(\"x\")" and rows[0]["firstName"] == "Kari"
    assert rows[0]["gtmMessageId"].endswith("@sender.io>")
    assert live.statuses(campaign) == {"cancelled": 1, "blocked": 1}
    assert _ok("campaign:send", "q1", "--now")["dispatch"]["sent"] == 0

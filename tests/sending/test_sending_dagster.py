"""The sending assets on the project's Dagster instance: the schedule's run requests, a `sends`
tick with its metadata, and the bounce-rate check pausing a campaign."""

from datetime import UTC, datetime

import dagster as dg
import pytest

from gtm.sending.outbox import queue_campaign, start_sending
from gtm_assets.definitions import defs
from gtm_assets.launch import materialize_assets
from gtm_assets.sending.schedules import dispatch_schedule
from gtm_resources import SupabaseResource


@pytest.fixture
def live(world, monkeypatch):
    """A world whose workspace and outbox the code location's resources see (via the env)."""
    monkeypatch.setenv("GTM_WORKSPACE", world.settings.workspace)
    monkeypatch.setenv("GTM_PATHS_OUTBOX", str(world.settings.outbox_dir))
    monkeypatch.setenv("GTM_SENDING_HORIZON_SECONDS", "0")
    world.sender(window="mon-sun 00:00-24:00")  # whatever day the test runs
    return world


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def test_the_code_location_has_the_sending_definitions() -> None:
    repo = defs.get_repository_def()
    keys = repo.asset_graph.get_all_asset_keys()
    assert {dg.AssetKey("outbox"), dg.AssetKey("sends")} <= keys
    assert repo.get_schedule_def("dispatch_schedule").cron_schedule == "*/5 * * * *"


def test_the_schedule_asks_for_todays_partition_when_there_is_work(live) -> None:
    tick = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)

    def evaluate():
        return dispatch_schedule(dg.build_schedule_context(
            scheduled_execution_time=tick, resources={"supabase": SupabaseResource()}))

    assert isinstance(evaluate(), dg.SkipReason)  # nothing sending: no run at all
    campaign = live.campaign("q1")
    live.audience(campaign, 1)
    queue_campaign(live.conn, live.ws, "q1", live.settings)
    start_sending(live.conn, live.ws, "q1")
    request = evaluate()
    assert request.partition_key == "2026-11-23" and request.run_key == tick.isoformat()


def test_outbox_and_sends_run_on_the_instance(live, eml_ids) -> None:
    campaign = live.campaign("q1")
    live.audience(campaign, 4)
    queued = materialize_assets(live.settings, ["outbox"], partition_key=campaign,
                                dynamic_partitions="campaign")
    meta = queued.asset_materializations_for_node("outbox")[0].metadata
    assert meta["queued"].value == 4
    start_sending(live.conn, live.ws, "q1")

    result = materialize_assets(live.settings, ["sends"], partition_key=_today())
    meta = result.asset_materializations_for_node("sends")[0].metadata
    assert meta["sent"].value == 4 and meta["sent_that_day"].value == 4
    assert meta["outbox"].value == {"sent": 4}
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "bounce_rate_below_limit" and check.passed
    assert len(eml_ids(live.settings.outbox_dir)) == 4


def test_a_past_partition_reports_and_never_sends(live) -> None:
    campaign = live.campaign("q1")
    live.audience(campaign, 2)
    queue_campaign(live.conn, live.ws, "q1", live.settings)
    start_sending(live.conn, live.ws, "q1")
    result = materialize_assets(live.settings, ["sends"], partition_key="2026-01-05")
    meta = result.asset_materializations_for_node("sends")[0].metadata
    assert "sent" not in meta and live.statuses(campaign) == {"queued": 2}


def test_the_bounce_check_pauses_a_campaign_over_the_limit(live, monkeypatch) -> None:
    monkeypatch.setenv("GTM_SENDING_BOUNCE_MIN_SENDS", "4")
    campaign = live.campaign("q1")
    live.audience(campaign, 4)
    queue_campaign(live.conn, live.ws, "q1", live.settings)
    start_sending(live.conn, live.ws, "q1")
    materialize_assets(live.settings, ["sends"], partition_key=_today())
    first = live.messages(campaign)[0]
    live.conn.execute(
        """insert into reply_events (workspace_id, message_id, mailbox, label, classifier)
           values (%s, %s, 'INBOX', 'bounce', 'header')""", (live.ws, first["id"]))

    result = materialize_assets(live.settings, ["sends"], partition_key=_today())
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["auto_paused_today"].value == ["q1"]
    status = live.conn.execute("select status from campaigns where id = %s",
                               (campaign,)).fetchone()["status"]
    assert status == "paused"

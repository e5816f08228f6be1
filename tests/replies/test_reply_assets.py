"""Dagster: the reply sensor's cursor, and inbound_mail -> reply_events -> campaign_metrics."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import pytest

from gtm.providers.mailbox.maildir import deliver
from gtm.replies.samples import compose_reply
from gtm_assets.replies.assets import campaign_metrics, inbound_mail, reply_events
from gtm_assets.replies.sensors import campaign_metrics_schedule, reply_sensor
from gtm_resources import SupabaseResource
from gtm_resources.mailbox import MailboxResource

pytestmark = pytest.mark.integration


@pytest.fixture
def mail_env(world, monkeypatch):
    monkeypatch.setenv("GTM_PATHS_MAIL", str(world.settings.mail_dir))
    return world


def test_sensor_runs_once_per_new_mail(mail_env) -> None:
    world = mail_env
    resources = {"mailbox": MailboxResource()}
    with dg.instance_for_test() as instance:
        first = reply_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        deliver(world.settings.mail_dir, compose_reply(
            world.original("mark@acme-corp.com"), "Mark <mark@acme-corp.com>", "Let's talk."))
        context = dg.build_sensor_context(instance=instance, cursor=first.cursor,
                                          resources=resources)
        second = reply_sensor(context)
        assert len(second.run_requests) == 1
        request = second.run_requests[0]
        assert request.partition_key and request.tags["gtm/trigger"] == "reply_sensor"
        again = reply_sensor(dg.build_sensor_context(instance=instance, cursor=second.cursor,
                                                     resources=resources))
        assert isinstance(again, dg.SkipReason)


def test_assets_collect_process_and_measure(mail_env) -> None:
    world = mail_env
    deliver(world.settings.mail_dir, compose_reply(
        world.original("mark@acme-corp.com"), "Mark <mark@acme-corp.com>",
        "Not interested, but please send pricing.", client="outlook"))
    result = dg.materialize(
        [inbound_mail, reply_events, campaign_metrics], partition_key="2026-03-02",
        resources={"supabase": SupabaseResource(workspace=world.workspace),
                   "mailbox": MailboxResource()})
    assert result.success
    inbound = result.asset_materializations_for_node("inbound_mail")[0].metadata
    assert inbound["stored"].value == 1
    events = result.asset_materializations_for_node("reply_events")[0].metadata
    assert events["labels"].value == {"info_request": 1}
    metrics = result.asset_materializations_for_node("campaign_metrics")[0].metadata
    assert (metrics["sent"].value, metrics["replied"].value) == (3, 1)


def test_metrics_schedule_recomputes_the_last_week() -> None:
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 3, 10, 1, 30))
    keys = [r.partition_key for r in campaign_metrics_schedule(context)]
    assert keys[0] == "2026-03-09" and keys[-1] == "2026-03-03" and len(keys) == 7

"""Approval -> outbox: one message per (campaign, contact, step), composed, pre-flight checked."""

import re
from datetime import UTC, datetime

import pytest

from gtm.errors import TerminalError
from gtm.sending.outbox import queue_campaign

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # inside mon-fri 09:00-17:00 UTC


def test_approved_drafts_become_composed_messages_once(world) -> None:
    world.sender(window="mon-fri 09:00-17:00")
    campaign = world.campaign("q1")
    world.audience(campaign, 3)

    report = queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)
    assert (report.queued, report.blocked, report.already_in_outbox) == (3, {}, 0)
    assert report.first_slot == MONDAY_10
    messages = world.messages(campaign)
    assert [m["status"] for m in messages] == ["queued"] * 3
    for m in messages:
        assert re.fullmatch(r"<[0-9a-f-]{36}@sender\.io>", m["rfc_message_id"])
        assert m["rfc_message_id"][1:37] == m["id"]  # the row id is also the idempotency key
        assert m["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert m["headers"]["List-Unsubscribe"].startswith("<mailto:anna@sender.io?subject=")
        assert m["id"] in m["headers"]["List-Unsubscribe"]
        # The pack's opt-out line is part of the body that will be sent.
        assert m["body"].endswith("reply \"no\" and I won't email you again.")
        assert m["scheduled_at"] == MONDAY_10

    again = queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)
    assert (again.queued, again.already_in_outbox) == (0, 3)
    assert len(world.messages(campaign)) == 3


def test_the_unsubscribe_url_is_added_when_configured(world) -> None:
    world.settings = world.settings.model_copy(update={
        "sending_unsubscribe_url": "https://acme.example/u/{message_id}",
        "sending_unsubscribe_mailto": "optout@acme.example"})
    world.sender()
    campaign = world.campaign("q1")
    world.audience(campaign, 1)
    queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)
    (m,) = world.messages(campaign)
    assert m["headers"]["List-Unsubscribe"] == (
        f"<mailto:optout@acme.example?subject=unsubscribe%20{m['id']}>, "
        f"<https://acme.example/u/{m['id']}>")


def test_preflight_blocks_with_a_reason_for_each_rule(world) -> None:
    world.sender()
    campaign = world.campaign("q1")
    other = world.campaign("older")
    world.set_status(other, "sending")
    acme = world.company("Acme")
    cases = {
        "ok@fjord.no": None,
        "info@fjord.no": "role_address",
        "someone@mailinator.com": "disposable_address",
        "gone@fjord.no": "suppressed",
        "unsub@fjord.no": "unsubscribed",
        "bounced@fjord.no": "hard_bounce",
        "replied@fjord.no": "already_replied",
        "colleague@acme.example": "active_elsewhere",
        "not an email": "invalid_email",
    }
    ids = {}
    for address in cases:
        ids[address] = world.contact(address, company=acme if "acme" in address else None)
        world.approve(campaign, ids[address])
    for address, reason in (("gone@fjord.no", "manual"), ("unsub@fjord.no", "unsubscribe")):
        world.conn.execute("insert into suppressions (workspace_id, email, reason) values "
                           "(%s, %s, %s)", (world.ws, address.upper(), reason))
    world.conn.execute("update employees set reply_bounce = true where id = %s",
                       (ids["bounced@fjord.no"],))
    world.conn.execute("update employees set reply_negative = true where id = %s",
                       (ids["replied@fjord.no"],))
    # Someone else at Acme is already in the sending campaign `older`.
    world.approve(other, world.contact("boss@acme.example", company=acme))
    world.set_status(other, "ready")
    queue_campaign(world.conn, world.ws, "older", world.settings, now=MONDAY_10)
    world.set_status(other, "sending")

    report = queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)
    blocked = {m["to_email"]: m["blocked_reason"] for m in world.messages(campaign)}
    assert blocked == {(a if a != "not an email" else "not an email"): r for a, r in cases.items()}
    assert report.queued == 1 and sum(report.blocked.values()) == len(cases) - 1


def test_role_and_disposable_addresses_pass_when_allowed(world) -> None:
    world.settings = world.settings.model_copy(update={
        "sending_allow_role_addresses": True, "sending_allow_disposable_addresses": True})
    world.sender()
    campaign = world.campaign("q1")
    for address in ("info@fjord.no", "x@mailinator.com"):
        world.approve(campaign, world.contact(address))
    assert queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10).queued == 2


def test_a_drafting_campaign_cannot_queue(world) -> None:
    world.sender()
    world.campaign("q1", status="drafting")
    with pytest.raises(TerminalError, match="gtm campaign:ready q1"):
        queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)


def test_latest_approved_variant_wins(world) -> None:
    world.sender()
    campaign = world.campaign("q1")
    kari = world.contact("kari@fjord.no")
    world.approve(campaign, kari, subject="first")
    world.conn.execute(
        """insert into drafts (workspace_id, campaign_id, employee_id, variant, subject, body,
                               status, approved_at)
           values (%s, %s, %s, 'casual', 'second', 'Hei', 'approved', now() + interval '1 min')""",
        (world.ws, campaign, kari))
    assert queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10).queued == 1
    subject = world.conn.execute("select subject from messages where campaign_id = %s",
                                 (campaign,)).fetchone()["subject"]
    assert subject == "second"

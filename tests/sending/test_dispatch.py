"""The dispatcher against the real database and the file sender: sends, outcomes, pauses."""

import email
import threading
from datetime import UTC, datetime, timedelta

from gtm.campaigns.lifecycle import transition
from gtm.providers.senders import (
    AuthError,
    BadAddressError,
    ContentRejectedError,
    DeliveryUnknownError,
    SenderAdapter,
    SendOutcome,
    TransientSendError,
)
from gtm.sending.dispatch import dispatch_due
from gtm.sending.outbox import queue_campaign, start_sending
from gtm.sending.store import held_messages, resolve_message

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class ScriptedSender(SenderAdapter):
    """Answers each send with the next scripted outcome (an exception or success)."""

    name = "scripted"

    def __init__(self, *script):
        self.script, self.sent = list(script), []

    def send(self, email):
        step = self.script.pop(0) if self.script else None
        if isinstance(step, BaseException):
            raise step
        self.sent.append(email)
        return SendOutcome(self.name, f"id-{len(self.sent)}")


def _ready(world, n=3, **sender):
    world.sender(**sender)
    campaign = world.campaign("q1")
    people = world.audience(campaign, n)
    queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)
    return campaign, people


def _dispatch(world, now=MONDAY_10, adapter=None):
    return dispatch_due(world.connect, world.settings, now=now,
                        adapters=None if adapter is None else (lambda sender: adapter))


def test_due_messages_go_out_as_eml_and_contacts_are_updated(world, eml_ids) -> None:
    campaign, people = _ready(world)
    assert _dispatch(world).sent == 0  # the campaign is only ready: nothing goes
    start_sending(world.conn, world.ws, "q1")

    report = _dispatch(world)
    assert report.sent == 3 and world.statuses(campaign) == {"sent": 3}
    counts = eml_ids(world.settings.outbox_dir)
    assert sorted(counts) == sorted(m["rfc_message_id"] for m in world.messages(campaign))
    assert set(counts.values()) == {1}
    eml = email.message_from_bytes(next(world.settings.outbox_dir.glob("*.eml")).read_bytes())
    assert eml["From"] == "Anna Berg <anna@sender.io>"
    assert eml["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "won't email you again" in eml.get_payload(decode=True).decode()
    row = world.conn.execute(
        "select campaign_status, campaign_number, outreach_sent_date from employees where id = %s",
        (people[0],)).fetchone()
    assert row == {"campaign_status": "sent", "campaign_number": 1,
                   "outreach_sent_date": MONDAY_10}
    assert _dispatch(world).sent == 0  # nothing is ever sent twice


def test_outside_the_window_nothing_goes_and_the_slot_moves(world) -> None:
    campaign, _ = _ready(world, window="mon-fri 09:00-17:00")
    start_sending(world.conn, world.ws, "q1")
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    report = _dispatch(world, now=saturday)
    assert report.sent == 0 and report.planned == 3
    assert {m["scheduled_at"] for m in world.messages(campaign)} == {
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC)}


def test_the_recipients_time_zone_decides(world) -> None:
    world.sender(window="mon-fri 09:00-17:00", timezone="Europe/Oslo")
    campaign = world.campaign("q1")
    world.approve(campaign, world.contact("tokyo@fjord.no", timezone="Asia/Tokyo"))
    world.approve(campaign, world.contact("oslo@fjord.no"))  # no zone: the sender's
    queue_campaign(world.conn, world.ws, "q1", world.settings, now=MONDAY_10)
    start_sending(world.conn, world.ws, "q1")
    _dispatch(world)  # 10:00 UTC = 11:00 Oslo (open), 19:00 Tokyo (closed)
    by_address = {m["to_email"]: m for m in world.messages(campaign)}
    assert by_address["oslo@fjord.no"]["status"] == "sent"
    assert by_address["tokyo@fjord.no"]["status"] == "queued"
    # Tuesday 09:00 in Tokyo.
    assert by_address["tokyo@fjord.no"]["scheduled_at"] == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_daily_cap_is_shared_by_campaigns_on_one_mailbox(world) -> None:
    world.sender(daily_cap=3)
    a, b = world.campaign("a"), world.campaign("b")
    world.audience(a, 3, domain="a.example")
    world.audience(b, 3, domain="b.example")
    for name in ("a", "b"):
        queue_campaign(world.conn, world.ws, name, world.settings, now=MONDAY_10)
        start_sending(world.conn, world.ws, name)
    assert _dispatch(world).sent == 3
    assert _dispatch(world, now=MONDAY_10 + timedelta(hours=2)).sent == 0
    assert _dispatch(world, now=MONDAY_10 + timedelta(days=1)).sent == 3


def test_pause_stops_sending_and_resume_never_resends(world, eml_ids) -> None:
    campaign, _ = _ready(world, n=4, min_gap_seconds=600)  # one send per 10 minutes
    start_sending(world.conn, world.ws, "q1")
    assert _dispatch(world).sent == 1
    transition(world.conn, world.ws, "q1", "paused", "holiday")
    assert _dispatch(world, now=MONDAY_10 + timedelta(hours=1)).sent == 0
    start_sending(world.conn, world.ws, "q1")
    later = MONDAY_10 + timedelta(hours=2)
    assert _dispatch(world, now=later).sent == 1  # the backlog is spread, not burst
    for minutes in (10, 20, 30, 40):
        _dispatch(world, now=later + timedelta(minutes=minutes))
    assert world.statuses(campaign) == {"sent": 4}
    assert set(eml_ids(world.settings.outbox_dir).values()) == {1}


def test_a_pause_committed_during_a_tick_stops_the_next_reservation(world) -> None:
    campaign, _ = _ready(world, n=3)
    start_sending(world.conn, world.ws, "q1")

    class PausingSender(ScriptedSender):
        def send(self, email):
            if not self.sent:  # another user pauses while the first message is in flight
                transition(world.conn, world.ws, "q1", "paused")
            return super().send(email)

    adapter = PausingSender()
    report = _dispatch(world, adapter=adapter)
    assert len(adapter.sent) == 1 and report.not_sending == 2
    assert world.statuses(campaign) == {"sent": 1, "queued": 2}


def test_transient_errors_back_off_then_give_up(world) -> None:
    world.settings = world.settings.model_copy(update={"sending_max_attempts": 2})
    campaign, _ = _ready(world, n=1)
    start_sending(world.conn, world.ws, "q1")
    adapter = ScriptedSender(TransientSendError("421 try later"),
                             TransientSendError("421 still busy"))
    assert _dispatch(world, adapter=adapter).retried == 1
    (m,) = world.messages(campaign)
    assert m["status"] == "queued" and m["next_attempt_at"] == MONDAY_10 + timedelta(seconds=60)
    assert _dispatch(world, now=MONDAY_10 + timedelta(seconds=30), adapter=adapter).retried == 0
    assert _dispatch(world, now=MONDAY_10 + timedelta(seconds=61), adapter=adapter).failed == 1
    (m,) = world.messages(campaign)
    assert (m["status"], m["error_cause"], m["attempts"]) == ("failed", "retries_exhausted", 2)


def test_permanent_errors_go_to_the_poison_queue_and_bad_addresses_are_suppressed(world) -> None:
    campaign, _ = _ready(world, n=3)
    start_sending(world.conn, world.ws, "q1")
    adapter = ScriptedSender(BadAddressError("550 5.1.1 no such user"),
                             ContentRejectedError("554 5.7.1 spam"))
    report = _dispatch(world, adapter=adapter)
    assert (report.failed, report.sent) == (2, 1)
    causes = sorted(m["error_cause"] for m in world.messages(campaign) if m["status"] == "failed")
    assert causes == ["bad_address", "content"]
    suppressed = world.conn.execute(
        "select email, reason from suppressions where workspace_id = %s", (world.ws,)).fetchall()
    assert suppressed == [{"email": "person0@fjord.no", "reason": "invalid_address"}]
    assert {m["status"] for m in held_messages(world.conn, world.ws)} == {"failed"}


def test_an_auth_failure_stops_the_mailbox_for_the_tick(world) -> None:
    campaign, _ = _ready(world, n=3)
    start_sending(world.conn, world.ws, "q1")
    report = _dispatch(world, adapter=ScriptedSender(AuthError("535 bad credentials")))
    assert report.failed == 1 and world.statuses(campaign) == {"failed": 1, "queued": 2}


def test_unknown_outcome_is_held_and_a_human_resolves_it(world) -> None:
    campaign, _ = _ready(world, n=2)
    start_sending(world.conn, world.ws, "q1")
    adapter = ScriptedSender(DeliveryUnknownError("connection lost after DATA"),
                             DeliveryUnknownError("connection lost after DATA"))
    assert _dispatch(world, adapter=adapter).held == 2
    assert _dispatch(world, now=MONDAY_10 + timedelta(days=1)).sent == 0  # never retried alone
    first, second = world.messages(campaign)
    assert resolve_message(world.conn, world.ws, first["rfc_message_id"], sent=True)["to"] == "sent"
    assert resolve_message(world.conn, world.ws, second["id"], sent=False)["to"] == "queued"
    assert _dispatch(world, now=MONDAY_10 + timedelta(days=1)).sent == 1
    assert world.statuses(campaign) == {"sent": 2}


def test_a_stale_reservation_becomes_held_unknown(world) -> None:
    campaign, _ = _ready(world, n=1)
    start_sending(world.conn, world.ws, "q1")
    world.conn.execute("update messages set status = 'reserved', reserved_at = %s "
                       "where campaign_id = %s", (MONDAY_10, campaign))
    assert _dispatch(world, now=MONDAY_10 + timedelta(seconds=60)).held == 0  # within the lease
    assert _dispatch(world, now=MONDAY_10 + timedelta(hours=1)).held == 1
    assert world.statuses(campaign) == {"held_unknown": 1}


def test_a_suppression_added_after_queuing_blocks_at_send_time(world, eml_ids) -> None:
    campaign, _ = _ready(world, n=2)
    world.conn.execute("insert into suppressions (workspace_id, email, reason) values "
                       "(%s, 'person1@fjord.no', 'unsubscribe')", (world.ws,))
    start_sending(world.conn, world.ws, "q1")
    report = _dispatch(world)
    assert report.sent == 1 and report.blocked == {"unsubscribed": 1}
    addresses = [email.message_from_bytes(p.read_bytes())["To"]
                 for p in world.settings.outbox_dir.glob("*.eml")]
    assert addresses == ["Kari Nordmann <person0@fjord.no>"]


def test_bounce_rate_over_the_limit_auto_pauses_the_campaign(world) -> None:
    world.settings = world.settings.model_copy(update={"sending_bounce_min_sends": 10})
    campaign, _ = _ready(world, n=12)
    start_sending(world.conn, world.ws, "q1")
    assert _dispatch(world).sent == 12
    sent = world.messages(campaign)
    for m in sent[:1]:  # 1 of 12 bounced: 8.3 % >= 5 %
        world.conn.execute(
            """insert into reply_events (workspace_id, message_id, mailbox, label, classifier,
                                         bounce_kind) values (%s, %s, 'INBOX', 'bounce', 'rules',
                                         'hard')""", (world.ws, m["id"]))
    report = _dispatch(world, now=MONDAY_10 + timedelta(minutes=5))
    assert report.auto_paused == ["q1"]
    row = world.conn.execute("select status, status_reason from campaigns where id = %s",
                             (campaign,)).fetchone()
    assert row["status"] == "paused" and row["status_reason"].startswith("auto-pause: bounce rate")
    # Resumed by a human: the old bounces are not judged again.
    start_sending(world.conn, world.ws, "q1")
    assert _dispatch(world, now=MONDAY_10 + timedelta(minutes=10)).auto_paused == []


def test_two_dispatchers_never_send_the_same_message(world, eml_ids) -> None:
    world.sender("a@sender.io")
    world.sender("b@sender.io")
    for name, sender in (("qa", "a@sender.io"), ("qb", "b@sender.io")):
        campaign = world.campaign(name, sender)
        world.audience(campaign, 15, domain=f"{name}.example")
        queue_campaign(world.conn, world.ws, name, world.settings, now=MONDAY_10)
        start_sending(world.conn, world.ws, name)
    reports, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        reports.append(_dispatch(world))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == 30
    counts = eml_ids(world.settings.outbox_dir)
    assert len(counts) == 30 and set(counts.values()) == {1}
    assert world.statuses() == {"sent": 30}


def test_a_message_another_dispatcher_is_reserving_is_skipped_not_doubled(world) -> None:
    campaign, _ = _ready(world, n=2)
    start_sending(world.conn, world.ws, "q1")
    first = world.messages(campaign)[0]["id"]
    with world.connect() as other:  # another dispatcher, mid-reservation of the first message
        other.execute("select id from messages where id = %s for update", (first,))
        assert _dispatch(world).sent == 1
    statuses = {m["id"]: m["status"] for m in world.messages(campaign)}
    assert statuses[first] == "queued"
    assert _dispatch(world).sent == 1 and world.statuses(campaign) == {"sent": 2}


def test_two_campaigns_at_one_company_the_first_send_takes_the_account(world) -> None:
    world.sender()
    acme = world.company("Acme")
    for name, address in (("a", "cto@acme.example"), ("b", "cfo@acme.example")):
        campaign = world.campaign(name)
        world.approve(campaign, world.contact(address, company=acme))
        queue_campaign(world.conn, world.ws, name, world.settings, now=MONDAY_10)
    for name in ("a", "b"):  # both queued while neither was active: neither blocked yet
        start_sending(world.conn, world.ws, name)
    report = _dispatch(world)
    assert report.sent == 1 and report.blocked == {"active_elsewhere": 1}

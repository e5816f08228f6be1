"""Maildir collection -> matching -> classification -> effects -> metrics, on a real database."""

from __future__ import annotations

import pytest
from reply_world import build_world

from gtm.providers.mailbox.maildir import MaildirMailbox, deliver
from gtm.replies.metrics import metric_rows, summarize, write_daily_metrics
from gtm.replies.pipeline import process_pending, sync_mailbox
from gtm.replies.samples import compose_bounce, compose_reply
from gtm.replies.service import run_reply_sync

pytestmark = pytest.mark.integration


def _run(world):
    return run_reply_sync(world.settings, mailbox=MaildirMailbox(world.settings.mail_dir))


def _events(world) -> list[dict]:
    with world.connect() as conn:
        return conn.execute(
            "select from_email, label, classifier, matched_by, message_id::text, employee_id::text,"
            " company_id::text, bounce_kind, smtp_status, ignored_reason, referral,"
            " effects_applied_at from reply_events where workspace_id = %s order by received_at,"
            " created_at", (world.workspace_id,)).fetchall()


def _employee(world, email: str) -> dict:
    with world.connect() as conn:
        return conn.execute(
            "select e.reply_positive, e.reply_negative, e.reply_info_request, e.reply_bounce,"
            " cm.stopped_at, cm.stop_reason from employees e join campaign_members cm"
            " on cm.employee_id = e.id where e.workspace_id = %s and lower(e.email) = %s",
            (world.workspace_id, email)).fetchone()


def _suppressions(world) -> dict:
    with world.connect() as conn:
        return {r["email"]: r["reason"] for r in conn.execute(
            "select email, reason from suppressions where workspace_id = %s",
            (world.workspace_id,))}


def test_reply_threaded_by_in_reply_to_sets_flag_and_stops_sequence(world) -> None:
    raw = compose_reply(world.original("mark@acme-corp.com"), "Mark <mark@acme-corp.com>",
                        "Sounds interesting - let's talk Thursday.", client="gmail")
    deliver(world.settings.mail_dir, raw)
    result = _run(world)
    assert result["sync"]["stored"] == 1
    [event] = _events(world)
    assert (event["label"], event["classifier"], event["matched_by"]) == \
        ("positive", "rules", "in_reply_to")
    assert event["message_id"] == world.messages["mark@acme-corp.com"][0]
    state = _employee(world, "mark@acme-corp.com")
    assert state["reply_positive"] and state["stopped_at"] is not None
    assert state["stop_reason"] == "reply:positive"
    # Julia at the same company is not stopped: this campaign does not stop accounts.
    assert _employee(world, "julia@acme-corp.com")["stopped_at"] is None


def test_processing_twice_changes_nothing(world) -> None:
    original = world.original("ivan@severtrans.ru")
    deliver(world.settings.mail_dir, compose_reply(original, "Ivan <ivan@severtrans.ru>",
                                                   "Отпишите меня от рассылки.", client="mailru"))
    _run(world)
    before = (_events(world), _employee(world, "ivan@severtrans.ru"), _suppressions(world))
    # The same message again (a copy in the Maildir: same Message-ID) and a re-run.
    box = MaildirMailbox(world.settings.mail_dir)
    [path] = box.keys(box.folders()[0]).values()
    deliver(world.settings.mail_dir, path.read_bytes())
    again = _run(world)
    assert again["sync"]["stored"] == 0 and again["process"]["processed"] == 0
    with world.connect() as conn:
        process_pending(conn, world.workspace_id)
        assert sync_mailbox(conn, world.workspace_id, box).stored == 0
    assert (_events(world), _employee(world, "ivan@severtrans.ru"), _suppressions(world)) == before
    assert before[2] == {"ivan@severtrans.ru": "unsubscribe"}
    assert before[0][0]["label"] == "unsubscribe"


def test_our_own_sent_message_is_never_a_reply(world) -> None:
    # Our sender's copy (e.g. a Bcc to self) and a follow-up we sent in the thread.
    original = world.original("mark@acme-corp.com")
    raw = compose_reply(original, f"Anna Keller <{original.sender.split('<')[1]}",
                        "Just bumping this up - interested?", client="gmail")
    deliver(world.settings.mail_dir, raw)
    result = _run(world)
    assert result["process"]["own_messages"] == 1
    [event] = _events(world)
    assert event["ignored_reason"] == "own_message" and event["label"] is None
    assert _employee(world, "mark@acme-corp.com")["stopped_at"] is None


def test_sender_and_subject_fallback_without_threading_headers(world) -> None:
    original = world.original("julia@acme-corp.com")
    raw = compose_reply(original, "Julia <julia@acme-corp.com>", "Not interested, thanks.",
                        client="outlook")
    raw = raw.replace(b"In-Reply-To:", b"X-Old-In-Reply-To:").replace(b"References:", b"X-Ref:")
    deliver(world.settings.mail_dir, raw)
    _run(world)
    [event] = _events(world)
    assert (event["matched_by"], event["label"]) == ("sender_subject", "negative")
    assert _employee(world, "julia@acme-corp.com")["reply_negative"]


def test_colleague_at_same_company_is_linked_to_the_account(migrated, tmp_path) -> None:
    settings = migrated.model_copy(update={"paths_mail": tmp_path / "mail"})
    w = build_world(settings, stop_account=True)
    w.settings = settings.model_copy(update={"workspace": w.workspace})
    original = w.original("mark@acme-corp.com")
    raw = compose_reply(original, "Peter Boss <peter.boss@acme-corp.com>",
                        "Mark forwarded me your note. We'd like to see a demo next week.",
                        client="gmail")
    raw = raw.replace(b"In-Reply-To:", b"X-Old:").replace(b"References:", b"X-Old-Refs:")
    deliver(w.settings.mail_dir, raw)
    _run(w)
    [event] = _events(w)
    assert event["matched_by"] == "company_subject"
    assert event["company_id"] == w.company_id and event["label"] == "positive"
    # stop_account_on_reply: both Acme contacts stop, the Russian prospect does not.
    assert _employee(w, "mark@acme-corp.com")["stopped_at"] is not None
    assert _employee(w, "julia@acme-corp.com")["stopped_at"] is not None
    assert _employee(w, "ivan@severtrans.ru")["stopped_at"] is None


def test_hard_bounce_suppresses_and_soft_bounce_does_not(world) -> None:
    deliver(world.settings.mail_dir, compose_bounce(world.original("mark@acme-corp.com"),
                                                    "mark@acme-corp.com", "exim_text"))
    deliver(world.settings.mail_dir, compose_bounce(world.original("julia@acme-corp.com"),
                                                    "julia@acme-corp.com", "gmail_full"))
    _run(world)
    events = {e["matched_by"]: e for e in _events(world)}
    assert set(events) == {"original_message_id"}  # both tied by the returned Message-ID
    kinds = sorted(e["bounce_kind"] for e in _events(world))
    assert kinds == ["hard", "soft"]
    assert _suppressions(world) == {"mark@acme-corp.com": "hard_bounce"}
    assert _employee(world, "mark@acme-corp.com")["reply_bounce"]
    assert _employee(world, "mark@acme-corp.com")["stop_reason"] == "hard_bounce"
    assert not _employee(world, "julia@acme-corp.com")["reply_bounce"]
    assert _employee(world, "julia@acme-corp.com")["stopped_at"] is None


def test_out_of_office_is_neither_reply_nor_bounce(world) -> None:
    raw = compose_reply(world.original("mark@acme-corp.com"), "Mark <mark@acme-corp.com>",
                        "I am out of the office until Monday.", client="none", auto="rfc3834")
    deliver(world.settings.mail_dir, raw)
    _run(world)
    [event] = _events(world)
    assert (event["label"], event["classifier"]) == ("out_of_office", "header")
    state = _employee(world, "mark@acme-corp.com")
    assert state["stopped_at"] is None and not any(
        state[f] for f in ("reply_positive", "reply_negative", "reply_bounce"))
    with world.connect() as conn:
        [totals] = summarize(metric_rows(conn, world.workspace_id), "campaign")
    assert (totals["out_of_office"], totals["replied"], totals["bounced_hard"]) == (1, 0, 0)


def test_metrics_by_campaign_sender_and_angle(world) -> None:
    replies = [("mark@acme-corp.com", "Let's talk next week.", "gmail"),
               ("julia@acme-corp.com", "Not interested, but send pricing please.", "outlook"),
               ("ivan@severtrans.ru", "Не интересно, спасибо.", "yandex")]
    for email, text, client in replies:
        deliver(world.settings.mail_dir, compose_reply(world.original(email), f"X <{email}>",
                                                       text, client=client))
    _run(world)
    with world.connect() as conn:
        rows = metric_rows(conn, world.workspace_id, campaign="Spring outreach")
        [campaign] = summarize(rows, "campaign")
        by_angle = {r["angle"]: r for r in summarize(rows, "angle")}
        stored = write_daily_metrics(conn, world.workspace_id, rows[0]["day"])
    assert (campaign["sent"], campaign["delivered"], campaign["replied"]) == (3, 3, 3)
    assert (campaign["positive"], campaign["info_requests"], campaign["negative"]) == (1, 1, 1)
    assert campaign["reply_rate"] == 1.0
    assert by_angle["hiring"]["sent"] == 2 and by_angle["cost"]["info_requests"] == 1
    assert sum(r["sent"] for r in stored) == 3
    assert {r["pack_version"] for r in rows} == {"v3"}
    assert {r["sender_email"] for r in summarize(rows, "sender")} == {"anna@gtm-test.example"}


def test_maildir_message_moved_to_cur_is_not_new_and_sent_folders_are_skipped(world) -> None:
    key = deliver(world.settings.mail_dir, compose_reply(
        world.original("mark@acme-corp.com"), "Mark <mark@acme-corp.com>", "Let's talk."))
    assert _run(world)["sync"]["stored"] == 1
    # A mail client reads it: new/KEY -> cur/KEY:2,S. Still the same message.
    root = world.settings.mail_dir
    (root / "new" / key).rename(root / "cur" / f"{key}:2,S")
    assert _run(world)["sync"]["fetched"] == 0
    box = MaildirMailbox(root, ["", ".Sent", ".Drafts", ".Replies"])
    assert [f.rsplit("/", 1)[-1] for f in box.folders()] == ["mail", ".Replies"]

"""Bounce parsing: every MTA family we render, RFC 3464 structure, hard/soft and reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gtm.replies.bounces import parse_bounce
from gtm.replies.parse import parse_message
from gtm.replies.sample_bounces import BOUNCE_FAMILIES
from gtm.replies.samples import Original, compose_bounce, compose_reply

ORIGINAL = Original("<o.7@gtm-test.example>", "Anna Keller <anna@gtm-test.example>",
                    "Lars <lars.berg@nordkapp.no>", "Quick idea", "Hi Lars,\n\nA call?\n\nAnna",
                    datetime(2026, 3, 3, 10, 12, tzinfo=UTC))
EXPECTED = {
    "postfix_user_unknown": ("hard", "5.1.1", "user_unknown"),
    "gmail_not_found": ("hard", "5.1.1", "user_unknown"),
    "exchange_not_found": ("hard", "5.1.10", "user_unknown"),
    "gmail_full": ("soft", "4.2.2", "mailbox_full"),
    "yandex_ru": ("soft", "5.2.2", "mailbox_full"),
    "postfix_domain": ("hard", "5.4.4", "domain_not_found"),
    "postfix_delayed": ("soft", "4.4.1", "delayed"),
    "spam_blocked": ("soft", "5.7.1", "blocked"),
    "exim_text": ("hard", "5.1.1", "user_unknown"),
    "qmail_text": ("hard", "550", "user_unknown"),
    "mailru_text": ("hard", "550", "user_unknown"),
}


@pytest.mark.parametrize("family", BOUNCE_FAMILIES)
def test_family(family: str) -> None:
    report = parse_bounce(parse_message(compose_bounce(ORIGINAL, "lars.berg@nordkapp.no",
                                                       family)))
    assert report.is_bounce
    [recipient] = report.recipients
    assert recipient.address == "lars.berg@nordkapp.no"
    assert (recipient.kind, recipient.status, recipient.reason) == EXPECTED[family]
    assert report.original_message_id == "o.7@gtm-test.example"
    # The original sender (quoted in every bounce) is never reported as failed.
    assert "anna@gtm-test.example" not in {r.address for r in report.recipients}


def test_dsn_with_several_recipients_and_a_delivered_one() -> None:
    raw = (b"From: MAILER-DAEMON@mx.example.org\r\nTo: anna@gtm-test.example\r\n"
           b"Subject: Delivery Status Notification (Failure)\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
           b"--b\r\nContent-Type: text/plain\r\n\r\nSome recipients failed.\r\n"
           b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
           b"Final-Recipient: rfc822; a@one.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           b"Final-Recipient: rfc822; b@two.example\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
           b"Final-Recipient: rfc822; c@three.example\r\nAction: failed\r\nStatus: 5.0.0\r\n"
           b"Diagnostic-Code: smtp; 550 5.2.1 Mailbox disabled for this recipient\r\n\r\n"
           b"--b--\r\n")
    report = parse_bounce(parse_message(raw))
    assert [(r.address, r.kind, r.reason) for r in report.recipients] == [
        ("a@one.example", "hard", "user_unknown"), ("c@three.example", "hard", "mailbox_disabled")]


def test_ordinary_reply_and_success_dsn_are_not_bounces() -> None:
    reply = compose_reply(ORIGINAL, "Lars <lars.berg@nordkapp.no>", "Could not be delivered? "
                          "Your last email was fine, let's talk.", client="gmail")
    assert not parse_bounce(parse_message(reply)).is_bounce
    success = (b"From: postmaster@mx.example.org\r\nTo: anna@gtm-test.example\r\n"
               b"Subject: Delivered: Quick idea\r\nMIME-Version: 1.0\r\n"
               b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
               b"\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx"
               b"\r\n\r\nFinal-Recipient: rfc822; a@one.example\r\nAction: delivered\r\n"
               b"Status: 2.0.0\r\n\r\n--b--\r\n")
    report = parse_bounce(parse_message(success))
    assert report.recipients == ()

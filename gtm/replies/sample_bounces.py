"""Bounces as common MTAs write them, for demos, tests and benchmarks (see `samples`)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from gtm.replies.samples import Original

# family -> (reporting host, status, diagnostic, human text); {rcpt} and {host} are filled in.
_DSN_FAMILIES = {
    "postfix_user_unknown": (
        "mx1.{host}", "5.1.1",
        "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual "
        "mailbox table",
        "This is the mail system at host mx1.{host}.\n\nI'm sorry to have to inform you that "
        "your message could not\nbe delivered to one or more recipients. It's attached below."
        "\n\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please "
        "include this problem report. You can\ndelete your own text from the attached returned "
        "message.\n\n                   The mail system\n\n<{rcpt}>: host mx.{rdomain}[203.0.113.7]"
        " said: 550 5.1.1\n    <{rcpt}>: Recipient address rejected: User unknown in virtual"
        " mailbox\n    table (in reply to RCPT TO command)\n"),
    "gmail_not_found": (
        "mail-sor-f41.google.com", "5.1.1",
        "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces. "
        "https://support.google.com/mail/?p=NoSuchUser",
        "\n** Address not found **\n\nYour message wasn't delivered to {rcpt} because the "
        "address couldn't be found, or is unable to receive mail.\n\nLearn more here: "
        "https://support.google.com/mail/?p=NoSuchUser\n\nThe response was:\n\n550 5.1.1 The "
        "email account that you tried to reach does not exist.\n"),
    "exchange_not_found": (
        "AM6PR04MB5671.eurprd04.prod.outlook.com", "5.1.10",
        "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address "
        "lookup",
        "Your message to {rcpt} couldn't be delivered.\n\n{rlocal} wasn't found at {rdomain}."
        "\n\nAction Required\nUnknown To address\n\nHow to Fix It\nThe address may be "
        "misspelled or may not exist.\n"),
    "gmail_full": (
        "mail-sor-f41.google.com", "4.2.2",
        "smtp; 452-4.2.2 The email account that you tried to reach is over quota.",
        "\n** Message not delivered **\n\nYour message couldn't be delivered to {rcpt} because "
        "the recipient's inbox is full.\n"),
    "yandex_ru": (
        "mail-nwsmtp-mxfront-production-main-12.vla.yp-c.yandex.net", "5.2.2",
        "smtp; 552 5.2.2 Mailbox size limit exceeded",
        "Это письмо создано автоматически сервером Яндекс.Почты.\n\nСообщение не было "
        "доставлено по следующим адресам:\n\n{rcpt}: ящик получателя переполнен.\n"),
    "postfix_domain": (
        "mx1.{host}", "5.4.4",
        "X-Postfix; Host or domain name not found. Name service error for name={rdomain} "
        "type=A: Host not found",
        "This is the mail system at host mx1.{host}.\n\nI'm sorry to have to inform you that "
        "your message could not\nbe delivered to one or more recipients.\n\n<{rcpt}>: Host or "
        "domain name not found. Name service error for\n    name={rdomain} type=A: Host not "
        "found\n"),
    "postfix_delayed": (
        "mx1.{host}", "4.4.1",
        "X-Postfix; connect to mx.{rdomain}[203.0.113.9]:25: Connection timed out",
        "This is the mail system at host mx1.{host}.\n\n####################################\n"
        "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
        "####################################\n\nYour message could not be delivered for more "
        "than 4 hour(s).\nIt will be retried until it is 5 day(s) old.\n"),
    "spam_blocked": (
        "mx1.{host}", "5.7.1",
        "smtp; 550 5.7.1 Message rejected as spam by content filter",
        "This is the mail system at host mx1.{host}.\n\nYour message could not be delivered to "
        "one or more recipients.\n\n<{rcpt}>: host mx.{rdomain} said: 550 5.7.1 Message "
        "rejected as spam by content filter\n"),
}
# Formats without a delivery-status part: (subject, from local part, text, extra headers).
_TEXT_FAMILIES = {
    "exim_text": (
        "Mail delivery failed: returning message to sender", "Mailer-Daemon",
        "This message was created automatically by mail delivery software.\n\nA message that "
        "you sent could not be delivered to one or more of its\nrecipients. This is a permanent "
        "error. The following address(es) failed:\n\n  {rcpt}\n    host mx.{rdomain} "
        "[198.51.100.4]\n    SMTP error from remote mail server after RCPT TO:<{rcpt}>:\n    550"
        " 5.1.1 <{rcpt}>: Recipient address rejected: User unknown\n",
        {"X-Failed-Recipients": "{rcpt}", "Auto-Submitted": "auto-replied"}),
    "qmail_text": (
        "failure notice", "MAILER-DAEMON",
        "Hi. This is the qmail-send program at {host}.\nI'm afraid I wasn't able to deliver your "
        "message to the following addresses.\nThis is a permanent error; I've given up. Sorry "
        "it didn't work out.\n\n<{rcpt}>:\n203.0.113.50 does not like recipient.\nRemote host "
        "said: 550 No such user here\nGiving up on 203.0.113.50.\n",
        {}),
    "mailru_text": (
        "Undelivered Mail Returned to Sender", "MAILER-DAEMON",
        "Это письмо создано автоматически.\nСообщение, отправленное вами, не удалось доставить "
        "одному или нескольким получателям.\n\nПисьмо не доставлено по адресу {rcpt}: "
        "550 Message was not accepted -- invalid mailbox. Local mailbox {rcpt} is unavailable: "
        "user not found\n",
        {}),
}
BOUNCE_FAMILIES = tuple(_DSN_FAMILIES) + tuple(_TEXT_FAMILIES)


def render_bounce(original: Original, recipient: str, family: str, when: datetime) -> bytes:
    sender_address = parseaddr(original.sender)[1]
    host = sender_address.split("@")[-1]
    local, _, rdomain = recipient.partition("@")
    fill = {"rcpt": recipient, "host": host, "rdomain": rdomain, "rlocal": local}
    msg = EmailMessage()
    msg["Date"] = format_datetime(when)
    msg["To"] = original.sender
    msg["Message-ID"] = make_msgid(domain=host)
    if family in _TEXT_FAMILIES:
        subject, daemon, text, extra = _TEXT_FAMILIES[family]
        msg["From"] = f"{daemon}@{host}"
        msg["Subject"] = subject
        for name, value in extra.items():
            msg[name] = value.format(**fill)
        msg.set_content(text.format(**fill) + "\n------ This is a copy of the message, including "
                        "all the headers. ------\n\n" + _original_text(original))
        return bytes(msg)
    mta, status, diagnostic, text = _DSN_FAMILIES[family]
    delayed = status.startswith("4.4")
    subject = "Delayed Mail (still being retried)" if delayed else \
        "Undelivered Mail Returned to Sender"
    boundary = f"{msg['Message-ID'].strip('<>').split('@')[0]}/{host}"
    # Written out by hand: this is the byte layout MTAs emit (RFC 3464 multipart/report).
    raw = (
        f"From: Mail Delivery System <MAILER-DAEMON@{host}>\nTo: {original.sender}\n"
        f"Subject: {subject}\nDate: {msg['Date']}\nMessage-ID: {msg['Message-ID']}\n"
        f"Auto-Submitted: auto-replied\nMIME-Version: 1.0\nContent-Type: multipart/report; "
        f'report-type=delivery-status;\n\tboundary="{boundary}"\n\n'
        f"This is a MIME-encapsulated message.\n\n--{boundary}\nContent-Description: "
        f"Notification\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
        f"8bit\n\n{text.format(**fill)}\n--{boundary}\nContent-Description: Delivery report\n"
        f"Content-Type: message/delivery-status\n\nReporting-MTA: dns; {mta.format(**fill)}\n"
        f"Arrival-Date: {msg['Date']}\n\nFinal-Recipient: rfc822; {recipient}\n"
        f"Original-Recipient: rfc822;{recipient}\nAction: {'delayed' if delayed else 'failed'}"
        f"\nStatus: {status}\nDiagnostic-Code: {diagnostic.format(**fill)}\n\n--{boundary}\n"
        f"Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n"
        f"\n{_original_headers(original)}\n--{boundary}--\n")
    return raw.replace("\n", "\r\n").encode("utf-8")


def _original_headers(original: Original) -> str:
    return (f"From: {original.sender}\nTo: {original.to}\nSubject: {original.subject}\n"
            f"Message-ID: {original.message_id}\nDate: {format_datetime(original.sent_at)}\n")


def _original_text(original: Original) -> str:
    return _original_headers(original) + "\n" + original.body + "\n"

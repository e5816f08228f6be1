"""Realistic inbound mail answering our outreach: replies quoted the way real clients quote
(Gmail, Outlook, Apple Mail, Thunderbird, Yandex, Mail.ru; EN/RU), autoresponders with their
headers, and bounces in the formats of common MTAs. Used by `gtm demo`, the tests and the
classification benchmark, so all three see the same shapes of mail.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

_RU_DAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
_RU_MONTHS = ("янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.",
              "нояб.", "дек.")
_RU_MONTHS_FULL = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
_RU_WEEKDAYS = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота",
                "Воскресенье")


@dataclass(frozen=True)
class Original:
    """The outreach email being answered."""

    message_id: str  # with angle brackets
    sender: str  # "Name <address>"
    to: str
    subject: str
    body: str
    sent_at: datetime


def _quote_header(client: str, original: Original) -> str:
    name, address = parseaddr(original.sender)
    when = original.sent_at
    if client in ("gmail", "gmail_html"):
        stamp = when.strftime("%a, %b %-d, %Y at %-I:%M %p")
        return f"On {stamp} {name} <{address}> wrote:"
    if client == "apple":
        return f"On {when:%b %-d, %Y}, at {when:%H:%M}, {name} <{address}> wrote:"
    if client == "thunderbird":
        return f"On {when:%d.%m.%Y %H:%M}, {name} wrote:"
    if client == "gmail_ru":
        return (f"{_RU_DAYS[when.weekday()]}, {when.day} {_RU_MONTHS[when.month - 1]} "
                f"{when.year} г. в {when:%H:%M}, {name} <{address}>:")
    if client == "apple_ru":
        return (f"{when.day} {_RU_MONTHS[when.month - 1]} {when.year} г., в {when:%H:%M}, "
                f"{name} <{address}> написал(а):")
    if client == "yandex":
        return f'{when:%d.%m.%Y, %H:%M}, "{name}" <{address}>:'
    if client == "mailru":
        return (f"{_RU_WEEKDAYS[when.weekday()]}, {when.day} {_RU_MONTHS_FULL[when.month - 1]} "
                f"{when.year}, {when:%H:%M} +03:00 от {name} <{address}>:")
    raise ValueError(f"no quote header for {client}")


def _quoted(client: str, original: Original) -> str:
    """The history block a client appends below the new text."""
    if client == "none":
        return ""
    if client == "outlook":
        return ("\n\n________________________________\n"
                f"From: {original.sender}\nSent: {original.sent_at:%A, %B %-d, %Y %-I:%M %p}\n"
                f"To: {original.to}\nSubject: {original.subject}\n\n{original.body}")
    if client == "outlook_ru":
        return ("\n\n-----Original Message-----\n"
                f"От: {original.sender}\nОтправлено: {original.sent_at:%d.%m.%Y %H:%M}\n"
                f"Кому: {original.to}\nТема: {original.subject}\n\n{original.body}")
    quoted = "\n".join("> " + line if line else ">" for line in original.body.split("\n"))
    return f"\n\n{_quote_header(client, original)}\n\n{quoted}"


_AUTO_HEADERS = {
    "rfc3834": {"Auto-Submitted": "auto-replied"},
    "xautoreply": {"X-Autoreply": "yes", "Auto-Submitted": "auto-replied"},
    "precedence": {"Precedence": "auto_reply"},
    "outlook_oof": {"X-Auto-Response-Suppress": "All", "Auto-Submitted": "auto-generated",
                    "X-MS-Exchange-Inbox-Rules-Loop": "{to}"},
    "outlook_oof_ru": {"X-Auto-Response-Suppress": "All", "Auto-Submitted": "auto-generated"},
    "gmail_vacation": {"Auto-Submitted": "auto-replied", "Precedence": "bulk"},
    "yandex_auto": {"Auto-Submitted": "auto-replied", "X-Yandex-Autoreply": "yes"},
    "mailru_auto": {"X-Mailru-Autoreply": "1", "Precedence": "bulk"},
    "none": {},
}
_AUTO_SUBJECTS = {"outlook_oof": "Automatic reply: ", "outlook_oof_ru": "Автоматический ответ: ",
                  "rfc3834": "Auto: ", "xautoreply": "Out of Office: ",
                  "precedence": "Autoreply: ", "gmail_vacation": "", "yandex_auto": "",
                  "mailru_auto": "Автоответ: "}


def compose_reply(original: Original, sender: str, text: str, *, client: str = "gmail",
                  auto: str | None = None, subject: str | None = None,
                  received_at: datetime | None = None, msgid_domain: str | None = None) -> bytes:
    """A whole RFC 5322 reply (or autoresponse) from `sender` to `original`."""
    received_at = received_at or original.sent_at + timedelta(hours=3)
    domain = msgid_domain or parseaddr(sender)[1].split("@")[-1]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = original.sender
    if subject is None:
        prefix = _AUTO_SUBJECTS.get(auto or "", "") if auto else ""
        ru = client.endswith("_ru") or client in ("yandex", "mailru")
        subject = f"{prefix}{'' if prefix else ('Re: ' if not ru else 'RE: ')}{original.subject}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(received_at)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["In-Reply-To"] = original.message_id
    msg["References"] = original.message_id
    for name, value in _AUTO_HEADERS.get(auto or "none", {}).items():
        msg[name] = value.format(to=parseaddr(original.sender)[1])
    if client == "gmail_html":
        quoted = "<br>".join(html.escape(line) for line in original.body.split("\n"))
        body = (f'<div dir="ltr">{text}</div><br><div class="gmail_quote">'
                f'<div dir="ltr" class="gmail_attr">{html.escape(_quote_header("gmail", original))}'
                f'</div><blockquote class="gmail_quote">{quoted}</blockquote></div>')
        # HTML only, as some webmail and mobile clients send: the quote is a <blockquote>.
        msg.set_content(body, subtype="html")
    else:
        msg.set_content(text + _quoted(client, original) + "\n")
    return bytes(msg)


def compose_bounce(original: Original, recipient: str, family: str, *,
                   received_at: datetime | None = None) -> bytes:
    """A delivery failure for `recipient` as MTA `family` writes it (see `BOUNCE_FAMILIES`)."""
    from gtm.replies.sample_bounces import render_bounce

    return render_bounce(original, recipient, family,
                         received_at or original.sent_at + timedelta(minutes=2))

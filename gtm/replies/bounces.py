"""Bounces: delivery failure notices parsed into failed recipients, hard/soft, status and reason.

Two paths, most authoritative first:
1. RFC 3464 DSNs: the `message/delivery-status` part's per-recipient blocks (Action, Final- and
   Original-Recipient, Status, Diagnostic-Code).
2. Everything else real mail servers send (Postfix, Exim, qmail, Exchange, Gmail, Yahoo, Mail.ru,
   Yandex, Lotus, GroupWise, ...): the human-readable report, cut before the returned original,
   read line by line for recipient addresses next to failure wording (`bounce_text`).

Hard means the address will not accept mail later either (unknown user, no such domain, disabled
or invalid mailbox, or an unexplained permanent failure) and gets suppressed; soft means it may
(mailbox full, delayed/expired, spam/policy block, message too large, any 4.x.x).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from gtm.replies.bounce_text import (
    candidate_addresses,
    report_text,
    returned_headers,
    usable_address,
)
from gtm.replies.parse import address_of, header_text, message_ids, part_text

SOFT_REASONS = ("mailbox_full", "blocked", "expired", "delayed", "message_too_large",
                "temporary")

# (reason, pattern over the diagnostic text) — first match wins, so specific before generic.
_REASONS: list[tuple[str, re.Pattern]] = [(r, re.compile(p, re.IGNORECASE)) for r, p in [
    ("mailbox_full", r"quota|mailbox (?:is )?full|full mailbox|storage|exceeded (?:the )?(?:size|"
                     r"storage)|over ?limit|mailbox size limit|переполнен|превышен[а-я]* (?:квот|"
                     r"лимит)|нет места"),
    ("message_too_large", r"too (?:large|big)|size limit|message size|exceeds? (?:the )?maximum"),
    ("blocked", r"spam|block|blacklist|denylist|policy|reputation|rejected by|abuse|"
                r"not permitted|relay(?:ing)? (?:denied|not)|dnsbl|spf|dmarc|dkim|content|"
                r"virus|спам|заблокирован|отклонено политик"),
    ("mailbox_disabled", r"disabled|inactive|suspended|deactivated|no longer (?:active|valid)|"
                         r"closed|blocked account|отключ|заблокирован[а-я]* (?:ящик|аккаунт)"),
    ("domain_not_found", r"host (?:or domain name )?not found|domain (?:not found|does not exist|"
                         r"name not found)|no mx|unrouteable|unroutable|name service error|"
                         r"nxdomain|unknown host|no such domain|host unknown|"
                         r"домен[а-я]* не (?:существует|найден)"),
    ("user_unknown", r"unknown|no such|not exist|doesn.?t exist|does not have|not found|"
                     r"invalid (?:recipient|mailbox|user|address)|unavailable|no mailbox|"
                     r"not a valid|address rejected|recipient rejected|user.{0,20}not|"
                     r"bad (?:destination|recipient)|not listed|undeliverable address|"
                     r"нет такого|не существует|не найден|неизвестн"),
    ("invalid_address", r"syntax|malformed|bad address|invalid address"),
    ("expired", r"expired|retry time|timeout|timed out|too long|could not be delivered for|"
                r"giving up|delivery time|истек"),
    ("delayed", r"delay|will (?:continue|keep) (?:trying|to try)|still trying|warning|"
                r"отложен|задерж"),
]]
# Enhanced status codes (RFC 3463) by subject/detail, where they say more than the text.
_STATUS_REASONS = {"1.1": "user_unknown", "1.2": "domain_not_found", "1.3": "invalid_address",
                   "1.6": "mailbox_disabled", "1.10": "user_unknown", "2.1": "mailbox_disabled",
                   "2.2": "mailbox_full", "2.3": "message_too_large", "3.4": "message_too_large",
                   "4.4": "domain_not_found", "4.7": "expired", "7.1": "blocked",
                   "7.7": "blocked", "7.23": "blocked", "7.26": "blocked"}
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_BASIC = re.compile(r"(?<![\d.])([45]\d\d)(?=[ \-])")


@dataclass(frozen=True)
class BouncedRecipient:
    address: str
    kind: str  # "hard" | "soft"
    status: str | None  # enhanced status ("5.1.1") or the basic SMTP reply code ("550")
    reason: str
    diagnostic: str | None = None

    def to_json(self) -> dict:
        return {"address": self.address, "kind": self.kind, "status": self.status,
                "reason": self.reason}


@dataclass(frozen=True)
class BounceReport:
    is_bounce: bool
    recipients: tuple[BouncedRecipient, ...] = ()
    original_message_id: str | None = None
    format: str = "none"  # "dsn" | "text" | "none"

    @property
    def kind(self) -> str | None:
        """The report's kind: hard when any recipient failed hard."""
        if not self.recipients:
            return None
        return "hard" if any(r.kind == "hard" for r in self.recipients) else "soft"

    def to_json(self) -> dict:
        return {"is_bounce": self.is_bounce,
                "recipients": [r.to_json() for r in self.recipients]}


def parse_bounce(msg: Message) -> BounceReport:
    """What a message says about failed deliveries; `is_bounce=False` for anything else."""
    original = returned_headers(msg)
    original_id = next(iter(message_ids(original.get("message-id", ""))), None) \
        if original else None
    original_to = tuple(original.get("__to__", ())) if original else ()
    dsn = _parse_dsn(msg)
    if dsn is not None:
        recipients, saw_dsn = dsn
        if recipients:
            return BounceReport(True, recipients, original_id, "dsn")
        if saw_dsn and not looks_like_bounce(msg):
            return BounceReport(False, (), original_id, "dsn")  # success/relay DSN
    if not looks_like_bounce(msg):
        return BounceReport(False)
    text = report_text(msg)
    exclude = _own_addresses(msg)
    default = _default_kind(msg, text)
    recipients = []
    for address, context in candidate_addresses(msg, text, exclude, original_to):
        recipients.append(_recipient(address, context, default))
    if not recipients and not _failure_words(text + " " + header_text(msg, "Subject")):
        return BounceReport(False)
    return BounceReport(True, tuple(recipients), original_id, "text")


def _parse_dsn(msg: Message) -> tuple[tuple[BouncedRecipient, ...], bool] | None:
    statuses = [p for p in msg.walk() if p.get_content_type() == "message/delivery-status"]
    if not statuses:
        return None
    found: dict[str, BouncedRecipient] = {}
    for part in statuses:
        for block in _status_blocks(part):
            action = (block.get("Action") or "").strip().lower()
            if not action.startswith(("fail", "delay", "error")):
                continue
            address = _dsn_address(block)
            if not address:
                continue
            status = (block.get("Status") or "").strip().split(" ")[0] or None
            diagnostic = " ".join((block.get("Diagnostic-Code") or "").split()) or None
            text = diagnostic or ""
            if action.startswith("delay"):
                recipient = _recipient(address, f"delayed {text}", "soft", status)
                recipient = BouncedRecipient(address, "soft", recipient.status, "delayed",
                                             diagnostic)
            else:
                recipient = _recipient(address, text, "hard", status, diagnostic)
            found.setdefault(address, recipient)
    return tuple(found.values()), True


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    # A delivery-status part the parser left as text (bad encoding): parse its blocks by hand.
    from gtm.replies.parse import parse_message

    text = part_text(part) if not isinstance(payload, str) else payload
    return [parse_message(block.strip() + "\n\n") for block in re.split(r"\n\s*\n", text)
            if block.strip()]


_ADDR = re.compile(r"[^\s<>;\"'(),]+@[^\s<>;\"'(),]+[A-Za-z0-9]")


def _dsn_address(block: Message) -> str | None:
    for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient"):
        value = block.get(name)
        if not value:
            continue
        kind, _, address = str(value).partition(";")
        if not address:
            address = kind
        elif kind.strip().lower() not in ("rfc822", "x-unknown"):
            continue
        match = _ADDR.search(address)
        if match and usable_address(match.group(0).lower(), set()):
            return match.group(0).lower()
    return None


def _recipient(address: str, context: str, default_kind: str, status: str | None = None,
               diagnostic: str | None = None) -> BouncedRecipient:
    status = status if status and _ENHANCED.fullmatch(status) else None
    enhanced = _ENHANCED.search(context or "")
    basic = _BASIC.search(context or "")
    if status is None or (status.endswith(".0.0") and enhanced):
        status = enhanced.group(0) if enhanced else status
    code = status or (basic.group(1) if basic else None)
    reason = reason_for(context, code)
    if code:
        kind = "soft" if code.startswith("4") or reason in SOFT_REASONS else "hard"
    else:
        kind = "soft" if reason in SOFT_REASONS else default_kind
        if kind == "hard" and reason == "unknown":
            reason = "permanent"
    if kind == "hard" and reason in SOFT_REASONS:
        kind = "soft"
    if reason == "unknown":
        reason = "temporary" if kind == "soft" else "permanent"
    return BouncedRecipient(address, kind, code, reason, diagnostic or _short(context))


def reason_for(text: str, status: str | None) -> str:
    """The failure reason from the diagnostic text, else from the enhanced status code."""
    for reason, pattern in _REASONS:
        if text and pattern.search(text):
            return reason
    if status and "." in status:
        _, subject, detail = status.split(".")
        if reason := _STATUS_REASONS.get(f"{subject}.{detail}"):
            return reason
    return "unknown"


def _short(context: str) -> str | None:
    text = " ".join((context or "").split())
    return text[:300] or None


_BOUNCE_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mail\.daemon|"
                             r"mailerdaemon|mail delivery|maildelivery|bounce|bounces|"
                             r"nobody|mdaemon|mmdf|smtp|system)\b", re.IGNORECASE)
_BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|notification|has failed|problem)|"
    r"returned mail|failure notice|mail delivery (?:failed|system|failure|problem)|"
    r"could not (?:be )?deliver|delivery failed|nondeliverable|non-delivery|bounce|"
    r"rejected|warning|message not delivered|delivery report|mail delivery|"
    r"mail system error|недостав|не доставлено|не удалось доставить|ошибка доставки|"
    r"возврат письма|не может быть доставлено", re.IGNORECASE)
_FAILURE_WORDS = re.compile(
    r"could not be delivered|couldn't be delivered|undeliverable|delivery (?:has )?failed|"
    r"failed permanently|permanent(?:ly)? (?:fatal )?error|unable to deliver|"
    r"not be delivered|wasn't able to deliver|was not delivered|delivery to the following|"
    r"following (?:addresses|recipients?)|user unknown|no such user|mailbox unavailable|"
    r"returned to sender|did not reach|message could not|temporary failure|delivery problems|"
    r"has not yet been delivered|could not deliver|не (?:удалось|может быть) доставлен|"
    r"не было доставлено|не доставлено", re.IGNORECASE)


def looks_like_bounce(msg: Message) -> bool:
    sender = address_of(msg, "From")
    local = sender.split("@")[0] if sender else header_text(msg, "From")
    if _BOUNCE_SENDERS.match(local or "") or _BOUNCE_SENDERS.match(header_text(msg, "From")):
        return True
    if (msg.get("Return-Path") or "").strip() in ("<>", ""):
        if _BOUNCE_SUBJECTS.search(header_text(msg, "Subject")):
            return True
    if msg.get_content_type() == "multipart/report":
        return True
    if msg.get("X-Failed-Recipients"):
        return True
    return bool(_BOUNCE_SUBJECTS.search(header_text(msg, "Subject")))


def _failure_words(text: str) -> bool:
    return bool(_FAILURE_WORDS.search(text))


def _default_kind(msg: Message, text: str) -> str:
    subject = header_text(msg, "Subject")
    if re.search(r"warning|delay|not yet been delivered|will (?:continue|keep) trying|"
                 r"still trying|temporar", subject + "\n" + text[:1500], re.IGNORECASE) and \
            not re.search(r"permanent|fatal|user unknown|no such user", text, re.IGNORECASE):
        return "soft"
    return "hard"


def _own_addresses(msg: Message) -> set[str]:
    """Addresses on the bounce itself (its sender, and the original sender it returns to):
    never the failed recipient."""
    names = ("From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Errors-To")
    own = {a for n in names for a in [address_of(msg, n)] if a}
    return own

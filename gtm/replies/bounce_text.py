"""The human-readable side of bounces: the report text, the failed addresses in it, and the
headers of the returned original.

Non-standard bounces differ in wording but share a shape: a report naming the failed
recipient(s) next to a reason, then a copy of the original (whose own From/To must not be taken
for failures). So the report is cut where the copy starts and read line by line; addresses that
belong to the bounce's own envelope, to mail-system role accounts or to header lines are skipped.
"""

from __future__ import annotations

import re
from email.message import Message

from gtm.replies.parse import (
    html_to_text,
    normalize_newlines,
    parse_message,
    part_text,
    text_parts,
)

# Where the returned copy of the original message starts, in the wording of many MTAs.
_ORIGINAL_STARTS = re.compile(
    r"^[\s\-=*_>|]*(?:"
    r"original message (?:follows|headers?|details|below|is attached|as received)|"
    r"-+ ?original message ?-+|"
    r"(?:this|here) is a copy of (?:the|your) (?:original )?message|"
    r"(?:below|following) (?:the next line |this line )?is a copy of the message|"
    r"a copy of the original message|copy of (?:the|your) message|returned mail follows|"
    r"start of returned message|message text follows|here is your returned mail|"
    r"unsent message below|the (?:original )?message headers? (?:follows?|were|was)|"
    r"header of the original message|headers of the original message|"
    r"included is a copy of the message header|your message reads|old message:|"
    r"undelivered message (?:headers )?follows|original message details|"
    r"message headers follow|------ ?returned mail ?------|"
    r"--- ?the header of the original message|text of (?:the )?(?:original )?message|"
    r"это копия вашего сообщения|копия (?:исходного |вашего )?(?:письма|сообщения)|"
    r"исходное сообщение|заголовки (?:исходного )?(?:письма|сообщения)|"
    # Not the original, but where a report's generic explanation starts (Yale's phquery).
    r"-+ ?error detail"
    r")", re.IGNORECASE | re.MULTILINE)
# Two header lines in a row at column 0: an inline copy of the original's headers.
_HEADER_LINE = (r"(?:Received|Return-Path|Message-ID|DKIM-Signature|X-[A-Za-z-]+|MIME-Version|"
                r"Content-Type|From|Date|Subject|To|Sender|Reply-To|Cc|Delivered-To|"
                r"Authentication-Results): [^\n]*\n(?:[ \t][^\n]*\n)*")
_INLINE_HEADERS = re.compile(
    rf"^(?=(?:{_HEADER_LINE}){{0,2}}(?:Received|Return-Path|Message-ID|MIME-Version|Date|"
    rf"DKIM-Signature|X-[A-Za-z-]+): )(?:{_HEADER_LINE}){{3}}", re.MULTILINE | re.IGNORECASE)
# DSN fields written as text (non-MIME DSNs) must stay in the report, not end it.
_DSN_FIELD = re.compile(r"^(?:Reporting-MTA|Final-Recipient|Original-Recipient|Action|Status|"
                        r"Diagnostic-Code|Remote-MTA|Arrival-Date|Last-Attempt-Date)\s*:",
                        re.IGNORECASE | re.MULTILINE)

_ADDRESS = re.compile(
    r"(?<![\w.+\-=/])([A-Za-z0-9!#$%&'*+/=?^_`{|}~\-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w\-]*\.?\w*@)")
_ROLE_LOCALS = re.compile(r"^(?:mailer-daemon|mailerdaemon|mailer_daemon|postmaster|abuse|"
                          r"hostmaster|mail-daemon|mdaemon|double-bounce|bounces?|"
                          r"bounce[-+].*|.*-bounces(?:\+.*)?|.*-request|.*-admin|.*-owner|"
                          r"owner-.*|noreply|no-reply|nobody)$", re.IGNORECASE)
# Lines whose addresses are not recipients: headers of the original and the reporting system.
_SKIP_LINE = re.compile(
    r"^\s*(?:from|sender|reply-to|return-path|message-id|in-reply-to|references|errors-to|"
    r"received|by|with|id|envelope-from|x-[\w-]+|dkim-signature|list-[\w-]+|mail from|"
    r"reporting-mta|remote-mta|received-from-mta|x-postfix-sender|date|subject|cc|"
    r"\(?envelope-from|от|отправитель)\s*[:=]?\s", re.IGNORECASE)
_SKIP_PHRASE = re.compile(r"message[- ]id|mail from:|envelope-from|sender address|"
                          r"the (?:sender|postmaster)|please (?:contact|send)|contact your|"
                          r"return-path|\bfrom:?\s*<|postmaster@|\bsent by\b|"
                          r"report this problem|help desk|received from|accepting mail from|"
                          r"standard form of", re.IGNORECASE)
_FAILURE_NEAR = re.compile(
    r"fail|error|unknown|no such|wrong|no longer|"
    r"not (?:been )?(?:exist|found|known|deliver|reach|valid|a valid|"
    r"(?:exactly )?match)|"
    r"does(?:n't| not)|could(?:n't| not)|unable|undeliver|reject|denied|refused|invalid|"
    r"unavailable|quota|full|disabled|inactive|expired|timeout|timed out|problem|bounce|"
    r"deferred|delay|permanent|temporar|said:|recipient|addressee|<<<|\b[45]\d\d\b|"
    r"[45]\.\d\.\d|no mailbox|suspended|blocked|spam|не |ошибк|неизвестн|переполнен",
    re.IGNORECASE)


def report_text(msg: Message) -> str:
    """The bounce's own words: its text parts, without the returned original message."""
    if msg.is_multipart():
        parts = text_parts(msg)
        text = "\n".join(html_to_text(t) if c == "text/html" else t for c, t in parts)
    else:
        text = part_text(msg)
        if msg.get_content_type() == "text/html":
            text = html_to_text(text)
    text = normalize_newlines(text)
    return _cut_original(text)


def _cut_original(text: str) -> str:
    cut = len(text)
    for pattern in (_ORIGINAL_STARTS, _INLINE_HEADERS):
        match = pattern.search(text)
        # A marker in the first line or two is an intro, not the end of the report.
        if match and text[: match.start()].strip() and match.start() < cut:
            cut = match.start()
    return text[:cut]


def returned_headers(msg: Message) -> dict:
    """Message-ID and recipients of the returned original (attached, headers-only, or inline)."""
    for part in msg.walk():
        ctype = part.get_content_type()
        original = None
        if ctype == "message/rfc822" and isinstance(part.get_payload(), list):
            original = part.get_payload()[0]
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            original = parse_message(part_text(part).lstrip() + "\n\n")
        if original is not None:
            return _header_summary(original.get("Message-ID", ""),
                                   [original.get(n, "") for n in ("To", "Cc")])
    body = normalize_newlines("\n".join(t for _, t in text_parts(msg)) if msg.is_multipart()
                              else part_text(msg))
    match = _INLINE_HEADERS.search(body)
    if match is None:
        return {}
    block = body[match.start():].split("\n\n", 1)[0]
    fields = {}
    for line in block.split("\n"):
        name, _, value = line.partition(":")
        fields.setdefault(name.strip().lower(), value.strip())
    return _header_summary(fields.get("message-id", ""), [fields.get("to", "")])


def _header_summary(message_id: str, recipient_values: list[str]) -> dict:
    to = [a.lower() for v in recipient_values for a in _ADDRESS.findall(str(v or ""))]
    return {"message-id": str(message_id or ""), "__to__": to}


def candidate_addresses(msg: Message, text: str, exclude: set[str],
                        original_to: tuple[str, ...]) -> list[tuple[str, str]]:
    """(failed address, its diagnostic context) in report order, each address once."""
    found: dict[str, str] = {}
    lines = text.split("\n")
    failed_header = str(msg.get("X-Failed-Recipients") or "")
    for address in _ADDRESS.findall(failed_header):
        found.setdefault(_clean(address), _context_for(address, lines, text))
    for address, context in _text_dsn(text):
        found.setdefault(address, context)
    if found:
        return [(a, c) for a, c in found.items() if usable_address(a, exclude)]
    # A list announced by "the following recipients ...:" stays open across blank lines and a
    # couple of reason lines; elsewhere an address counts only with failure wording beside it.
    block = 0
    for index, line in enumerate(lines):
        addresses = [] if _skipped(line) else \
            [a for a in map(_clean, _ADDRESS.findall(_unquote(line))) if usable_address(a, exclude)]
        if _LIST_MARKER.search(line):
            block = 4
        for address in addresses:
            near = _ADDRESS.sub(" ", _neighbourhood(lines, index))
            if address not in found and (block or _FAILURE_NEAR.search(near)
                                         or address in original_to or _ANGLE_COLON.match(line)):
                found[address] = "\n".join(lines[index: index + 4])
        if addresses:
            block = 3 if block else 0
        elif line.strip() and block:
            block -= 1
    if not found:
        found = dict(_bare_names(msg, lines))
    return list(found.items())


# `<a@b>: reason` opening a line: how Postfix, qmail and their kin list each failed recipient.
_ANGLE_COLON = re.compile(r"^\s*<[^<>\s]+@[^<>\s]+>:")


def _neighbourhood(lines: list[str], index: int) -> str:
    """The line with the nearest non-blank line before it and the two after it."""
    before = [line for line in lines[max(0, index - 4): index] if line.strip()][-1:]
    after = [line for line in lines[index + 1: index + 8] if line.strip()][:2]
    return "\n".join([*before, lines[index], *after])


def _skipped(line: str) -> bool:
    if _SKIP_LINE.match(line) or _SKIP_PHRASE.search(line):
        return True
    # "To: a@b" in a report is the original's header block, unless the line itself says it failed.
    return bool(re.match(r"^\s*to\s*:", line, re.IGNORECASE)) and \
        not _FAILURE_NEAR.search(_ADDRESS.sub(" ", line))


_LIST_MARKER = re.compile(
    r"(?:following|these|the|указанн\w*|следующ\w*)\s+(?:\w+\s+)?(?:recipients?|address(?:es)?|"
    r"users?|destinations?|адрес\w*|получател\w*)|"
    r"(?:could not|couldn't|unable to|failed to|not) (?:be )?deliver\w*[^\n]*(?:to|:)\s*$|"
    r"undeliverable address|intended recipient|delivery (?:to|has failed)|did not reach|"
    r"failed recipient|address(?:es)? failed|по (?:следующим )?адрес\w*|адресат\w*",
    re.IGNORECASE)


def _bare_names(msg: Message, lines: list[str]) -> list[tuple[str, str]]:
    """Recipients reported by local part only (AOL screen names, Yale phquery): qualified with
    the reporting system's own domain, since that is the domain they were rejected by."""
    sender = str(msg.get("From") or "")
    domain_match = re.search(r"@([\w.-]+)", sender)
    if not domain_match:
        return []
    domain = _organisation_domain(domain_match.group(1).lower())
    out: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        if not _LIST_MARKER.search(line):
            continue
        for follow in lines[index + 1: index + 6]:
            token = follow.strip().split()[0] if follow.strip() else ""
            if not token:
                continue
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", token) or \
                    token.lower() in ("the", "your", "to", "error"):
                break
            context = "\n".join(lines[index: index + 6])
            out.append((f"{token.lower()}@{domain}", context))
            if domain == "yale.edu":
                # Yale's phquery answered for both its domains (ported from flufl.bounce's Yale
                # detector): the name failed at each.
                out.append((f"{token.lower()}@cs.yale.edu", context))
        if out:
            return out
    return out


def _organisation_domain(host: str) -> str:
    labels = host.split(".")
    keep = 3 if len(labels) > 2 and len(labels[-1]) == 2 and \
        labels[-2] in ("co", "com", "ac", "org", "net", "gov", "edu", "ne", "or") else 2
    return ".".join(labels[-keep:])


def _text_dsn(text: str) -> list[tuple[str, str]]:
    """Per-recipient DSN fields written as plain text (`Final-Recipient: rfc822; a@b`)."""
    out = []
    for match in re.finditer(r"^(?:Original|Final)-Recipient\s*:\s*(?:rfc822\s*;)?\s*<?([^\s<>;]+@"
                             r"[^\s<>;]+?)>?\s*$", text, re.IGNORECASE | re.MULTILINE):
        block = text[match.start(): match.start() + 600]
        action = re.search(r"^Action\s*:\s*(\S+)", block, re.IGNORECASE | re.MULTILINE)
        if action and not action.group(1).lower().startswith(("fail", "delay", "error")):
            continue
        out.append((_clean(match.group(1)), block))
    return out


def _context_for(address: str, lines: list[str], text: str) -> str:
    for index, line in enumerate(lines):
        if address.lower() in line.lower():
            return "\n".join(lines[index: index + 4])
    return text[:600]


def _unquote(line: str) -> str:
    # Quoted-printable leftovers (`=20`) and SMTP transcript brackets around addresses.
    return re.sub(r"=[0-9A-Fa-f]{2}", " ", line)


def _clean(address: str) -> str:
    address = address.strip().strip("<>.,;:'\"()[]").lower()
    return re.sub(r"^(?:smtp|rfc822|mailto|x400)[=:;]", "", address)


def usable_address(address: str, exclude: set[str]) -> bool:
    local, _, domain = address.partition("@")
    if not local or "." not in domain or address in exclude or ".." in local \
            or local.startswith(".") or local.endswith("."):
        return False
    return not _ROLE_LOCALS.match(local)

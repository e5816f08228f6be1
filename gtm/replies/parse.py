"""Reading inbound mail: headers, plain text from multipart/HTML, and the new reply separated from
quoted history and signatures (Gmail, Outlook/Exchange, Apple Mail, Yandex, Mail.ru; EN + RU).

Parsing uses the `compat32` policy on purpose: real bounces and autoresponders carry broken
headers that the modern policy raises on when read; every accessor here degrades to "" instead.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from html.parser import HTMLParser


def parse_message(raw: bytes | str) -> Message:
    if isinstance(raw, str):
        return email.message_from_string(raw, policy=email.policy.compat32)
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def header_text(msg: Message, name: str) -> str:
    """A header decoded from RFC 2047 words, unfolded; "" when absent or undecodable."""
    value = msg.get(name)
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        text = str(value)
    return " ".join(text.split())


def address_of(msg: Message, name: str) -> str:
    """The bare, lower-cased address of a single-address header ("" when none)."""
    return parseaddr(header_text(msg, name))[1].strip().lower()


_MSGID = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str) -> list[str]:
    """Message-IDs in a header value (In-Reply-To, References), without brackets, in order."""
    found = _MSGID.findall(value or "")
    if not found and value and "@" in value and " " not in value.strip():
        found = [value.strip()]  # some mailers drop the brackets
    return found


def part_text(part: Message) -> str:
    """A leaf part's payload decoded with its charset (and a forgiving fallback)."""
    payload = part.get_payload(decode=True)
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1251", "latin-1"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", "replace")


def text_parts(msg: Message) -> list[tuple[str, str]]:
    """(content type, text) of the message's own text parts, in order: attached messages
    (message/rfc822, the original inside a bounce) are not descended into."""
    found: list[tuple[str, str]] = []

    def walk(part: Message) -> None:
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype.startswith("message/"):
                return
            for sub in part.get_payload():
                walk(sub)
        elif ctype in ("text/plain", "text/html") and not _is_attachment(part):
            found.append((ctype, part_text(part)))

    walk(msg)
    return found


def _is_attachment(part: Message) -> bool:
    return (part.get("Content-Disposition") or "").strip().lower().startswith("attachment")


def message_text(msg: Message) -> str:
    """The body as plain text: the text/plain alternative if any, else HTML rendered to text
    (blockquotes become `> ` lines so quote stripping sees them)."""
    parts = text_parts(msg)
    plain = [t for c, t in parts if c == "text/plain" and t.strip()]
    if plain:
        return normalize_newlines("\n".join(plain))
    htmls = [t for c, t in parts if c == "text/html"]
    return normalize_newlines("\n".join(html_to_text(h) for h in htmls))


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")


class _HtmlText(HTMLParser):
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in ("style", "script", "head"):
            self.skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes or "yandex_quote" in classes:
            self.quote_depth += 1
            self._newline()
        elif tag in self._BLOCK:
            self._newline()

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self._newline()
        elif tag in self._BLOCK:
            self._newline()

    def handle_data(self, data):
        if self.skip:
            return
        text = " ".join(data.split())
        if text:
            if not self.lines[-1]:
                self.lines[-1] = "> " * self.quote_depth
            self.lines[-1] += (" " if self.lines[-1].strip(" >") else "") + text

    def _newline(self):
        if self.lines[-1]:
            self.lines.append("")


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:  # html.parser on truly broken markup
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return "\n".join(parser.lines).strip()


# Where quoted history starts. Each pattern matches the attribution line(s) a client writes.
_QUOTE_HEADERS = [
    # Gmail / Apple Mail / Thunderbird EN, possibly wrapped over two lines by the client.
    r"^On\b[^\n]{0,200}(?:\n[^\n]{0,200})?\bwrote:[ \t]*$",
    r"^[^\n]{0,200}\bwrote:[ \t]*$",
    # RU clients: Apple Mail / Outlook "написал(а):", Gmail RU "пн, 12 янв. 2026 г. в 10:15,
    # Имя <a@b>:", Yandex "12.01.2026, 10:15, "Имя" <a@b>:", Mail.ru "... от Имя <a@b>:".
    r"^[^\n]{0,200}(?:\n[^\n]{0,200})?(?:написал|написала|написал\(а\)|пишет)\s*:[ \t]*$",
    r"^[^\n]{0,120}\d{4}[^\n]{0,80}<[^<>\s]+@[^<>\s]+>:?[ \t]*$",
    r"^[^\n]{0,60}\d{1,2}:\d{2}[^\n]{0,80}<[^<>\s]+@[^<>\s]+>\s*:[ \t]*$",
    # Outlook / Exchange separators and header blocks (EN, RU).
    r"^-{2,}\s*(?:Original Message|Исходное сообщение|Пересылаемое сообщение|"
    r"Forwarded message|Переадресованное сообщение)\s*-{2,}",
    r"^_{10,}[ \t]*$",
    r"^(?:\*?From|\*?От|\*?Від):\*?\s[^\n]+\n(?:[^\n]*\n){0,3}?\*?(?:Sent|Date|Отправлено|Дата"
    r"|Кому|To):",
    r"^-{5,}\s*$",
]
_QUOTE_RE = re.compile("|".join(f"(?:{p})" for p in _QUOTE_HEADERS), re.MULTILINE | re.IGNORECASE)
_SIG_RE = re.compile(
    r"^(?:-- ?|--|__|"
    r"Sent from my \w+[^\n]*|Sent from (?:Outlook|Mail|Yahoo Mail)[^\n]*|Get Outlook for[^\n]*|"
    r"Отправлено с (?:iPhone|iPad|моего[^\n]*|мобильного[^\n]*)|"
    r"Отправлено из мобильной [^\n]*|Sent via [^\n]*|Скачать [^\n]*)[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# A sign-off alone on its line: what follows is a name, title and phone numbers.
_SIGNOFF_RE = re.compile(
    r"^(?:best|best regards|kind regards|regards|warm regards|cheers|thanks|thank you|"
    r"many thanks|thx|br|sincerely|всего доброго|всего хорошего|с уважением|спасибо|"
    r"хорошего дня|удачи|best wishes)[,.!]?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


def split_reply(text: str) -> tuple[str, str]:
    """(new reply, quoted history + signature). The reply keeps its wording as written."""
    text = normalize_newlines(text)
    cut = len(text)
    match = _QUOTE_RE.search(text)
    if match and text[: match.start()].strip():
        cut = match.start()
    elif match:
        # Quoting at the very top (a forward with the comment below): keep the text after it.
        cut = len(text)
    lines = text[:cut].split("\n")
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    reply = "\n".join(kept)
    sig = _SIG_RE.search(reply)
    if sig and reply[: sig.start()].strip():
        reply = reply[: sig.start()]
    signoff = _SIGNOFF_RE.search(reply)
    if signoff and reply[: signoff.start()].strip():
        reply = reply[: signoff.start()]
    return reply.strip(), text[cut:].strip()


def extract_reply(text: str) -> str:
    return split_reply(text)[0]

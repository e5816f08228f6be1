"""Comparison keys of the strong person identifiers an export carries besides email.

These are keys for matching, not display values: the stored `linkedin_url` and `phone` keep
what the file said.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

from gtm.intake.matching.folding import fold

_LINKEDIN_URL = re.compile(
    r"^(?:[a-z]+:)?(?://)?(?:[a-z0-9-]+\.)?linkedin\.com(?::\d+)?"
    r"(?:/(?:in|pub)/([^/?#]+)|/sales/(?:lead|people)/([^/?#,]+))"
)
# Member ids (ACoAA... on profile URLs, ACwAA... in Sales Navigator) name the same people as
# vanity slugs do, but in another namespace: an id and a slug that differ prove nothing.
_MEMBER_ID = re.compile(r"^ac[a-z]aa[a-z0-9_-]{10,}$")
# A bare value is taken for a slug only with a hyphen or a digit: "none" or "unknown" in a
# LinkedIn column must not make two rows one profile.
_BARE_SLUG = re.compile(r"^(?=[\w-]*[-\d])[\w-]{5,100}$")
_EXTENSION = re.compile(r"(?:ext\.?|x|#|доб\.?).*$")
_PHONE_KEY_DIGITS = 9  # the subscriber part: "+7 495 …" and "8 (495) …" agree on these


@lru_cache(maxsize=1 << 16)
def linkedin_key(url: str) -> str:
    """`in:<slug>` for a profile URL, `<id kind>:<id>` for a member-id URL, "" for anything else.

    Scheme, `www.` or a country subdomain, query string, fragment, trailing slash and case do
    not matter: `https://uk.linkedin.com/in/Jane-Doe/?trk=x` is `in:jane-doe`.
    """
    text = url.strip().casefold()
    if not text:
        return ""
    if "linkedin." not in text:
        return _slug_key(text) if _BARE_SLUG.match(text) else ""
    match = _LINKEDIN_URL.match(text)
    return _slug_key(unquote(match.group(1) or match.group(2))) if match else ""


def _slug_key(slug: str) -> str:
    return f"{slug[:5]}:{slug}" if _MEMBER_ID.match(slug) else f"in:{slug}"


@lru_cache(maxsize=1 << 16)
def phone_key(phone: str) -> str:
    """The last nine digits of a phone number without its extension, "" when too short to
    identify anyone; national and international spellings of one number agree."""
    digits = "".join(c for c in _EXTENSION.sub("", phone.casefold()) if c.isdigit())
    return digits[-_PHONE_KEY_DIGITS:] if len(digits) >= 7 else ""


_TITLE_WORDS = {
    "vp": "vice president", "svp": "senior vice president", "evp": "executive vice president",
    "ceo": "chief executive officer", "cto": "chief technology officer",
    "cfo": "chief financial officer", "coo": "chief operating officer",
    "cmo": "chief marketing officer", "cio": "chief information officer", "sr": "senior",
    "jr": "junior", "mgr": "manager", "dir": "director", "eng": "engineer", "mktg": "marketing",
    "gen": "general", "gm": "general manager", "hr": "human resources",
    "of": "", "and": "", "the": "",
}  # fmt: skip


@lru_cache(maxsize=1 << 16)
def title_key(position: str) -> str:
    """A job title folded, abbreviations spelt out and filler words dropped, for token ratios."""
    words = (_TITLE_WORDS.get(w, w) for w in fold(position).split())
    return " ".join(w for w in words if w)

"""Email normalisation: clean a cell, validate its syntax, flag role and disposable addresses.

Syntax is a pragmatic RFC 5322 subset — what real mailbox providers accept: an ASCII dot-atom
local part (no quoted strings, no comments, no double or edge dots) and a domain of at least two
LDH labels with an alphabetic or IDN top-level label. Unicode domains are accepted and returned
in Unicode form (see `domains.py`); non-ASCII local parts are rejected because few senders can
deliver to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from disposable_email_domains import blocklist as _DISPOSABLE

from gtm.intake.normalize.domains import canonical_host, registrable_domain

MISSING_EMAIL = "missing_email"
INVALID_EMAIL = "invalid_email"

_LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TOP_LABEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Zero-width and no-break characters that survive copy-paste from web pages and Word.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00a0"), None)

ROLE_LOCAL_PARTS = frozenset(
    """
    info information sales support admin administrator office hello hi contact contacts
    contactus noreply donotreply mailer-daemon team help helpdesk billing accounts accounting
    finance invoice invoices hr jobs job careers career recruiting recruitment marketing press
    media pr webmaster postmaster hostmaster abuse security privacy legal compliance mail email
    enquiries enquiry inquiries inquiry feedback service services customerservice
    customercare care orders order newsletter news reception general staff partners partner
    partnership bookings booking reservations welcome it ops purchasing procurement
    zakaz zakazy priemnaya priem sekretar secretary kadry buh buhgalteria
    bukhgalteriya buhgalter otdel opt prodazhi sale snab snabzhenie tender tenders market
    kancelyariya kanc post pochta ofis zapros client clients klient hotline callcenter
    dispetcher sklad logistika direktor director manager
    """.split()
)
# Short trailing tokens that qualify a role box ("sales.eu", "info-msk") rather than name a person.
_ROLE_QUALIFIER_MAX_LENGTH = 3


@dataclass(frozen=True)
class EmailResult:
    """The outcome of `normalize_email`; `email` and `domain` are None when `reason` is set.

    `domain` is the registrable domain (eTLD+1) of the address, ready to compare with a
    company's domain.
    """

    email: str | None
    domain: str | None
    reason: str | None = None  # MISSING_EMAIL | INVALID_EMAIL
    is_role: bool = False
    is_disposable: bool = False

    @property
    def valid(self) -> bool:
        return self.reason is None


def clean_email(raw: str | None) -> str:
    """Strip what surrounds an address in exports: spaces, `mailto:`, `Name <...>`, case."""
    if raw is None:
        return ""
    value = raw.translate(_INVISIBLE).strip()
    if "<" in value and value.endswith(">"):
        value = value[value.rindex("<") + 1 : -1]
    value = value.strip().strip("<>").strip()
    if value[:7].lower() == "mailto:":
        value = value[7:].split("?", 1)[0]
    # A sentence around the address leaves a trailing period or separator behind.
    return value.strip().rstrip(".,;:").lower()


def is_valid_email(email: str) -> bool:
    """Syntax check of an already cleaned (lower-case) address."""
    if email.count("@") != 1 or len(email) > 254:
        return False
    local, domain = email.split("@")
    if len(local) > 64 or not _LOCAL_PART.match(local):
        return False
    return _ascii_domain(domain) is not None


def is_role_account(email: str) -> bool:
    """Whether the address is a shared/role mailbox (info@, sales@, zakaz@, noreply@ ...)."""
    local = email.rsplit("@", 1)[0].lower().split("+", 1)[0]
    local = local.rstrip("0123456789")
    if local in ROLE_LOCAL_PARTS or re.sub(r"[._-]", "", local) in ROLE_LOCAL_PARTS:
        return True
    first, *rest = re.split(r"[._-]+", local)
    return first in ROLE_LOCAL_PARTS and all(
        t in ROLE_LOCAL_PARTS or len(t) <= _ROLE_QUALIFIER_MAX_LENGTH for t in rest
    )


def is_disposable(email_or_domain: str) -> bool:
    """Whether the domain (or a parent of it) is a known disposable-mail provider."""
    domain = email_or_domain.rsplit("@", 1)[-1].lower().strip(".")
    labels = domain.split(".")
    return any(".".join(labels[i:]) in _DISPOSABLE for i in range(len(labels) - 1))


@lru_cache(maxsize=65536)
def normalize_email(raw: str | None) -> EmailResult:
    """Clean, validate and classify one email cell."""
    email = clean_email(raw)
    if not email:
        return EmailResult(None, None, MISSING_EMAIL)
    if not is_valid_email(email):
        return EmailResult(None, None, INVALID_EMAIL)
    local, domain = email.split("@")
    unicode_domain = canonical_host(domain)
    if unicode_domain is None:
        return EmailResult(None, None, INVALID_EMAIL)
    email = f"{local}@{unicode_domain}"
    return EmailResult(
        email=email,
        domain=registrable_domain(unicode_domain),
        is_role=is_role_account(email),
        is_disposable=is_disposable(_ascii_domain(domain) or domain),
    )


def _ascii_domain(domain: str) -> str | None:
    """The domain's ASCII (A-label) form when it is syntactically valid, else None."""
    if not domain or len(domain) > 253:
        return None
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    return ascii_domain if _TOP_LABEL.match(labels[-1]) else None

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

import polars as pl
from disposable_email_domains import blocklist as _DISPOSABLE

from gtm.intake.normalize.domains import canonical_host, idna_ascii_lengths_ok, registrable_domain

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


def normalize_email_column(values: pl.Series) -> pl.DataFrame:
    """`normalize_email` over a column: columns `email`, `reason`, `is_role`, `is_disposable`.

    Cells that are one plain printable-ASCII token with nothing for `clean_email` to remove
    (nearly all of them) are checked by polars expressions applying the same rules, with each
    distinct domain checked once in Python; every other cell goes through `normalize_email`.
    """
    frame = values.rename("raw").to_frame().with_columns(lowered=pl.col("raw").str.to_lowercase())
    plain = (
        pl.col("raw").str.contains(r"^[!-~]+$")
        & ~pl.col("raw").str.contains(r"[<>]|[.,;:]$")
        & ~pl.col("lowered").str.starts_with("mailto:")
    ).fill_null(False)
    parts = pl.col("lowered").str.split_exact("@", 1)
    frame = frame.with_columns(
        plain=plain,
        single_at=pl.col("lowered").str.count_matches("@", literal=True) == 1,
        local=parts.struct.field("field_0"),
        host=parts.struct.field("field_1"),
    )
    hosts = frame.filter(pl.col("plain") & pl.col("single_at"))["host"].unique().to_list()
    facts = [(h, *(_email_domain(h) or (None, None))) for h in hosts]
    frame = frame.join(
        pl.DataFrame(facts, schema={"host": pl.String, "unicode_host": pl.String,
                                    "host_disposable": pl.Boolean}, orient="row"),
        on="host", how="left", maintain_order="left",
    )
    others = frame.filter(~pl.col("plain") & pl.col("raw").is_not_null())["raw"].unique().to_list()
    slow = [(raw, r.email, r.reason, r.is_role, r.is_disposable)
            for raw, r in zip(others, map(normalize_email, others), strict=True)]
    frame = frame.join(
        pl.DataFrame(slow, schema={"raw": pl.String, "slow_email": pl.String,
                                   "slow_reason": pl.String, "slow_role": pl.Boolean,
                                   "slow_disposable": pl.Boolean}, orient="row"),
        on="raw", how="left", maintain_order="left",
    )
    valid = (
        pl.col("single_at")
        & (pl.col("lowered").str.len_chars() <= 254)
        & (pl.col("local").str.len_chars() <= 64)
        & pl.col("local").str.contains(_LOCAL_PART.pattern)
        & pl.col("unicode_host").is_not_null()
    ).fill_null(False)
    missing = pl.col("raw").is_null()
    return frame.select(
        email=pl.when(pl.col("plain")).then(
            pl.when(valid).then(pl.concat_str("local", pl.lit("@"), "unicode_host"))
        ).otherwise(pl.col("slow_email")),
        reason=pl.when(missing).then(pl.lit(MISSING_EMAIL))
        .when(pl.col("plain")).then(pl.when(~valid).then(pl.lit(INVALID_EMAIL)))
        .otherwise(pl.col("slow_reason")),
        is_role=pl.when(pl.col("plain") & valid).then(_is_role_expr(pl.col("local")))
        .when(pl.col("plain") | missing).then(False)
        .otherwise(pl.col("slow_role")),
        is_disposable=pl.when(pl.col("plain") & valid).then(pl.col("host_disposable"))
        .when(pl.col("plain") | missing).then(False)
        .otherwise(pl.col("slow_disposable")),
    )


def _is_role_expr(local: pl.Expr) -> pl.Expr:
    """`is_role_account` of a lower-case local part, as an expression."""
    roles = list(ROLE_LOCAL_PARTS)
    base = local.str.split("+").list.first().str.strip_chars_end("0123456789")
    tokens = base.str.replace_all("[._-]+", ".").str.split(".")
    rest_qualifies = tokens.list.slice(1).list.eval(
        pl.element().is_in(roles) | (pl.element().str.len_chars() <= _ROLE_QUALIFIER_MAX_LENGTH)
    ).list.all()
    return (
        base.is_in(roles)
        | base.str.replace_all("[._-]", "").is_in(roles)
        | (tokens.list.first().is_in(roles) & rest_qualifies)
    )


@lru_cache(maxsize=65536)
def _email_domain(domain: str) -> tuple[str, bool] | None:
    """(Unicode form, is disposable) of an address's domain; None when it is not valid."""
    ascii_domain = _ascii_domain(domain)
    unicode_domain = canonical_host(domain) if ascii_domain else None
    if unicode_domain is None:
        return None
    return unicode_domain, is_disposable(ascii_domain)


def _ascii_domain(domain: str) -> str | None:
    """The domain's ASCII (A-label) form when it is syntactically valid, else None."""
    if not domain or len(domain) > 253:
        return None
    if domain.isascii():
        if not idna_ascii_lengths_ok(domain):
            return None
        ascii_domain = domain.lower()  # what the codec returns for it
    else:
        try:
            ascii_domain = domain.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    return ascii_domain if _TOP_LABEL.match(labels[-1]) else None

"""Registrable domains (eTLD+1) from websites and emails, and free-mail detection.

The Public Suffix List is the snapshot that `tldextract` ships: no download, ever
(`suffix_list_urls=()`, no cache directory). PSL private suffixes are honoured, so
`acme.myshopify.com` and `acme.github.io` stay distinct companies instead of collapsing into
`myshopify.com` / `github.io`.

IDN: domains are returned in Unicode form, lower-cased and IDNA-normalised, so
`xn--e1afmkfd.xn--p1ai` and `ПРИМЕР.РФ` both give `пример.рф`. One form keeps dedupe exact;
Unicode is what a Russian user expects to read. Convert with `.encode("idna")` where a protocol
(DNS, SMTP) needs ASCII.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(
    cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True, include_psl_private_domains=True
)
# "host:port" must not read as a scheme, so a scheme needs "//" unless it is a known one.
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|(?:https?|ftp|mailto):/*)", re.IGNORECASE)
_BROKEN_SCHEME = re.compile(r"^(?:https?//|//)", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")

# Free/personal mailbox providers: an address there says nothing about the employer.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com icloud.com me.com mac.com aol.com mail.com email.com usa.com
    proton.me protonmail.com protonmail.ch pm.me tutanota.com tutanota.de tuta.io tuta.com
    zohomail.com fastmail.com fastmail.fm hey.com duck.com mailbox.org posteo.de posteo.net
    gmx.com gmx.net gmx.de web.de t-online.de freenet.de arcor.de online.no seznam.cz email.cz
    centrum.cz post.cz volny.cz atlas.cz orange.fr free.fr laposte.net sfr.fr wanadoo.fr
    libero.it virgilio.it qq.com 163.com 126.com naver.com hanmail.net rediffmail.com
    mail.ru bk.ru inbox.ru list.ru internet.ru ya.ru rambler.ru lenta.ru autorambler.ru
    myrambler.ru ro.ru ukr.net i.ua meta.ua tut.by suomi24.fi luukku.com
    """.split()
)
# Brands whose free mail exists under many country suffixes (yahoo.co.uk, hotmail.fr, ...).
FREE_MAIL_BRANDS = frozenset(
    "yahoo ymail rocketmail hotmail outlook live msn windowslive yandex gmx aol".split()
)


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str | None:
    """The eTLD+1 of a host name, or None for IPs, bare names and malformed hosts."""
    host = canonical_host(host.strip().strip(".").lower())
    if host is None:
        return None
    parts = _EXTRACT.extract_str(host)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"


def domain_from_website(url: str | None) -> str | None:
    """Registrable domain of a website value: `https://www.shop.example.co.uk/x` -> `example.co.uk`.

    Accepts what people type in a "Website" cell: no scheme, `www.` only, ports, paths, queries,
    mistyped schemes (`http//`, `https:/`), user info. Anything with spaces inside is not a URL.
    """
    if not url:
        return None
    value = url.strip()
    if not value or len(value.split()) > 1:  # whitespace inside
        return None
    value = _BROKEN_SCHEME.sub("", _SCHEME.sub("", value))
    host = urlsplit("//" + value).hostname
    return registrable_domain(host) if host else None


def domain_from_email(email: str | None) -> str | None:
    """Registrable domain of an email address (`a@mail.acme.co.uk` -> `acme.co.uk`)."""
    if not email or "@" not in email:
        return None
    return registrable_domain(email.rsplit("@", 1)[1])


def is_free_mail_domain(domain: str | None) -> bool:
    """Whether the domain belongs to a free/personal mailbox provider (gmail, yahoo.*, mail.ru)."""
    if not domain:
        return False
    registrable = registrable_domain(domain)
    if registrable is None:
        return False
    if registrable in FREE_MAIL_DOMAINS:
        return True
    return registrable.split(".", 1)[0] in FREE_MAIL_BRANDS


def company_domain_from_email(email: str | None) -> str | None:
    """The email's registrable domain when it can identify an employer, else None.

    A gmail.com or mail.ru address must never define a company's domain.
    """
    domain = domain_from_email(email)
    return None if domain is None or is_free_mail_domain(domain) else domain


@lru_cache(maxsize=65536)
def canonical_host(host: str) -> str | None:
    """Lower-case Unicode form of a host name, or None when it is not a valid one.

    The IDNA round trip makes A-labels (`xn--p1ai`) and U-labels (`РФ`) give one form.
    """
    if not host or ".." in host:
        return None
    if host.isascii() and "xn--" not in host:
        if not idna_ascii_lengths_ok(host):
            return None
        canonical = host  # what the codec returns for it
    else:
        try:
            canonical = host.encode("idna").decode("idna")
        except UnicodeError:
            return None
    labels = canonical.split(".")
    if not all(_LABEL.match(label) and "_" not in label for label in labels):
        return None
    return canonical


def idna_ascii_lengths_ok(name: str) -> bool:
    """The checks Python's idna codec makes of an ASCII name, which it otherwise leaves as is."""
    labels = name.split(".")
    return all(0 < len(label) < 64 for label in labels[:-1]) and len(labels[-1]) < 64

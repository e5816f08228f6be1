"""Domains: registrable domain from websites and emails with the bundled PSL, free mail."""

from __future__ import annotations

import socket

import pytest

from gtm.intake.normalize.domains import (
    company_domain_from_email,
    domain_from_email,
    domain_from_website,
    is_free_mail_domain,
    registrable_domain,
)


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.shop.example.co.uk/path", "example.co.uk"),
        ("http://acme.com", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("acme.com", "acme.com"),
        ("ACME.COM/About-Us", "acme.com"),
        ("https://acme.com:8443/x?y=1#z", "acme.com"),
        ("acme.com:8080/path", "acme.com"),
        ("http//acme.com", "acme.com"),
        ("https:/acme.com", "acme.com"),
        ("//acme.com", "acme.com"),
        ("https://user:pw@portal.acme.io/", "acme.io"),
        ("https://acme.com.", "acme.com"),
        ("  https://www.acme.no  ", "acme.no"),
        ("ftp://files.acme.de", "acme.de"),
        ("https://acme.com.au", "acme.com.au"),
        ("https://www.acme.gov.uk", "acme.gov.uk"),
        ("https://acme.myshopify.com", "acme.myshopify.com"),  # PSL private suffix
        ("https://acme.github.io/docs", "acme.github.io"),
        ("пример.рф", "пример.рф"),
        ("http://ПРИМЕР.РФ/", "пример.рф"),
        ("http://xn--e1afmkfd.xn--p1ai/", "пример.рф"),
    ],
)
def test_domain_from_website(url, domain):
    assert domain_from_website(url) == domain


@pytest.mark.parametrize(
    "url",
    [None, "", "   ", "acme", "localhost", "http://localhost:8000", "1.2.3.4",
     "http://192.168.0.1/admin", "foo bar.com", "-acme.com", "acme_x.com", "n/a", "http://",
     "co.uk", "acme..com"],
)  # fmt: skip
def test_domain_from_website_rejects_non_domains(url):
    assert domain_from_website(url) is None


@pytest.mark.parametrize(
    ("email", "domain"),
    [("ann@acme.com", "acme.com"), ("ann@mail.acme.co.uk", "acme.co.uk"),
     ("ann@ПРИМЕР.РФ", "пример.рф"), ("ann", None), (None, None), ("ann@localhost", None)],
)  # fmt: skip
def test_domain_from_email(email, domain):
    assert domain_from_email(email) == domain


def test_registrable_domain():
    assert registrable_domain("a.b.c.example.com") == "example.com"
    assert registrable_domain("example") is None


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "hotmail.com",
     "hotmail.fr", "outlook.com", "outlook.de", "live.com", "icloud.com", "me.com",
     "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "bk.ru",
     "inbox.ru", "list.ru", "yandex.ru", "yandex.com", "ya.ru", "rambler.ru", "seznam.cz",
     "online.no", "GMAIL.COM", "mx.yandex.ru"],
)  # fmt: skip
def test_free_mail_domains(domain):
    assert is_free_mail_domain(domain)


@pytest.mark.parametrize("domain", ["acme.com", "equinor.no", "yahoo-partners.com", "", None])
def test_company_domains_are_not_free_mail(domain):
    assert not is_free_mail_domain(domain)


def test_personal_email_never_defines_a_company_domain():
    assert company_domain_from_email("ivan@mail.ru") is None
    assert company_domain_from_email("ann@yahoo.co.uk") is None
    assert company_domain_from_email("ann@sales.acme.no") == "acme.no"
    assert company_domain_from_email("not an email") is None


def test_public_suffix_list_is_never_downloaded(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    from gtm.intake.normalize import domains

    fresh = type(domains._EXTRACT)(
        cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
    )
    assert fresh.extract_str("www.bbc.co.uk").suffix == "co.uk"
    assert domains._EXTRACT.suffix_list_urls == ()
    assert domains._EXTRACT.extract_str("a.example.com.br").suffix == "com.br"

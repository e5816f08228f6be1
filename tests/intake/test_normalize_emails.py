"""Email normalisation: cleaning, syntax, reason codes, role and disposable flags."""

from __future__ import annotations

import pytest

from gtm.intake.normalize.emails import (
    INVALID_EMAIL,
    MISSING_EMAIL,
    EmailResult,
    clean_email,
    is_disposable,
    is_role_account,
    is_valid_email,
    normalize_email,
)


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("  John.Doe@Example.COM ", "john.doe@example.com"),
        ("mailto:Ann@Acme.io", "ann@acme.io"),
        ("MAILTO:ann@acme.io?subject=Hi", "ann@acme.io"),
        ("<ann@acme.io>", "ann@acme.io"),
        ("Ann Lee <ann@acme.io>", "ann@acme.io"),
        ("ann@acme.io.", "ann@acme.io"),
        ("ann@acme.io;", "ann@acme.io"),
        ("\u200bann@acme.io\u00a0", "ann@acme.io"),
        ("first.last+tag@sub.acme.co.uk", "first.last+tag@sub.acme.co.uk"),
        ("o'brien@acme.ie", "o'brien@acme.ie"),
    ],
)
def test_valid_emails_are_cleaned(raw, email):
    result = normalize_email(raw)
    assert result.valid and result.reason is None
    assert result.email == email


@pytest.mark.parametrize("raw", [None, "", "   ", "<>", "mailto:"])
def test_missing_email(raw):
    assert normalize_email(raw) == EmailResult(None, None, MISSING_EMAIL)


@pytest.mark.parametrize(
    "raw",
    [
        "john", "john@", "@acme.com", "john@acme", "john@acme.c", "john doe@acme.com",
        "john..doe@acme.com", ".john@acme.com", "john.@acme.com", "john@acme..com",
        "john@-acme.com", "john@acme-.com", "john@acme.123", "a@b@acme.com",
        "ann@acme.com; bob@acme.com", "иван@acme.ru", "john@acme_corp.com",
        "x" * 65 + "@acme.com", "john@" + "a" * 64 + ".com", "john@xn--zz.com",
        '"john doe"@acme.com',
    ],
)  # fmt: skip
def test_invalid_emails_get_a_reason(raw):
    result = normalize_email(raw)
    assert result == EmailResult(None, None, INVALID_EMAIL)
    assert not result.valid


def test_domain_is_the_registrable_domain():
    assert normalize_email("ann@mail.acme.co.uk").domain == "acme.co.uk"
    assert normalize_email("ann@acme.no").domain == "acme.no"


def test_idn_domains_are_returned_in_unicode():
    for raw in ("ivan@ПРИМЕР.РФ", "ivan@xn--e1afmkfd.xn--p1ai"):
        result = normalize_email(raw)
        assert result.email == "ivan@пример.рф"
        assert result.domain == "пример.рф"


@pytest.mark.parametrize(
    "email",
    [
        "info@acme.com", "sales@acme.com", "support@acme.com", "admin@acme.com",
        "office@acme.com", "hello@acme.com", "contact@acme.com", "noreply@acme.com",
        "no-reply@acme.com", "do-not-reply@acme.com", "info2@acme.com", "info-msk@acme.ru",
        "sales.eu@acme.com", "zakaz@firma.ru", "priemnaya@firma.ru", "buh@firma.ru",
        "Info@Acme.com", "info+crm@acme.com", "mailer-daemon@acme.com",
    ],
)  # fmt: skip
def test_role_accounts(email):
    assert is_role_account(email)


@pytest.mark.parametrize(
    "email",
    ["ann@acme.com", "john.sales@acme.com", "anna.hr@acme.com", "infante@acme.com",
     "i.ivanov@firma.ru", "salesforce.admin.bob@acme.com"],
)  # fmt: skip
def test_personal_accounts_are_not_role_accounts(email):
    assert not is_role_account(email)


def test_disposable_domains_come_from_the_package_list():
    assert is_disposable("x@mailinator.com")
    assert is_disposable("mailinator.com")
    assert is_disposable("x@eu.mailinator.com")  # a subdomain of a listed domain
    assert not is_disposable("x@gmail.com")
    assert not is_disposable("x@acme.com")


def test_result_flags():
    assert normalize_email("info@acme.com").is_role
    assert not normalize_email("info@acme.com").is_disposable
    result = normalize_email("bob@mailinator.com")
    assert result.is_disposable and not result.is_role and result.valid


def test_clean_and_validate_separately():
    assert clean_email(None) == ""
    assert clean_email(" <A@B.CO> ") == "a@b.co"
    assert is_valid_email("a@b.co")
    assert not is_valid_email("A B@b.co")

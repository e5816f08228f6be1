"""Email normalisation: cleaning, syntax, reason codes, role and disposable flags."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtm.intake.normalize.emails import (
    INVALID_EMAIL,
    MISSING_EMAIL,
    ROLE_LOCAL_PARTS,
    EmailResult,
    clean_email,
    is_disposable,
    is_role_account,
    is_valid_email,
    normalize_email,
    normalize_email_column,
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


def _per_value(values: list[str | None]) -> list[tuple]:
    return [(r.email, r.reason, r.is_role, r.is_disposable) for r in map(normalize_email, values)]


def _column(values: list[str | None]) -> list[tuple]:
    return list(normalize_email_column(pl.Series(values, dtype=pl.String)).iter_rows())


def test_the_column_form_gives_what_normalize_email_gives():
    values = [None, "", "  ", "<>", "John.Doe@Example.COM", " ann@acme.io ", "mailto:a@b.io",
              "Ann <ann@acme.io>", "ann@acme.io.", "info-msk@acme.ru", "sales.eu@acme.com",
              "customer.service@x.org", "info.abcd@a.com", "-info@x.org", "x@sub.mailinator.com",
              "ivan@ПРИМЕР.РФ", "ivan@xn--e1afmkfd.xn--p1ai", "a@b@c.com", "john@acme",
              "x" * 65 + "@acme.com", "john@" + "a" * 64 + ".com", "a@" + "b" * 63 + "\n",
              "o'brien@acme.ie", "info@acme.com"]  # fmt: skip
    assert _column(values) == _per_value(values)


ROLE_WORDS = sorted(ROLE_LOCAL_PARTS)[:40] + ["ann", "eu", "msk", "abcd", "", "7"]
LOCAL_PARTS = st.lists(st.sampled_from(ROLE_WORDS), min_size=1, max_size=4).flatmap(
    lambda words: st.tuples(*(st.sampled_from([".", "_", "-", "--", "+", ""]) for _ in words))
    .map(lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True))))
EMAIL_ISH = st.one_of(
    st.text(alphabet="abcXYZ019.+-_@<>:;, '\"\u00a0\u200bжü", max_size=16),
    st.tuples(LOCAL_PARTS, st.sampled_from(["@acme.com", "@mailinator.com", "@a.co.uk", "@x",
                                            "@ПРИМЕР.рф", "@xn--p1ai.ru", "@a..b"]))
    .map("".join),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | EMAIL_ISH, max_size=30))
def test_the_column_form_agrees_on_arbitrary_cells(values):
    assert _column(values) == _per_value(values)

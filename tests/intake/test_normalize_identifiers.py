"""Tax and registration identifiers with checksums (RU, NO, CZ, FI, FR); others unchecked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cz import dic as cz_dic

from gtm.intake.normalize.identifiers import (
    INVALID_REGISTRATION_NUMBER,
    INVALID_TIN,
    IdResult,
    is_valid_cz_ico,
    validate_registration_number,
    validate_tin,
)

# Valid numbers come from python-stdnum's documentation and from public registries
# (Sberbank INN 7707083893 / OGRN 1027700132195, Equinor orgnr 923609016).
VALID_TINS = [
    ("7707083893", "RU", "7707083893", "ru_inn"),
    ("500100732259", "RU", "500100732259", "ru_inn"),
    ("123456789047", "Россия", "123456789047", "ru_inn"),
    ("RU 7707083893", "RU", "7707083893", "ru_inn"),
    ("7707083893.0", "RU", "7707083893", "ru_inn"),  # Excel's float formatting
    ("'7707083893", "RU", "7707083893", "ru_inn"),  # Excel's text marker
    ("274062111", "RU", "0274062111", "ru_inn"),  # leading zero dropped by Excel
    ("988 077 917", "NO", "988077917", "no_orgnr"),
    ("NO 923 609 016 MVA", "Norway", "923609016", "no_orgnr"),
    ("CZ 25123891", "CZ", "CZ25123891", "cz_dic"),
    ("25123891", "CZ", "CZ25123891", "cz_dic"),
    ("7103192745", "CZ", "CZ7103192745", "cz_dic"),
    ("2077474-0", "FI", "2077474-0", "fi_ytunnus"),
    ("FI 20774740", "FI", "2077474-0", "fi_ytunnus"),
    ("404 833 048", "FR", "404833048", "fr_siren"),
    ("FR 40 303 265 045", "FR", "FR40303265045", "fr_tva"),
    ("K7399859412", "FR", "FRK7399859412", "fr_tva"),
]


@pytest.mark.parametrize(("raw", "country", "value", "kind"), VALID_TINS)
def test_valid_tins(raw, country, value, kind):
    assert validate_tin(raw, country) == IdResult(value, kind, valid=True)
    assert validate_tin(raw, country).checked


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("7707083894", "RU"), ("123456789037", "RU"), ("12345", "RU"), ("abc", "RU"),
        ("7.70708E+09", "RU"), ("988 077 918", "NO"), ("25123890", "CZ"), ("2077474-1", "FI"),
        ("404833047", "FR"), ("84 323 140 391", "FR"),
    ],
)  # fmt: skip
def test_invalid_tins_are_rejected_with_a_reason(raw, country):
    result = validate_tin(raw, country)
    assert not result.valid
    assert result.reason == INVALID_TIN
    assert result.value  # the cleaned input is kept for the reject report


VALID_REGISTRATIONS = [
    ("1027700132195", "RU", "1027700132195", "ru_ogrn"),
    ("1022200525819", "RU", "1022200525819", "ru_ogrn"),
    ("385768585948949", "RU", "385768585948949", "ru_ogrnip"),
    ("923 609 016", "NO", "923609016", "no_orgnr"),
    ("25596641", "CZ", "25596641", "cz_ico"),
    ("CZ25596641", "CZ", "25596641", "cz_ico"),
    ("23752", "CZ", "00023752", "cz_ico"),  # leading zeros dropped by a spreadsheet
    ("2077474-0", "FI", "2077474-0", "fi_ytunnus"),
    ("552 008 443", "FR", "552008443", "fr_siren"),
    ("732 829 320 00074", "FR", "73282932000074", "fr_siret"),
]


@pytest.mark.parametrize(("raw", "country", "value", "kind"), VALID_REGISTRATIONS)
def test_valid_registration_numbers(raw, country, value, kind):
    assert validate_registration_number(raw, country) == IdResult(value, kind, valid=True)


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("1022500001328", "RU"), ("102770013219", "RU"), ("923609017", "NO"),
        ("25596642", "CZ"), ("2559664A", "CZ"), ("2077474-1", "FI"), ("73282932000079", "FR"),
        ("404833047", "FR"),
    ],
)  # fmt: skip
def test_invalid_registration_numbers_are_rejected_with_a_reason(raw, country):
    result = validate_registration_number(raw, country)
    assert not result.valid
    assert result.reason == INVALID_REGISTRATION_NUMBER


@pytest.mark.parametrize(
    ("raw", "country", "value"),
    [("HRB  12345", "DE", "HRB 12345"), ("SC123456", "GB", "SC123456"),
     ("7707083894", None, "7707083894"), ("12-34", "Atlantis", "12-34")],
)  # fmt: skip
def test_unknown_country_keeps_the_cleaned_value_unchecked(raw, country, value):
    for validate in (validate_tin, validate_registration_number):
        result = validate(raw, country)
        assert result == IdResult(value, "unchecked", valid=True)
        assert not result.checked


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—", "n/a", "N/A", "нет", "null"])
def test_placeholders_are_missing_not_invalid(raw):
    assert validate_tin(raw, "RU") == IdResult(None, None, valid=True)
    assert validate_registration_number(raw, "RU") == IdResult(None, None, valid=True)


# stdnum's DIČ refuses 8-digit numbers starting with 9 (a DIČ-only rule), hence the bound.
@given(st.integers(min_value=0, max_value=8_999_999))
def test_cz_ico_checksum_agrees_with_stdnum_dic_for_legal_entities(base):
    digits = f"{base:07d}"
    for check in "0123456789":
        number = digits + check
        assert is_valid_cz_ico(number) == cz_dic.is_valid(number)


@pytest.mark.parametrize("raw", ["1234567", "123456789", "abcdefgh", ""])
def test_cz_ico_needs_eight_digits(raw):
    assert not is_valid_cz_ico(raw)

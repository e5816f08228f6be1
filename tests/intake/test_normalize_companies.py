"""Company names: legal forms in many countries, the matching key, the display name."""

from __future__ import annotations

import pytest

from gtm.intake.normalize.companies import (
    clean_company_display_name,
    legal_form,
    normalize_company_name,
)

CASES = [
    # (raw name, normalised key, legal form)
    ("Acme, Inc.", "acme", "Inc"),
    ("ACME INC", "acme", "Inc"),
    ("Acme Incorporated", "acme", "Inc"),
    ("Acme LLC", "acme", "LLC"),
    ("Acme, L.L.C.", "acme", "LLC"),
    ("Acme Ltd", "acme", "Ltd"),
    ("Acme Ltd.", "acme", "Ltd"),
    ("Acme Limited", "acme", "Ltd"),
    ("Acme Pty Ltd", "acme", "Pty Ltd"),
    ("Barclays PLC", "barclays", "PLC"),
    ("Acme Corp.", "acme", "Corp"),
    ("Acme Corporation", "acme", "Corp"),
    ("Smith & Co", "smith", "Co"),
    ("The Coca-Cola Company", "coca cola", "Co"),
    ("Siemens AG", "siemens", "AG"),
    ("Robert Bosch GmbH", "robert bosch", "GmbH"),
    ("Acme Holding GmbH & Co. KG", "acme holding", "GmbH & Co. KG"),
    ("Allianz SE", "allianz", "SE"),
    ("Danone S.A.", "danone", "S.A."),
    ("Danone SA", "danone", "S.A."),
    ("Acme SAS", "acme", "SAS"),
    ("Acme S.A.S.", "acme", "SAS"),
    ("Acme SARL", "acme", "SARL"),
    ("Acme S.r.l.", "acme", "S.r.l."),
    ("Ferrari S.p.A.", "ferrari", "SpA"),
    ("Ferrari SpA", "ferrari", "SpA"),
    ("Shell B.V.", "shell", "B.V."),
    ("Philips N.V.", "philips", "N.V."),
    ("AB Volvo", "volvo", "AB"),
    ("Spotify AB", "spotify", "AB"),
    ("Telenor AS", "telenor", "AS"),
    ("Equinor ASA", "equinor", "ASA"),
    ("Nokia Oyj", "nokia", "Oyj"),
    ("Supercell Oy", "supercell", "Oy"),
    ("Oy Karl Fazer Ab", "karl fazer", "Oy"),
    ("Acme ApS", "acme", "ApS"),
    ("Novo Nordisk A/S", "novo nordisk", "A/S"),
    ("Alza.cz s.r.o.", "alza cz", "s.r.o."),
    ("Škoda Auto a.s.", "skoda auto", "a.s."),
    ("Acme Sp. z o.o.", "acme", "Sp. z o.o."),
    ("ООО «Ромашка»", "ромашка", "ООО"),
    ('ООО "Ромашка"', "ромашка", "ООО"),
    ("ООО«Ромашка»", "ромашка", "ООО"),
    ("OOO Romashka", "romashka", "ООО"),
    ("ОАО «РЖД»", "ржд", "ОАО"),
    ("ЗАО Ёлка", "елка", "ЗАО"),
    ("ПАО Сбербанк", "сбербанк", "ПАО"),
    ("АО «Тинькофф Банк»", "тинькофф банк", "АО"),
    ("ИП Иванов Иван Иванович", "иванов иван иванович", "ИП"),
    ("Общество с ограниченной ответственностью «Ромашка»", "ромашка", "ООО"),
    ("Ромашка, ООО", "ромашка", "ООО"),
]


@pytest.mark.parametrize(("raw", "key", "form"), CASES)
def test_normalize_company_name_and_legal_form(raw, key, form):
    assert normalize_company_name(raw) == key
    assert legal_form(raw) == form


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Johnson & Johnson", "johnson and johnson"),
        ("Johnson and Johnson", "johnson and johnson"),
        ("Société Générale", "societe generale"),
        ("  acme   labs ", "acme labs"),
        ("Acme-Labs!", "acme labs"),
        ("The Acme", "acme"),
        ("Day Spa", "day spa"),  # "Spa" is not S.p.A.
        ("Charge EV", "charge ev"),  # "EV" is not e.V.
        ("Texas Instruments", "texas instruments"),  # "as" only as a separate word
        ("AS", "as"),  # a name that is only a legal form keeps it
        ("ООО", "ооо"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_company_name_without_legal_form(raw, key):
    assert normalize_company_name(raw) == key


def test_variants_of_one_company_share_a_key():
    variants = ["ACME, INC.", "Acme Inc", "acme", '"Acme" Inc.', "Acme Incorporated"]
    assert {normalize_company_name(v) for v in variants} == {"acme"}


@pytest.mark.parametrize("raw", ["Acme Labs", "Day Spa", "Texas Instruments", "", None])
def test_legal_form_is_none_when_absent(raw):
    assert legal_form(raw) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('  "Acme  Inc" ', "Acme Inc"),
        ('ООО ""Ромашка""', 'ООО "Ромашка"'),
        ("ООО « Ромашка »", "ООО «Ромашка»"),
        ("«ООО Ромашка»", "ООО Ромашка"),
        ("Acme , Inc", "Acme, Inc"),
        ('Acme "Inc', "Acme Inc"),
        ("Acme\u00a0GmbH", "Acme GmbH"),
        ("   ", None),
        (None, None),
    ],
)
def test_clean_company_display_name_keeps_the_legal_form(raw, clean):
    assert clean_company_display_name(raw) == clean

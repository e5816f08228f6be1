"""Countries to ISO 3166-1 alpha-2 from English and Russian names, codes and aliases."""

from __future__ import annotations

import pytest

from gtm.intake.normalize.countries import fold_country, to_iso_country


@pytest.mark.parametrize(
    ("value", "code"),
    [
        # Russian names
        ("Россия", "RU"), ("Российская Федерация", "RU"), ("РФ", "RU"), ("Германия", "DE"),
        ("США", "US"), ("Норвегия", "NO"), ("Чехия", "CZ"), ("Финляндия", "FI"),
        ("Франция", "FR"), ("Великобритания", "GB"), ("Соединённые Штаты", "US"),
        ("Беларусь", "BY"), ("Белоруссия", "BY"), ("Казахстан", "KZ"), ("Швеция", "SE"),
        ("ОАЭ", "AE"), ("Южная Корея", "KR"), ("Нидерланды", "NL"),
        # English names and aliases
        ("Norway", "NO"), ("Czechia", "CZ"), ("Czech Republic", "CZ"),
        ("Russian Federation", "RU"), ("Russia", "RU"), ("UK", "GB"), ("U.K.", "GB"),
        ("United Kingdom", "GB"), ("England", "GB"), ("USA", "US"), ("U.S.A.", "US"),
        ("United States of America", "US"), ("the Netherlands", "NL"), ("Holland", "NL"),
        ("South Korea", "KR"), ("Korea", "KR"), ("Iran", "IR"), ("Turkey", "TR"),
        ("Türkiye", "TR"), ("Côte d’Ivoire", "CI"), ("Congo", "CG"),
        # codes, any case, surrounding spaces
        ("ru", "RU"), (" NO ", "NO"), ("RUS", "RU"), ("nor", "NO"), ("DEU", "DE"),
        # local-language names
        ("Deutschland", "DE"), ("Norge", "NO"), ("Suomi", "FI"), ("Česko", "CZ"),
        ("Sverige", "SE"), ("España", "ES"),
        # locations: the country is one of the comma-separated parts
        ("Oslo, Norway", "NO"), ("Москва, Россия", "RU"), ("Berlin, Germany", "DE"),
        ("Prague (Czechia)", "CZ"),
    ],
)  # fmt: skip
def test_to_iso_country(value, code):
    assert to_iso_country(value) == code


@pytest.mark.parametrize("value", [None, "", "   ", "Nowhere", "Moscow", "Earth", "123"])
def test_unknown_countries_give_none(value):
    assert to_iso_country(value) is None


def test_fold_country():
    assert fold_country("  Côte d'Ivoire ") == "cote d ivoire"
    assert fold_country("U.S.A.") == "usa"
    assert fold_country("Соединённые  Штаты") == "соединенные штаты"

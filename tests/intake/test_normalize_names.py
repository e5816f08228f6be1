"""Person names: splitting (western, "Last, First", Russian order), capitalisation, keys."""

from __future__ import annotations

import pytest

from gtm.intake.normalize.names import (
    PersonName,
    clean_name_part,
    fix_capitalisation,
    person_name_key,
    split_full_name,
)


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("John Smith", PersonName("John", "Smith")),
        ("  John   Smith ", PersonName("John", "Smith")),
        ("JOHN SMITH", PersonName("John", "Smith")),
        ("john smith", PersonName("John", "Smith")),
        ("John Michael Smith", PersonName("John", "Smith", "Michael")),
        ("Smith, John", PersonName("John", "Smith")),
        ("smith, john michael", PersonName("John", "Smith", "Michael")),
        ("Dr. John M. Smith Jr.", PersonName("John", "Smith", "M.")),
        ("Mr John Smith", PersonName("John", "Smith")),
        ("Prof. Dr. Anna Weber", PersonName("Anna", "Weber")),
        ("John Smith, PhD", PersonName("John", "Smith")),
        ("Jane Doe III", PersonName("Jane", "Doe")),
        ("Madonna", PersonName("Madonna", None)),
        ("Ludwig van Beethoven", PersonName("Ludwig", "van Beethoven")),
        ("LUDWIG VAN BEETHOVEN", PersonName("Ludwig", "van Beethoven")),
        ("juan de la cruz", PersonName("Juan", "de la Cruz")),
        ("Jean-Luc PICARD", PersonName("Jean-Luc", "Picard")),
        ("mary o'neil", PersonName("Mary", "O'Neil")),
        ("RONALD MCDONALD", PersonName("Ronald", "McDonald")),
        # Russian order, detected by the patronymic wherever it is.
        ("Иванов Иван Иванович", PersonName("Иван", "Иванов", "Иванович")),
        ("ИВАНОВА МАРИЯ ПЕТРОВНА", PersonName("Мария", "Иванова", "Петровна")),
        ("Иван Иванович Иванов", PersonName("Иван", "Иванов", "Иванович")),
        ("Мамедов Эльчин Ахмед оглы", PersonName("Эльчин", "Мамедов", "Ахмед оглы")),
        ("Ivanov Ivan Ivanovich", PersonName("Ivan", "Ivanov", "Ivanovich")),
        # Two Cyrillic words: surname first only when the first looks like one.
        ("Петрова Анна", PersonName("Анна", "Петрова")),
        ("Анна Петрова", PersonName("Анна", "Петрова")),
        ("Сергей Брин", PersonName("Сергей", "Брин")),
        ("г-н Петров Пётр", PersonName("Пётр", "Петров")),
    ],
)
def test_split_full_name(full, expected):
    assert split_full_name(full) == expected


@pytest.mark.parametrize("full", [None, "", "   ", "Mr.", "Dr"])
def test_split_empty_names(full):
    assert split_full_name(full) == PersonName(None, None)


@pytest.mark.parametrize(
    ("name", "fixed"),
    [
        ("JOHN", "John"), ("john", "John"), ("ИВАНОВ", "Иванов"), ("o'neil", "O'Neil"),
        ("D'ANGELO", "D'Angelo"), ("mcdonald", "McDonald"), ("anna-maria", "Anna-Maria"),
        ("SCHMIDT-MCDONALD", "Schmidt-McDonald"), ("ludwig van beethoven", "Ludwig van Beethoven"),
        ("VAN DER BERG", "Van der Berg"), ("ÉMILE ZOLA", "Émile Zola"),
        # Mixed case was typed on purpose and stays.
        ("McDonald", "McDonald"), ("DeVries", "DeVries"), ("van Gogh", "van Gogh"),
        ("Macdonald", "Macdonald"), ("", ""),
    ],
)  # fmt: skip
def test_fix_capitalisation(name, fixed):
    assert fix_capitalisation(name) == fixed


def test_fix_capitalisation_after_a_first_name_keeps_the_particle_lower():
    assert fix_capitalisation("DE LA CRUZ", leading_particle_lower=True) == "de la Cruz"


@pytest.mark.parametrize(
    ("part", "clean"),
    [("  dr.  ANNA  ", "Anna"), ("SMITH JR.", "Smith"), ("mcdonald", "McDonald"),
     ("DeVries", "DeVries"), ("   ", None), (None, None), ("Mr.", None), ("M.", "M.")],
)  # fmt: skip
def test_clean_name_part(part, clean):
    assert clean_name_part(part) == clean


@pytest.mark.parametrize(
    ("first", "last", "key"),
    [
        ("John", "Smith", "john smith"),
        ("JOHN", "SMITH", "john smith"),
        ("Jürgen", "Müller", "jurgen muller"),
        ("Ёлкин", "Пётр", "елкин петр"),
        ("Zoë", "O'Neil", "zoe oneil"),
        ("Anna-Maria", "Smith", "anna maria smith"),
        (None, "Smith", "smith"),
        ("John", None, "john"),
        (None, None, ""),
    ],
)
def test_person_name_key(first, last, key):
    assert person_name_key(first, last) == key


def test_person_name_key_matches_spelling_variants():
    assert person_name_key("Артём", "Семёнов") == person_name_key("Артем", "Семенов")
    assert person_name_key("José", "García") == person_name_key("Jose", "GARCIA")

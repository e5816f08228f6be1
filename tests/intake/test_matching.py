"""The fuzzy person and company matcher: comparator behaviour, blocking, ambiguity, clustering."""

from __future__ import annotations

import random
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtm.intake.matching import (
    COMPANY_MATCH_THRESHOLD,
    PERSON_MATCH_THRESHOLD,
    CompanyKey,
    PersonKey,
    cluster_pairs,
    company_similarity,
    find_company_duplicates,
    find_person_duplicates,
    person_similarity,
    score_person_pairs,
)

ACME = "Acme Analytics"


def matches(a: PersonKey, b: PersonKey) -> bool:
    return person_similarity(a, b) >= PERSON_MATCH_THRESHOLD


def test_identical_names_match() -> None:
    john = PersonKey("John", "Smith", ACME)
    assert person_similarity(john, PersonKey("John", "Smith", ACME)) == 1
    assert matches(PersonKey("JOHN", "SMITH", ACME), PersonKey("john", "smith", "acme analytics"))


def test_swapped_first_and_last_match() -> None:
    assert matches(PersonKey("John", "Smith", ACME), PersonKey("Smith", "John", ACME))
    assert matches(PersonKey("Иван", "Петров", ACME), PersonKey("Петров", "Иван", ACME))


@pytest.mark.parametrize(
    ("first", "last"),
    [("Jhon", "Smith"), ("John", "Smiht"), ("John", "Smth"), ("John", "Smitth"), ("J.", "Smith")],
)
def test_single_typo_or_initial_matches(first: str, last: str) -> None:
    assert matches(PersonKey("John", "Smith", ACME), PersonKey(first, last, ACME))


def test_different_people_at_the_same_company_do_not_match() -> None:
    john = PersonKey("John", "Smith", ACME)
    assert not matches(john, PersonKey("Mary", "Smith", ACME))
    assert not matches(john, PersonKey("John", "Brown", ACME))
    assert not matches(john, PersonKey("Peter", "Jones", ACME))
    # Russian feminine forms are another person, not a typo
    alexander = PersonKey("Александр", "Новиков", ACME)
    assert not matches(alexander, PersonKey("Александра", "Новикова", ACME))


def test_same_name_at_another_company_scores_lower_than_at_the_same_one() -> None:
    john = PersonKey("John", "Smith", ACME)
    same = person_similarity(john, PersonKey("John", "Smith", ACME))
    unknown = person_similarity(john, PersonKey("John", "Smith", ""))
    other = person_similarity(john, PersonKey("John", "Smith", "Globex Logistics"))
    assert same > unknown > other
    assert other < PERSON_MATCH_THRESHOLD <= unknown


def test_cyrillic_yo_and_transliteration() -> None:
    fyodor = PersonKey("Фёдор", "Семёнов", "Яндекс")
    assert person_similarity(fyodor, PersonKey("Федор", "Семенов", "Яндекс")) == 1
    assert matches(fyodor, PersonKey("Fyodor", "Semyonov", "Yandex"))
    assert matches(PersonKey("Юрий", "Щербаков", ACME), PersonKey("Iurii", "Shcherbakov", ACME))


def test_agreeing_attributes_raise_and_disagreeing_lower_the_score() -> None:
    def with_phone(phone: str) -> float:
        a = PersonKey("John", "Smith", ACME, attributes=("+15550100",))
        return person_similarity(a, PersonKey("Jon", "Smith", "", attributes=(phone,)))

    assert with_phone("+15550100") > with_phone("") > with_phone("+44207946000")


def test_an_equal_email_settles_it() -> None:
    a = PersonKey("John", "Smith", ACME, "js@acme.io")
    assert person_similarity(a, PersonKey("J", "Doe", "", "JS@acme.io")) == 1


def test_a_company_less_record_matching_two_people_is_left_alone() -> None:
    loose = PersonKey("John", "Smith", "")
    one = [PersonKey("John", "Smith", ACME), loose]
    assert [(i, j) for i, j, _ in find_person_duplicates(one)] == [(0, 1)]
    two = [*one, PersonKey("John", "Smith", "Globex Logistics")]
    assert find_person_duplicates(two) == []
    assert len(find_person_duplicates(two, drop_ambiguous=False)) == 2


def test_cluster_pairs_is_transitive() -> None:
    assert cluster_pairs(6, [(3, 4, 0.9), (1, 2), (0, 1)]) == [0, 0, 0, 3, 3, 5]
    assert cluster_pairs(3, []) == [0, 1, 2]


def _corrupt(first: str, last: str, company: str, rng: random.Random) -> PersonKey:
    """One export-style corruption, the kind blocking is built to survive."""
    kind = rng.choice(["typo_first", "typo_last", "swap", "case", "initial", "no_company"])
    if kind in ("typo_first", "typo_last"):
        word = first if kind == "typo_first" else last
        i = rng.randrange(1, len(word) - 1)
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        first, last = (word, last) if kind == "typo_first" else (first, word)
    elif kind == "swap":
        first, last = last, first
    elif kind == "case":
        first, last = first.upper(), last.upper()
    elif kind == "initial":
        first = first[0] + "."
    else:
        company = ""
    return PersonKey(first, last, company)


def _small_export(seed: int) -> list[PersonKey]:
    rng = random.Random(seed)
    firsts = "James Mary Robert Linda Michael Sarah Иван Ольга Сергей Мария Dmitry Anna".split()
    lasts = "Smith Johnson Garcia Miller Davis Иванов Петрова Сидоров Kuznetsov Novak Lee".split()
    companies = ["Acme Analytics", "Globex Logistics", "Initech", "Северсталь", "Umbrella Labs"]
    records = []
    for _ in range(250):
        first, last, company = rng.choice(firsts), rng.choice(lasts), rng.choice(companies)
        records.append(PersonKey(first, last, company))
        if rng.random() < 0.3:
            records.append(_corrupt(first, last, company, rng))
    rng.shuffle(records)
    return records


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocking_finds_what_all_pairs_finds(seed: int) -> None:
    records = _small_export(seed)
    pairs = list(combinations(range(len(records)), 2))
    scores = score_person_pairs(records, pairs)
    all_pairs = {pair for pair, s in zip(pairs, scores, strict=True) if s >= PERSON_MATCH_THRESHOLD}
    blocked = find_person_duplicates(records, drop_ambiguous=False)
    assert {(i, j) for i, j, _ in blocked} == all_pairs
    assert len(all_pairs) > 100  # the set is dense enough for the comparison to mean something
    assert blocked == sorted(blocked)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Blue Ocean Technologies", "Blue Ocean Tech"),
        ("Blue Ocean Technologies", "Ocean Blue Technologies"),
        ("Blue Ocean Technologies", "Blue Ocaen Technologies"),
        ("International Business Machines", "IBM"),
        ("Johnson & Johnson", "Johnson and Johnson"),
        ("Яндекс", "Yandex"),
        ("RoyalEagle Labs", "Royal Eagle Labs"),
    ],
)
def test_company_variants_match(a: str, b: str) -> None:
    assert company_similarity(a, b, same_country=True) >= COMPANY_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Blue Ocean Systems", "Blue Ocean Software"),
        ("Swift Wave Technologies", "River Technologies"),
        ("Moon Energy", "Modern Moon Energy"),
        ("Apple", "Apple Bank"),
    ],
)
def test_different_companies_do_not_match(a: str, b: str) -> None:
    assert company_similarity(a, b, same_country=True) < COMPANY_MATCH_THRESHOLD


def test_the_same_name_in_another_country_is_another_company() -> None:
    here = company_similarity("Nordic Solutions", "Nordic Solutions", same_country=True)
    there = company_similarity("Nordic Solutions", "Nordic Solutions", same_country=False)
    assert there < COMPANY_MATCH_THRESHOLD <= here


def test_find_company_duplicates() -> None:
    records = [
        CompanyKey("Blue Ocean Technologies", "US"),
        CompanyKey("Globex Logistics", "DE"),
        CompanyKey("blue ocean tech", "US"),
        CompanyKey("Blue Ocean Technologies", "FI"),
        CompanyKey("Globex Logistik", "DE"),
    ]
    assert [(i, j) for i, j, _ in find_company_duplicates(records)] == [(0, 2), (1, 4)]


_texts = st.text(max_size=12)
_people = st.lists(
    st.builds(PersonKey, _texts, _texts, _texts, _texts, linkedin=_texts, phone=_texts,
              country=_texts, position=_texts, attributes=st.lists(_texts, max_size=2).map(tuple)),
    max_size=25,
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(_people)
def test_any_records_give_ordered_scored_pairs(records: list[PersonKey]) -> None:
    found = find_person_duplicates(records, drop_ambiguous=False)
    assert found == sorted(found)
    assert all(i < j and PERSON_MATCH_THRESHOLD <= s <= 1 for i, j, s in found)
    pairs = list(combinations(range(len(records)), 2))
    scores = score_person_pairs(records, pairs)
    assert ((scores >= 0) & (scores <= 1)).all()

"""What LinkedIn profiles, phone numbers, countries, titles and name frequency do to a match."""

from __future__ import annotations

import pytest

from gtm.intake.matching import (
    PERSON_MATCH_THRESHOLD,
    PersonKey,
    find_person_duplicates,
    linkedin_key,
    person_similarity,
    phone_key,
    score_person_pairs,
)

ACME, GLOBEX = "Acme Analytics", "Globex Logistics"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/Jane-Doe-42",
        "http://linkedin.com/in/jane-doe-42/",
        "linkedin.com/in/jane-doe-42",
        "https://uk.linkedin.com/in/jane-doe-42?trk=people-guest",
        "www.linkedin.com/in/jane-doe-42/?locale=en_US#about",
        " jane-doe-42 ",
    ],
)
def test_linkedin_spellings_of_one_profile_agree(url: str) -> None:
    assert linkedin_key(url) == "in:jane-doe-42"


@pytest.mark.parametrize(
    "value",
    ["", "none", "n/a", "https://www.linkedin.com/company/acme", "https://evil.example/in/jane",
     "https://linkedin.com.evil.example/in/jane"],
)  # fmt: skip
def test_what_is_not_a_profile_has_no_key(value: str) -> None:
    assert linkedin_key(value) == ""


def test_member_ids_live_apart_from_vanity_slugs() -> None:
    assert linkedin_key("https://www.linkedin.com/in/ACoAAB1234567890abcdef").startswith("acoaa:")
    assert linkedin_key(
        "https://www.linkedin.com/sales/lead/ACwAAB1234567890abc,NAME_SEARCH,x"
    ) == ("acwaa:acwaab1234567890abc")
    id_url, vanity = "linkedin.com/in/ACoAAB1234567890abcdef", "linkedin.com/in/john-smith"
    a = PersonKey("John", "Smith", ACME, linkedin=id_url)
    assert person_similarity(a, PersonKey("John", "Smith", ACME, linkedin=vanity)) == 1


def test_phone_spellings_of_one_number_agree() -> None:
    keys = {phone_key(p) for p in ["+1 (555) 010-2345", "555.010.2345", "+15550102345 ext. 12",
                                   "001 555 010 2345"]}  # fmt: skip
    assert keys == {"550102345"}
    assert phone_key("+7 (495) 123-45-67") == phone_key("8 495 1234567")
    assert phone_key("12-34") == ""


def test_different_linkedin_profiles_veto_a_match() -> None:
    a = PersonKey("John", "Smith", ACME, linkedin="linkedin.com/in/john-smith-1a2b")
    b = PersonKey("John", "Smith", ACME, linkedin="linkedin.com/in/john-smith-9f8e")
    assert person_similarity(a, b) == 0
    assert find_person_duplicates([a, b]) == []


def test_one_linkedin_profile_is_near_decisive() -> None:
    a = PersonKey("Jon", "Smith", "", linkedin="https://www.linkedin.com/in/JSmith-42/?trk=x")
    b = PersonKey("Jonathan", "Smithers", ACME, linkedin="linkedin.com/in/jsmith-42")
    assert person_similarity(a, b) >= PERSON_MATCH_THRESHOLD
    assert person_similarity(PersonKey("Jon", "Smith", ""), b) < PERSON_MATCH_THRESHOLD
    # a profile pasted into an unrelated row does not make two people one
    stranger = PersonKey("Maria", "Garcia", ACME, linkedin="linkedin.com/in/jsmith-42")
    assert person_similarity(a, stranger) < PERSON_MATCH_THRESHOLD


def test_one_phone_number_settles_close_names_only() -> None:
    def score(first: str, phone_b: str) -> float:
        a = PersonKey("John", "Smith", ACME, phone="+1 555 010 2345")
        return person_similarity(a, PersonKey(first, "Smith", GLOBEX, phone=phone_b))

    assert score("John", "(555) 010-2345") >= PERSON_MATCH_THRESHOLD > score("John", "")
    # a household's or a desk's number: two first names stay two people
    assert score("Jane", "(555) 010-2345") < PERSON_MATCH_THRESHOLD


def test_a_shared_line_in_the_batch_confirms_nothing() -> None:
    line = "+1 555 010 2345"
    pair = [
        PersonKey("John", "Smith", ACME, phone=line),
        PersonKey("John", "Smith", GLOBEX, phone=line),
    ]
    colleagues = [PersonKey(f, "Brown", ACME, phone=line) for f in ("Ann", "Bob", "Cy", "Di")]
    assert score_person_pairs(pair, [(0, 1)])[0] >= PERSON_MATCH_THRESHOLD
    assert score_person_pairs(pair + colleagues, [(0, 1)])[0] < PERSON_MATCH_THRESHOLD


def test_another_country_counts_against_most_without_a_company() -> None:
    def score(company_b: str, country_b: str) -> float:
        a = PersonKey("John", "Smith", ACME if company_b else "", country="US")
        return person_similarity(a, PersonKey("John", "Smith", company_b, country=country_b))

    assert score("", "DE") < PERSON_MATCH_THRESHOLD <= score("", "US")
    assert score(ACME, "DE") >= PERSON_MATCH_THRESHOLD  # colleagues abroad: weak evidence


def test_titles_are_weak_evidence_either_way() -> None:
    def score(title_b: str) -> float:
        a = PersonKey("Jon", "Smith", ACME, position="VP Sales")
        return person_similarity(a, PersonKey("John", "Smith", ACME, position=title_b))

    assert score("Vice President of Sales") > score("") > score("Head of Finance")
    assert score("Head of Finance") >= PERSON_MATCH_THRESHOLD


def _batch_with_common_names() -> list[PersonKey]:
    """John and Smith are everywhere in it; Whitcroft and Zachary once."""
    firsts = ["John", "Mary", "James", "Anna"]
    lasts = ["Smith", "Brown", "Jones", "Lee", "Moore"]
    return [PersonKey(f, s, f"Company {k}") for k in range(12) for f in firsts for s in lasts
            if (f, s) != ("John", "Smith")]  # fmt: skip


def test_common_name_strangers_without_company_are_not_merged() -> None:
    batch = [*_batch_with_common_names(), PersonKey("John", "Smith", ACME),
             PersonKey("John", "Smith", "")]  # fmt: skip
    a, b = len(batch) - 2, len(batch) - 1
    assert person_similarity(batch[a], batch[b]) >= PERSON_MATCH_THRESHOLD  # on its own
    assert (a, b) not in {(i, j) for i, j, _ in find_person_duplicates(batch)}


def test_rare_names_without_company_still_match() -> None:
    batch = [*_batch_with_common_names(), PersonKey("Zachary", "Whitcroft", ACME),
             PersonKey("Zachary", "Whitcroft", "")]  # fmt: skip
    a, b = len(batch) - 2, len(batch) - 1
    assert (a, b) in {(i, j) for i, j, _ in find_person_duplicates(batch)}


def test_an_initial_without_company_is_too_vague_in_a_crowd() -> None:
    batch = [*_batch_with_common_names(), PersonKey("Jane", "Jones", ACME),
             PersonKey("J.", "Jones", "")]  # fmt: skip
    a, b = len(batch) - 2, len(batch) - 1
    assert (a, b) not in {(i, j) for i, j, _ in find_person_duplicates(batch)}

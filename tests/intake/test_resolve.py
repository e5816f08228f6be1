"""Entity resolution of people: exact keys, fuzzy names and the identifiers that confirm or veto."""

from __future__ import annotations

import polars as pl

from gtm.intake.resolve import resolve_employees
from gtm.intake.staging import STAGED_SCHEMA

ACME_ID = "00000000-0000-0000-0000-00000000acme"
EXISTING_KEYS = ["id", "email", "first_name", "last_name", "company_id"]  # what the store loads


def staged(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame([{"row_number": k + 2, **row} for k, row in enumerate(rows)],
                        schema=STAGED_SCHEMA)  # fmt: skip


def targets(frame: pl.DataFrame, existing: pl.DataFrame | None = None) -> list[str | None]:
    existing = (
        pl.DataFrame(schema=dict.fromkeys(EXISTING_KEYS, pl.String))
        if existing is None
        else existing
    )
    return resolve_employees(frame, existing, [ACME_ID] * len(frame)).row_targets


def person(first: str, last: str, **fields: str) -> dict:
    return {"first_name": first, "last_name": last, "normalized_name": "acme", **fields}


def test_one_linkedin_profile_is_one_person_whatever_the_spelling() -> None:
    frame = staged(
        person("Jon", "Smith", linkedin_url="https://www.linkedin.com/in/JSmith-42/?trk=x"),
        person("Jonathan", "Smithers", linkedin_url="linkedin.com/in/jsmith-42"),
    )
    first, second = targets(frame)
    assert first == second


def test_two_linkedin_profiles_are_two_people_with_one_name() -> None:
    frame = staged(
        person("John", "Smith", linkedin_url="linkedin.com/in/john-smith-1a2b"),
        person("John", "Smith", linkedin_url="linkedin.com/in/john-smith-9f8e"),
    )
    first, second = targets(frame)
    assert first != second


def test_a_phone_in_two_spellings_outweighs_a_stale_title_and_country() -> None:
    def rows(phone: str) -> pl.DataFrame:
        return staged(
            person(
                "John", "Smith", phone="+1 555 010 2345", country="US", position="Head of Finance"
            ),
            person("Jonh", "Smith", phone=phone, country="GB", position="Software Engineer"),
        )

    first, second = targets(rows(""))
    assert first != second
    first, second = targets(rows("(555) 010-2345"))
    assert first == second


def test_a_chain_of_fuzzy_matches_does_not_join_two_profiles() -> None:
    # The middle row, without a profile, matches both; it may join one of them, never both.
    frame = staged(
        person("John", "Smith", linkedin_url="linkedin.com/in/john-smith-1a2b"),
        person("John", "Smith"),
        person("Jon", "Smith", linkedin_url="linkedin.com/in/john-smith-9f8e"),
    )
    first, middle, last = targets(frame)
    assert first != last
    assert middle in (first, last)


def test_an_email_and_a_profile_veto_together_across_exact_keys() -> None:
    # Same profile, two emails: one record cannot hold both addresses.
    frame = staged(
        person("John", "Smith", email="john@acme.io", linkedin_url="linkedin.com/in/js-42"),
        person("John", "Smith", email="john.smith@gmail.com", linkedin_url="linkedin.com/in/js-42"),
    )
    first, second = targets(frame)
    assert first != second


def test_stored_keys_without_profile_columns_still_resolve() -> None:
    existing = pl.DataFrame(
        {"id": ["e1"], "email": [None], "first_name": ["John"], "last_name": ["Smith"],
         "company_id": [ACME_ID]}, schema=dict.fromkeys(EXISTING_KEYS, pl.String),
    )  # fmt: skip
    (target,) = targets(staged(person("Jon", "Smith")), existing)
    assert target == "e1"


def test_a_stored_profile_claims_its_rows() -> None:
    existing = pl.DataFrame(
        {"id": ["e1"], "email": ["john@acme.io"], "first_name": ["John"], "last_name": ["Smith"],
         "company_id": [ACME_ID], "linkedin_url": ["https://linkedin.com/in/js-42"]},
        schema=dict.fromkeys([*EXISTING_KEYS, "linkedin_url"], pl.String),
    )  # fmt: skip
    (target,) = targets(staged(person("J.", "Smyth", linkedin_url="linkedin.com/in/JS-42/")),
                        existing)  # fmt: skip
    assert target == "e1"

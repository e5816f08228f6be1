"""Column mapping: synonyms (EN/RU), known export formats, overrides, fuzzy and LLM fallbacks."""

from __future__ import annotations

import json

import pytest

from gtm.errors import TerminalError
from gtm.intake.mapping import (
    CANONICAL_FIELDS,
    COMPANY_FIELDS,
    PERSON_FIELDS,
    ColumnMapping,
    ColumnMatch,
    MappingError,
    detect_export_format,
    header_key,
    map_columns,
    parse_map_overrides,
)

APOLLO = [
    "First Name", "Last Name", "Title", "Company", "Company Name for Emails", "Email",
    "Email Status", "Seniority", "Departments", "First Phone", "Mobile Phone", "# Employees",
    "Industry", "Keywords", "Person Linkedin Url", "Website", "Company Linkedin Url", "City",
    "State", "Country", "Company City", "Company Country", "Apollo Contact Id",
]  # fmt: skip
HUBSPOT = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title",
    "Company Name", "Website URL", "Country/Region", "City", "Lifecycle Stage", "Contact owner",
    "Create Date",
]  # fmt: skip
LINKEDIN = [
    "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
]  # fmt: skip
SALES_NAVIGATOR = [
    "First Name", "Last Name", "Title", "Company", "Company Domain", "Profile URL", "Geography",
]  # fmt: skip


def fields(mapping: ColumnMapping) -> dict[str, str | None]:
    return {c.source: c.field for c in mapping.columns}


def test_canonical_fields_are_the_company_and_person_fields():
    assert CANONICAL_FIELDS == COMPANY_FIELDS + PERSON_FIELDS
    assert len(set(CANONICAL_FIELDS)) == len(CANONICAL_FIELDS)


@pytest.mark.parametrize(
    ("header", "key"),
    [("E-mail", "email"), ("e_mail", "email"), (" EMAIL ", "email"), ("Эл. почта", "элпочта"),
     ("# Employees", "employees"), ("Country/Region", "countryregion"), ("Ёмкость", "емкость")],
)  # fmt: skip
def test_header_key_folds_case_punctuation_spaces_and_underscores(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Компания", "company_name"), ("Название компании", "company_name"),
        ("Организация", "company_name"), ("ИНН", "tin"), ("ОГРН", "registration_number"),
        ("Должность", "position"), ("Почта", "email"), ("Эл. почта", "email"),
        ("E-mail", "email"), ("e_mail", "email"), ("Email Address", "email"),
        ("Фамилия", "last_name"), ("Имя", "first_name"), ("ФИО", "full_name"),
        ("Страна", "country"), ("Город", "city"), ("Сайт", "website"), ("Отрасль", "industry"),
        ("Численность", "size_employees"), ("Телефон", "phone"), ("Отдел", "department"),
        ("Company", "company_name"), ("Organisation", "company_name"), ("Job Title", "position"),
        ("first_name", "first_name"), ("LAST NAME", "last_name"), ("Surname", "last_name"),
        ("Web site", "website"), ("Domain", "domain"), ("VAT number", "tin"),
        ("Org.nr", "registration_number"), ("IČO", "registration_number"),
        ("Y-tunnus", "registration_number"), ("SIREN", "registration_number"),
        ("Time zone", "timezone"), ("Language", "language"), ("Seniority", "seniority"),
        ("LinkedIn", "linkedin_url"), ("Segment", "segment"), ("МСП", "sme_registry"),
        ("Status", "client_status"), ("Name", "full_name"), ("Headcount", "size_employees"),
    ],
)  # fmt: skip
def test_synonyms_in_english_and_russian(header, field):
    mapping = map_columns([header])
    assert mapping.columns == (ColumnMatch(header, field, "synonym"),)


def test_unknown_headers_stay_unmapped():
    mapping = map_columns(["Email", "Favourite colour", "Notes"])
    assert fields(mapping) == {"Email": "email", "Favourite colour": None, "Notes": None}
    assert mapping.unmapped == ["Favourite colour", "Notes"]
    assert mapping.detected_format is None


def test_each_field_is_claimed_by_one_column_only():
    mapping = map_columns(["Email", "E-mail", "Почта"])
    assert fields(mapping) == {"Email": "email", "E-mail": None, "Почта": None}


@pytest.mark.parametrize(
    ("headers", "name"),
    [(APOLLO, "apollo"), (HUBSPOT, "hubspot"), (LINKEDIN, "linkedin_connections"),
     (SALES_NAVIGATOR, "sales_navigator"), (["First Name", "Last Name", "Email"], None)],
)  # fmt: skip
def test_detects_export_format(headers, name):
    assert detect_export_format(headers) == name


def test_apollo_export():
    mapping = map_columns(APOLLO)
    got = fields(mapping)
    assert mapping.detected_format == "apollo"
    assert got["Title"] == "position"
    assert got["Company"] == "company_name"
    assert got["Company Name for Emails"] is None  # "Company" came first
    assert got["Person Linkedin Url"] == "linkedin_url"
    assert got["Company Linkedin Url"] is None
    assert got["# Employees"] == "size_employees"
    assert got["Departments"] == "department"
    # The company's location wins over the person's, whatever the column order.
    assert got["Company Country"] == "country" and got["Country"] is None
    assert got["Company City"] == "city" and got["City"] is None
    assert got["Mobile Phone"] == "phone" and got["First Phone"] is None
    assert {c.method for c in mapping.columns if c.field} == {"format:apollo"}


def test_hubspot_export():
    mapping = map_columns(HUBSPOT)
    got = fields(mapping)
    assert mapping.detected_format == "hubspot"
    assert got["Job Title"] == "position"
    assert got["Company Name"] == "company_name"
    assert got["Website URL"] == "website"
    assert got["Country/Region"] == "country"
    assert got["Phone Number"] == "phone"
    assert got["Lifecycle Stage"] == "client_status"
    assert got["Record ID"] is None and got["Create Date"] is None


def test_linkedin_connections_export():
    mapping = map_columns(LINKEDIN)
    assert mapping.detected_format == "linkedin_connections"
    assert fields(mapping) == {
        "First Name": "first_name", "Last Name": "last_name", "URL": "linkedin_url",
        "Email Address": "email", "Company": "company_name", "Position": "position",
        "Connected On": None,
    }  # fmt: skip


def test_sales_navigator_export():
    mapping = map_columns(SALES_NAVIGATOR)
    got = fields(mapping)
    assert mapping.detected_format == "sales_navigator"
    assert got["Company Domain"] == "domain"
    assert got["Profile URL"] == "linkedin_url"
    assert got["Geography"] == "country"
    assert mapping.columns[2] == ColumnMatch("Title", "position", "format:sales_navigator")


def test_format_columns_fall_back_to_synonyms():
    mapping = map_columns([*LINKEDIN, "ИНН"])
    assert mapping.columns[-1] == ColumnMatch("ИНН", "tin", "synonym")


def test_fuzzy_match_catches_typos_in_long_headers():
    mapping = map_columns(["Emial Address", "Compnay Name"])
    assert mapping.columns == (
        ColumnMatch("Emial Address", "email", "fuzzy"),
        ColumnMatch("Compnay Name", "company_name", "fuzzy"),
    )


@pytest.mark.parametrize("header", ["County", "Webiste", "Lastcontacted", "Company State"])
def test_fuzzy_match_does_not_guess_on_different_words(header):
    assert fields(map_columns([header])) == {header: None}


def test_overrides_win_over_everything():
    mapping = map_columns(["Email", "Backup", "Company"], {"Backup": "email"})
    assert mapping.columns == (
        ColumnMatch("Email", None, None),
        ColumnMatch("Backup", "email", "override"),
        ColumnMatch("Company", "company_name", "synonym"),
    )


def test_override_can_ignore_a_column():
    mapping = map_columns(["Name", "Email"], {"Name": "ignore"})
    assert mapping.columns[0] == ColumnMatch("Name", None, "override")
    assert mapping.unmapped == ["Name"]


def test_override_column_matches_after_folding():
    mapping = map_columns(["Организация (юр.)"], {"организация юр": "company_name"})
    assert fields(mapping) == {"Организация (юр.)": "company_name"}


def test_override_of_unknown_column_names_it_and_the_real_columns():
    with pytest.raises(MappingError, match="'Mail'.*not in the file.*'Email'"):
        map_columns(["Email", "Name"], {"Mail": "email"})


def test_override_of_unknown_field_names_it():
    with pytest.raises(MappingError, match="unknown field 'e_mail'"):
        map_columns(["Email"], {"Email": "e_mail"})


def test_parse_map_overrides():
    assert parse_map_overrides(["Col=email", " Org = company_name ", "a=b=tin"]) == {
        "Col": "email",
        "Org": "company_name",
        "a=b": "tin",
    }
    assert parse_map_overrides([]) == {}


@pytest.mark.parametrize("item", ["email", "=email", "Col=", "Col"])
def test_parse_map_overrides_rejects_malformed_items(item):
    with pytest.raises(MappingError, match="COLUMN=FIELD"):
        parse_map_overrides([item])


def test_parse_map_overrides_rejects_unknown_fields():
    with pytest.raises(MappingError, match="unknown field 'mail'") as info:
        parse_map_overrides(["Col=mail"])
    assert isinstance(info.value, TerminalError)
    assert "email" in str(info.value)  # the message lists the known fields


def test_llm_fallback_sees_only_what_is_left_and_cannot_take_claimed_fields():
    calls = []

    def fake_llm(unmapped, free_fields):
        calls.append((list(unmapped), list(free_fields)))
        return {"Kontakt e-post": "email", "Mystery": "segment", "Not a column": "city",
                "Bogus": "no_such_field"}  # fmt: skip

    mapping = map_columns(["Email", "Kontakt e-post", "Mystery", "Bogus"], llm_fallback=fake_llm)
    [(unmapped, free)] = calls
    assert unmapped == ["Kontakt e-post", "Mystery", "Bogus"]
    assert "email" not in free and "segment" in free
    assert mapping.columns == (
        ColumnMatch("Email", "email", "synonym"),
        ColumnMatch("Kontakt e-post", None, None),
        ColumnMatch("Mystery", "segment", "llm"),
        ColumnMatch("Bogus", None, None),
    )


def test_llm_fallback_is_not_called_when_everything_is_mapped():
    def fail(*_):
        raise AssertionError("must not be called")

    assert map_columns(["Email"], llm_fallback=fail).unmapped == []


def test_mapping_helpers_and_json_round_trip():
    mapping = map_columns(["Email", "Компания", "Notes"], {"Notes": "segment"})
    assert mapping.field_to_source == {"email": "Email", "company_name": "Компания",
                                       "segment": "Notes"}  # fmt: skip
    assert mapping.source_for("email") == "Email" and mapping.source_for("tin") is None
    stored = json.loads(json.dumps(mapping.to_json(), ensure_ascii=False))
    assert stored["columns"][2] == {"source": "Notes", "field": "segment", "method": "override"}
    assert stored["unmapped"] == []
    assert ColumnMapping.from_json(stored) == mapping

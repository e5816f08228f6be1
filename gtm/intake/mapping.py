"""Map the headers of a source file to GTM's canonical fields.

Order of precedence, first claim wins (a canonical field is taken by at most one column):

1. `--map column=field` overrides (`ignore` as the field leaves a column unmapped);
2. a recognised export format (Apollo, HubSpot, LinkedIn connections, Sales Navigator), whose
   table lists columns in priority order (Apollo's "Company Country" before "Country");
3. English and Russian header synonyms, compared after folding case, punctuation, spaces and
   underscores ("E-mail", "e_mail" and "EMAIL" are the same key);
4. a close fuzzy match to a synonym (typos such as "Emial Address");
5. an optional `llm_fallback` for whatever is still unmapped.

A bare "Name" maps to the person's `full_name`; use `--map Name=company_name` for company files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gtm.errors import TerminalError

COMPANY_FIELDS = (
    "company_name", "domain", "website", "tin", "registration_number", "country", "city",
    "industry", "segment", "size_employees", "sme_registry",
)  # fmt: skip
PERSON_FIELDS = (
    "full_name", "first_name", "last_name", "email", "position", "seniority", "department",
    "linkedin_url", "phone", "timezone", "language", "client_status",
)  # fmt: skip
CANONICAL_FIELDS = COMPANY_FIELDS + PERSON_FIELDS
IGNORE = "ignore"

# Fuzzy matching only for keys long enough that one edit in ten means a typo, not another word
# ("County" is not "Country": 0.86).
_FUZZY_MIN_SIMILARITY = 0.9
_FUZZY_MIN_LENGTH = 6

LlmFallback = Callable[[Sequence[str], Sequence[str]], Mapping[str, str]]
"""`(unmapped_headers, free_fields) -> {header: field}`; bad suggestions are dropped."""


class MappingError(TerminalError):
    """A `--map` override is malformed or names an unknown column or field."""


@dataclass(frozen=True)
class ColumnMatch:
    """How one source column was mapped: `field` is None when it was not."""

    source: str
    field: str | None
    method: str | None  # override | format:<name> | synonym | fuzzy | llm | None


@dataclass(frozen=True)
class ColumnMapping:
    """The mapping of one file's columns, in source order."""

    columns: tuple[ColumnMatch, ...]
    detected_format: str | None

    @property
    def field_to_source(self) -> dict[str, str]:
        """Canonical field -> the source column that provides it."""
        return {c.field: c.source for c in self.columns if c.field}

    @property
    def unmapped(self) -> list[str]:
        """Source columns that feed no canonical field."""
        return [c.source for c in self.columns if c.field is None]

    def source_for(self, field: str) -> str | None:
        """The source column mapped to `field`, if any."""
        return self.field_to_source.get(field)

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible dict, stored with the import batch."""
        return {
            "detected_format": self.detected_format,
            "columns": [
                {"source": c.source, "field": c.field, "method": c.method} for c in self.columns
            ],
            "unmapped": self.unmapped,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """Inverse of `to_json`."""
        columns = tuple(
            ColumnMatch(c["source"], c.get("field"), c.get("method")) for c in data["columns"]
        )
        return cls(columns=columns, detected_format=data.get("detected_format"))


def header_key(header: str) -> str:
    """Fold a header for comparison: casefold, ё->е, keep only letters and digits."""
    return re.sub(r"[\W_]+", "", header.casefold().replace("ё", "е"))


@dataclass(frozen=True)
class ExportFormat:
    """A known export: recognised by `required` headers plus one of `any_of`."""

    required: frozenset[str]
    any_of: frozenset[str]
    columns: tuple[tuple[str, str], ...]  # (header key, field) in claim priority order


def _export_format(
    required: Iterable[str], any_of: Iterable[str], columns: Iterable[tuple[str, str]]
) -> ExportFormat:
    return ExportFormat(
        required=frozenset(header_key(h) for h in required),
        any_of=frozenset(header_key(h) for h in any_of),
        columns=tuple((header_key(h), f) for h, f in columns),
    )


# fmt: off
# Checked in this order: LinkedIn's headers are the most specific, Sales Navigator's the least.
EXPORT_FORMATS: dict[str, ExportFormat] = {
    "linkedin_connections": _export_format(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
         "Connected On"],
        [],
        [("First Name", "first_name"), ("Last Name", "last_name"), ("URL", "linkedin_url"),
         ("Email Address", "email"), ("Company", "company_name"), ("Position", "position")],
    ),
    "apollo": _export_format(
        ["First Name", "Last Name", "Title", "Company", "Email"],
        ["Person Linkedin Url", "Company Linkedin Url", "# Employees", "Email Status",
         "Apollo Contact Id", "Company Name for Emails"],
        [("First Name", "first_name"), ("Last Name", "last_name"), ("Title", "position"),
         ("Company", "company_name"), ("Company Name for Emails", "company_name"),
         ("Email", "email"), ("Seniority", "seniority"), ("Departments", "department"),
         ("Person Linkedin Url", "linkedin_url"), ("Website", "website"),
         ("Industry", "industry"), ("# Employees", "size_employees"),
         ("Company Country", "country"), ("Country", "country"), ("Company City", "city"),
         ("City", "city"), ("Work Direct Phone", "phone"), ("Mobile Phone", "phone"),
         ("First Phone", "phone"), ("Corporate Phone", "phone"), ("Stage", "client_status")],
    ),
    "hubspot": _export_format(
        ["First Name", "Last Name", "Email", "Job Title"],
        ["Record ID", "Website URL", "Country/Region", "Lifecycle Stage", "Contact owner"],
        [("First Name", "first_name"), ("Last Name", "last_name"), ("Email", "email"),
         ("Job Title", "position"), ("Company Name", "company_name"),
         ("Website URL", "website"), ("Company Domain Name", "domain"),
         ("Country/Region", "country"), ("City", "city"), ("Industry", "industry"),
         ("Number of Employees", "size_employees"), ("Phone Number", "phone"),
         ("Mobile Phone Number", "phone"), ("LinkedIn URL", "linkedin_url"),
         ("Preferred language", "language"), ("Time Zone", "timezone"),
         ("Lifecycle Stage", "client_status")],
    ),
    "sales_navigator": _export_format(
        ["First Name", "Last Name", "Title", "Company"],
        ["Profile URL", "LinkedIn URL", "LinkedIn Profile URL", "Sales Navigator URL",
         "Geography", "Company Domain"],
        [("First Name", "first_name"), ("Last Name", "last_name"), ("Full Name", "full_name"),
         ("Title", "position"), ("Company", "company_name"), ("Company Domain", "domain"),
         ("Company Website", "website"), ("Website", "website"),
         ("LinkedIn Profile URL", "linkedin_url"), ("Profile URL", "linkedin_url"),
         ("LinkedIn URL", "linkedin_url"), ("Geography", "country"), ("Location", "country"),
         ("Industry", "industry"), ("Company Size", "size_employees"),
         ("Seniority", "seniority"), ("Function", "department")],
    ),
}

_SYNONYMS_BY_FIELD: dict[str, tuple[str, ...]] = {
    "company_name": (
        "company", "company name", "organization", "organisation", "organization name",
        "account", "account name", "employer", "business name", "firm", "компания",
        "название компании", "наименование компании", "организация", "название организации",
        "наименование организации", "наименование", "название", "юрлицо", "юр лицо",
        "юридическое лицо", "контрагент", "работодатель", "место работы",
    ),
    "domain": ("domain", "company domain", "email domain", "домен", "домен компании"),
    "website": (
        "website", "web site", "site", "homepage", "home page", "website url", "company website",
        "company url", "web", "www", "сайт", "веб сайт", "вебсайт", "сайт компании",
        "адрес сайта",
    ),
    "tin": (
        "tin", "inn", "tax id", "tax number", "tax identification number", "vat", "vat id",
        "vat number", "dic", "dič", "инн", "инн компании", "инн организации",
        "налоговый номер",
    ),
    "registration_number": (
        "registration number", "registration no", "reg number", "reg no", "company number",
        "company registration number", "crn", "orgnr", "org nr", "organisasjonsnummer",
        "organization number", "organisation number", "ogrn", "ogrnip", "ico", "ičo", "siren",
        "siret", "y tunnus", "ytunnus", "business id", "огрн", "огрнип",
        "регистрационный номер",
    ),
    "country": (
        "country", "country region", "company country", "nation", "land", "pays", "maa",
        "страна", "страна компании",
    ),
    "city": ("city", "town", "company city", "locality", "город", "населенный пункт"),
    "industry": (
        "industry", "sector", "vertical", "отрасль", "индустрия", "сфера", "сфера деятельности",
        "вид деятельности", "направление деятельности",
    ),
    "segment": ("segment", "customer segment", "сегмент"),
    "size_employees": (
        "employees", "# employees", "number of employees", "employee count", "headcount",
        "company size", "staff count", "численность", "численность сотрудников",
        "численность персонала", "количество сотрудников", "кол-во сотрудников",
        "число сотрудников", "штат",
    ),
    "sme_registry": (
        "sme registry", "sme", "sme status", "мсп", "реестр мсп", "субъект мсп", "категория мсп",
    ),
    "full_name": (
        "name", "full name", "contact name", "contact", "person", "person name", "фио", "ф и о",
        "имя и фамилия", "контактное лицо",
    ),
    "first_name": ("first name", "given name", "forename", "first", "имя"),
    "last_name": ("last name", "surname", "family name", "last", "фамилия"),
    "email": (
        "email", "email address", "work email", "business email", "mail", "e mail address",
        "почта", "эл почта", "электронная почта", "адрес электронной почты", "email адрес",
        "емейл", "имейл", "мейл",
    ),
    "position": (
        "title", "job title", "position", "role", "job", "designation", "должность", "позиция",
    ),
    "seniority": ("seniority", "seniority level", "level", "грейд", "уровень"),
    "department": (
        "department", "departments", "dept", "function", "отдел", "департамент", "подразделение",
    ),
    "linkedin_url": (
        "linkedin", "linkedin url", "linkedin profile", "linkedin profile url",
        "person linkedin url", "profile url", "линкедин", "профиль linkedin",
        "ссылка на linkedin",
    ),
    "phone": (
        "phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "cell",
        "work phone", "direct phone", "телефон", "тел", "мобильный", "мобильный телефон",
        "номер телефона", "контактный телефон",
    ),
    "timezone": ("timezone", "time zone", "tz", "часовой пояс"),
    "language": ("language", "lang", "preferred language", "locale", "язык"),
    "client_status": (
        "client status", "customer status", "status", "lifecycle stage", "lead status",
        "статус", "статус клиента",
    ),
}

# fmt: on

SYNONYMS: dict[str, str] = {
    header_key(s): field for field, names in _SYNONYMS_BY_FIELD.items() for s in names
}
_FUZZY_KEYS = [k for k in SYNONYMS if len(k) >= _FUZZY_MIN_LENGTH]


def parse_map_overrides(items: Iterable[str]) -> dict[str, str]:
    """Parse CLI `--map column=field` items into `{column: field}`.

    The split is on the last `=`, so column names may contain `=`; fields never do.
    """
    overrides: dict[str, str] = {}
    for item in items:
        column, sep, field = item.rpartition("=")
        column, field = column.strip(), field.strip()
        if not sep or not column or not field:
            raise MappingError(f"--map {item!r}: expected COLUMN=FIELD, e.g. 'E-mail=email'")
        _check_field(field)
        overrides[column] = field
    return overrides


def detect_export_format(headers: Sequence[str]) -> str | None:
    """The name of the known export format these headers come from, if any."""
    keys = {header_key(h) for h in headers}
    for name, spec in EXPORT_FORMATS.items():
        if spec.required <= keys and (not spec.any_of or spec.any_of & keys):
            return name
    return None


def map_columns(
    headers: Sequence[str],
    overrides: Mapping[str, str] | None = None,
    llm_fallback: LlmFallback | None = None,
) -> ColumnMapping:
    """Map every source header to a canonical field (or None), recording how it matched."""
    assigned: dict[str, tuple[str | None, str]] = {}  # source -> (field, method)
    taken: set[str] = set()

    def claim(source: str, field: str | None, method: str) -> None:
        if source in assigned or (field is not None and field in taken):
            return
        assigned[source] = (field, method)
        if field is not None:
            taken.add(field)

    for source, field in (overrides or {}).items():
        _check_field(field)
        claim(_resolve_column(source, headers), None if field == IGNORE else field, "override")

    by_key: dict[str, list[str]] = {}
    for header in headers:
        by_key.setdefault(header_key(header), []).append(header)

    format_name = detect_export_format(headers)
    if format_name:
        for key, field in EXPORT_FORMATS[format_name].columns:
            for source in by_key.get(key, []):
                claim(source, field, f"format:{format_name}")

    for header in headers:
        field = SYNONYMS.get(header_key(header))
        if field:
            claim(header, field, "synonym")

    for header in headers:
        field = None if header in assigned else _fuzzy_field(header)
        if field:
            claim(header, field, "fuzzy")

    if llm_fallback is not None:
        pending = [h for h in headers if h not in assigned]
        free = [f for f in CANONICAL_FIELDS if f not in taken]
        if pending and free:
            for source, field in llm_fallback(pending, free).items():
                if source in pending and field in free:
                    claim(source, field, "llm")

    columns = tuple(
        ColumnMatch(h, *assigned[h]) if h in assigned else ColumnMatch(h, None, None)
        for h in headers
    )
    return ColumnMapping(columns=columns, detected_format=format_name)


def _check_field(field: str) -> None:
    if field != IGNORE and field not in CANONICAL_FIELDS:
        raise MappingError(
            f"unknown field {field!r} in --map; known fields: {', '.join(CANONICAL_FIELDS)}, "
            f"or {IGNORE!r} to skip a column"
        )


def _resolve_column(source: str, headers: Sequence[str]) -> str:
    """The header an override names: exact match first, then a unique folded match."""
    if source in headers:
        return source
    folded = [h for h in headers if header_key(h) == header_key(source)]
    if len(folded) == 1:
        return folded[0]
    raise MappingError(
        f"--map names column {source!r}, which is not in the file; columns: "
        + ", ".join(repr(h) for h in headers)
    )


def _fuzzy_field(header: str) -> str | None:
    key = header_key(header)
    if len(key) < _FUZZY_MIN_LENGTH:
        return None
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    match = process.extractOne(
        key,
        _FUZZY_KEYS,
        scorer=DamerauLevenshtein.normalized_similarity,
        score_cutoff=_FUZZY_MIN_SIMILARITY,
    )
    return None if match is None else SYNONYMS[match[0]]

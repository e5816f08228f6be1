"""The offline `firmographics` stage: facts derived from what intake stored, with no network.

Every fact carries its provenance (`source`, `retrieved_at`). Two implementations of the same
rules: `company_facts` / `employee_facts` for one record (the stage and the tests), and
`company_facts_frame` which evaluates each rule once per distinct input over a whole polars
frame (the 100k benchmark compares the two and checks they agree).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import polars as pl

from gtm.enrich.geo import language_for, timezone_for
from gtm.enrich.titles import classify_title
from gtm.intake.normalize.companies import legal_form
from gtm.intake.normalize.countries import to_iso_country
from gtm.intake.normalize.domains import domain_from_website

STAGE = "firmographics"
COMPANY_INPUTS = ("name", "domain", "website", "country", "city", "industry", "size_employees",
                  "legal_form")
EMPLOYEE_INPUTS = ("position", "country", "city", "company_country", "company_city")

# Size bands as LinkedIn/Apollo publish them (upper bound inclusive).
SIZE_BANDS: tuple[tuple[int, str], ...] = (
    (1, "1"), (10, "2-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"),
    (1000, "501-1000"), (5000, "1001-5000"), (10000, "5001-10000"),
)

# Normalised industry -> keywords (EN/RU, lower-case, matched as word prefixes).
INDUSTRY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "software": ("software", "saas", "computer software", "internet", "it services",
                 "information technology", "программн", "разработка по", "ит", "it"),
    "fintech": ("fintech", "financial technology", "payments", "финтех"),
    "financial_services": ("bank", "financial services", "insurance", "investment", "банк",
                           "страхов", "финанс"),
    "manufacturing": ("manufactur", "industrial", "machinery", "производств", "завод"),
    "retail": ("retail", "e-commerce", "ecommerce", "consumer goods", "розниц", "торговл"),
    "logistics": ("logistic", "transport", "shipping", "freight", "логистик", "перевоз"),
    "healthcare": ("health", "medical", "hospital", "pharma", "biotech", "медицин", "фарм"),
    "energy": ("energy", "oil", "gas", "renewable", "utilities", "энерг", "нефт"),
    "construction": ("construction", "real estate", "architecture", "строител", "недвижим"),
    "marketing_services": ("marketing", "advertising", "media", "agency", "маркетинг", "реклам"),
    "consulting": ("consulting", "management consulting", "professional services", "консалт"),
    "education": ("education", "e-learning", "edtech", "образован"),
    "telecom": ("telecom", "telecommunications", "телеком", "связь"),
}

_INDUSTRY_PATTERNS = tuple(
    (key, re.compile(r"(?:^|\W)(?:" + "|".join(re.escape(w) for w in words) + ")"))
    for key, words in INDUSTRY_KEYWORDS.items()
)


def size_band(size: int | None) -> str | None:
    if size is None or size < 0:
        return None
    for upper, band in SIZE_BANDS:
        if size <= upper:
            return band
    return "10001+"


@lru_cache(maxsize=16384)
def normalize_industry(industry: str | None) -> str | None:
    """A closed industry vocabulary from free text ("Computer Software" -> "software")."""
    if not industry or not industry.strip():
        return None
    text = industry.lower()
    for key, pattern in _INDUSTRY_PATTERNS:
        if pattern.search(text):
            return key
    return "other"


def _fact(value: Any, source: str, at: str) -> dict[str, Any]:
    return {"value": value, "source": source, "retrieved_at": at}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def company_facts(company: dict[str, Any], at: str | None = None) -> dict[str, dict[str, Any]]:
    """Facts about one company from its own fields; a fact with no value is left out."""
    at = at or _now()
    facts: dict[str, dict[str, Any]] = {}
    domain = company.get("domain") or domain_from_website(company.get("website"))
    if domain:
        facts["domain"] = _fact(domain, "input:domain" if company.get("domain")
                                else "rules:website", at)
    form = company.get("legal_form") or legal_form(company.get("name"))
    if form:
        facts["legal_form"] = _fact(form, "input:legal_form" if company.get("legal_form")
                                    else "rules:company_name", at)
    country = to_iso_country(company.get("country"))
    if country:
        facts["country"] = _fact(country, "rules:country_name", at)
    band = size_band(company.get("size_employees"))
    if band:
        facts["size_band"] = _fact(band, "rules:size_employees", at)
    industry = normalize_industry(company.get("industry"))
    if industry:
        facts["industry_normalized"] = _fact(industry, "rules:industry_keywords", at)
    return facts | _locale_facts(country, company.get("city"), at)


def employee_facts(employee: dict[str, Any], at: str | None = None) -> dict[str, dict[str, Any]]:
    """Seniority and department from the title; zone and language from where they (or their
    company) are."""
    at = at or _now()
    facts: dict[str, dict[str, Any]] = {}
    seniority, department = classify_title(employee.get("position"))
    if seniority:
        facts["seniority"] = _fact(seniority, "rules:title_vocabulary", at)
    if department:
        facts["department"] = _fact(department, "rules:title_vocabulary", at)
    own = to_iso_country(employee.get("country"))
    country, city = _employee_place(employee)
    if country and not own:
        facts["country"] = _fact(country, "company:country", at)
    return facts | _locale_facts(country, city, at)


def _locale_facts(country: str | None, city: str | None, at: str) -> dict[str, dict[str, Any]]:
    """Time zone and language from where a company or a contact is."""
    facts = {}
    if zone := timezone_for(country, city):
        facts["timezone"] = _fact(zone, "tzdata:zone.tab", at)
    if language := language_for(country):
        facts["language"] = _fact(language, "rules:country_language", at)
    return facts


def _employee_place(employee: dict[str, Any]) -> tuple[str | None, str | None]:
    """Where a contact is: their own country, else their company's; the company's city when
    the contact has none and is in the company's country."""
    company_country = to_iso_country(employee.get("company_country"))
    country = to_iso_country(employee.get("country")) or company_country
    city = employee.get("city") or (employee.get("company_city")
                                    if country and country == company_country else None)
    return country, city


def company_inputs(company: dict[str, Any]) -> dict[str, Any]:
    """What the company facts depend on, canonicalised so that writing a derived fact back
    (domain from website, legal form from name) does not look like an input change."""
    inputs = {k: company.get(k) for k in COMPANY_INPUTS}
    inputs["domain"] = company.get("domain") or domain_from_website(company.get("website"))
    inputs["legal_form"] = company.get("legal_form") or legal_form(company.get("name"))
    inputs["country"] = to_iso_country(company.get("country"))
    return inputs


def employee_inputs(employee: dict[str, Any]) -> dict[str, Any]:
    country, city = _employee_place(employee)
    return {"position": employee.get("position"), "country": country, "city": city}


def _memo(frame: pl.DataFrame, columns: list[str], fn, name: str) -> pl.Series:
    """`fn(*row)` evaluated once per distinct combination of `columns`."""
    keys = frame.select(columns).unique()
    values = [fn(*row) for row in keys.iter_rows()]
    keys = keys.with_columns(pl.Series(name, values, dtype=pl.String))
    return frame.select(columns).join(keys, on=columns, how="left", nulls_equal=True,
                                      maintain_order="left")[name]


def company_facts_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The values of `company_facts` for a frame of companies (columns COMPANY_INPUTS, plus
    `id`), each rule run once per distinct input. Provenance is attached when stored."""
    frame = frame.with_columns(
        _memo(frame, ["domain", "website"], lambda d, w: d or domain_from_website(w), "domain_v"),
        _memo(frame, ["legal_form", "name"], lambda f, n: f or legal_form(n), "legal_form_v"),
        _memo(frame, ["country"], to_iso_country, "country_v"),
        _memo(frame, ["industry"], normalize_industry, "industry_normalized_v"),
    )
    frame = frame.with_columns(
        _memo(frame, ["country_v", "city"], timezone_for, "timezone_v"),
        _memo(frame, ["country_v"], language_for, "language_v"),
        _memo(frame, ["size_employees"], size_band, "size_band_v"),
    )
    return frame.select("id", *(pl.col(f"{c}_v").alias(c) for c in (
        "domain", "legal_form", "country", "size_band", "industry_normalized", "timezone",
        "language")))

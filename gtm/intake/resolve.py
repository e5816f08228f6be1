"""Entity resolution for an import batch: dedupe within the file and against the database.

Both companies and employees go through one mechanism: existing records and incoming rows are
put in one list, edges are proposed key by key in priority order (exact keys first, then fuzzy
scores, best first), and each edge is applied unless it would join two *different* existing
records or two records with conflicting hard identifiers (two tax ids, two emails). A cluster
that holds an existing record merges into it; any other cluster becomes one new record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from gtm.intake.matching import (
    CompanyKey,
    PersonKey,
    find_company_duplicates,
    find_person_duplicates,
    linkedin_key,
)
from gtm.intake.store import COMPANY_FIELDS, EMPLOYEE_FIELDS


class _Clusters:
    """Union-find whose roots carry what a merge must not violate."""

    def __init__(
        self, existing_ids: Sequence[str | None], hard_keys: Sequence[Sequence[str | None]]
    ):
        """`hard_keys`: one column per kind of identifier a record has at most one value of."""
        n = len(existing_ids)
        self.parent = list(range(n))
        self.existing = list(existing_ids)  # per root: the one existing record id, if any
        # per root and kind: the identifiers seen
        self.hard = (
            [[{k} if k else set() for k in row] for row in zip(*hard_keys, strict=True)]
            if hard_keys
            else [[]] * n
        )

    def root(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return True
        ea, eb = self.existing[ra], self.existing[rb]
        if ea and eb:
            return False  # never merge two stored records as a side effect of an import
        if any(a and b and a != b for a, b in zip(self.hard[ra], self.hard[rb], strict=True)):
            return False  # e.g. two different tax ids are two legal entities, whatever the name
        keep, drop = min(ra, rb), max(ra, rb)
        self.parent[drop] = keep
        self.existing[keep] = ea or eb
        self.hard[keep] = [a | b for a, b in zip(self.hard[ra], self.hard[rb], strict=True)]
        return True

    def apply_exact(self, keys: Iterable[object | None]) -> None:
        """Join records that share a non-empty key value."""
        first: dict[object, int] = {}
        for index, key in enumerate(keys):
            if key is None or key == "" or (isinstance(key, tuple) and None in key):
                continue
            if key in first:
                self.union(first[key], index)
            else:
                first[key] = index

    def apply_scored(self, pairs: Iterable[tuple[int, int, float]]) -> None:
        for i, j, _ in sorted(pairs, key=lambda p: -p[2]):
            self.union(i, j)


@dataclass
class Resolution:
    """Per incoming row: the target record id; per target: whether it is new."""

    row_targets: list[str | None]
    records: pl.DataFrame  # id, is_new, <fields> — one row per distinct target
    rows: int = 0
    duplicates_in_file: int = 0
    matched_existing: int = 0
    inserted: int = 0


def resolve_companies(staged: pl.DataFrame, existing: pl.DataFrame) -> Resolution:
    """Cluster the batch's companies: tin -> registration+country -> domain -> name+country."""
    has_company = (
        pl.col("company_name").is_not_null()
        | pl.col("domain").is_not_null()
        | pl.col("tin").is_not_null()
        | pl.col("registration_number").is_not_null()
    )
    incoming = staged.with_row_index("_row").filter(has_company)
    combined = pl.concat(
        [
            existing.select(
                pl.col("id"),
                pl.col("tin"),
                pl.col("registration_number"),
                pl.col("country"),
                pl.col("domain"),
                pl.col("normalized_name"),
            ),
            incoming.select(
                pl.lit(None, pl.String).alias("id"),
                "tin",
                "registration_number",
                "country",
                "domain",
                "normalized_name",
            ),
        ]
    )
    cols = {c: combined[c].to_list() for c in combined.columns}
    clusters = _Clusters(cols["id"], [cols["tin"]])
    clusters.apply_exact(cols["tin"])
    clusters.apply_exact(zip(cols["registration_number"], cols["country"], strict=True))
    clusters.apply_exact(cols["domain"])
    clusters.apply_exact(zip(cols["normalized_name"], cols["country"], strict=True))
    n = len(existing)
    weak = [
        i >= n and not (cols["domain"][i] or cols["tin"][i] or cols["registration_number"][i])
        for i in range(len(combined))
    ]
    # Grouped by country: a same-named company in another country is another legal entity.
    _apply_fuzzy(
        clusters,
        n,
        cols["normalized_name"],
        weak,
        cols["country"],
        lambda idx: find_company_duplicates(
            [CompanyKey(cols["normalized_name"][i] or "", cols["country"][i] or "") for i in idx]
        ),
    )
    # A company known only by domain or identifier still needs a display name.
    incoming = incoming.rename({"company_name": "name"}).with_columns(
        pl.coalesce("name", "domain", "tin", "registration_number").alias("name")
    )
    return _resolution(staged, incoming, clusters, len(existing), COMPANY_FIELDS)


_PERSON_EVIDENCE = ("linkedin_url", "phone", "country", "position")


def resolve_employees(
    staged: pl.DataFrame, existing: pl.DataFrame, company_ids: Sequence[str | None]
) -> Resolution:
    """Cluster the batch's people: email -> LinkedIn profile -> fuzzy name within the same
    company, where LinkedIn profile, phone, country and title confirm or refute a name match."""
    incoming = (
        staged.with_columns(pl.Series("company_id", list(company_ids), dtype=pl.String))
        .with_row_index("_row")
        .filter(
            pl.col("email").is_not_null()
            | (pl.col("last_name").is_not_null() & pl.col("company_id").is_not_null())
        )
    )
    identity = ["id", "email", "first_name", "last_name", "company_id", *_PERSON_EVIDENCE]
    combined = pl.concat(
        [
            _with_columns(existing, identity).select(identity),
            _with_columns(
                incoming.with_columns(pl.lit(None, pl.String).alias("id")), identity
            ).select(identity),
        ]
    )
    cols = {c: combined[c].to_list() for c in combined.columns}
    profiles = [linkedin_key(url) if url else "" for url in cols["linkedin_url"]]
    clusters = _Clusters(cols["id"], [cols["email"], profiles])
    clusters.apply_exact(cols["email"])
    clusters.apply_exact(profiles)
    n = len(existing)
    weak = [i >= n and not cols["email"][i] for i in range(len(combined))]

    def person(i: int) -> PersonKey:
        return PersonKey(
            cols["first_name"][i] or "",
            cols["last_name"][i] or "",
            cols["company_id"][i] or "",
            cols["email"][i] or "",
            linkedin=cols["linkedin_url"][i] or "",
            phone=cols["phone"][i] or "",
            country=cols["country"][i] or "",
            position=cols["position"][i] or "",
        )

    # Fuzzy names only inside one company: the same name at two companies is two people.
    _apply_fuzzy(
        clusters,
        n,
        cols["last_name"],
        weak,
        cols["company_id"],
        lambda idx: find_person_duplicates([person(i) for i in idx]),
    )
    return _resolution(
        staged,
        incoming,
        clusters,
        len(existing),
        EMPLOYEE_FIELDS,
        extra=incoming.select("company_id"),
    )


def _with_columns(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """`frame` with the string columns it lacks added as nulls (stored keys may predate them)."""
    missing = [pl.lit(None, pl.String).alias(c) for c in columns if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _apply_fuzzy(
    clusters: _Clusters,
    n_existing: int,
    names: list[str | None],
    weak: list[bool],
    groups: list[str | None],
    find: Callable[[list[int]], list[tuple[int, int, float]]],
) -> None:
    """Fuzzy-match within each group, only where it can decide something.

    A pair is kept only when one side is *weak* (an incoming record that no hard key
    identifies: a person without email, a company without domain or identifier): two records
    that both carry hard keys were already settled by them. So a file where every row has an
    email costs no fuzzy matching at all.
    """
    members: dict[str | None, list[int]] = {}
    for i, name in enumerate(names):
        if name:
            members.setdefault(groups[i], []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for group in members.values():
        if len(group) < 2 or not any(weak[i] for i in group):
            continue
        for a, b, score in find(group):
            i, j = group[a], group[b]
            if (weak[i] or weak[j]) and j >= n_existing:  # existing-existing is not ours to merge
                pairs.append((i, j, score))
    clusters.apply_scored(pairs)


def _resolution(
    staged: pl.DataFrame,
    incoming: pl.DataFrame,
    clusters: _Clusters,
    n_existing: int,
    fields: Sequence[str],
    extra: pl.DataFrame | None = None,
) -> Resolution:
    root_target: dict[int, str] = {}
    targets: list[str] = []
    new_roots = set()
    for offset in range(len(incoming)):
        root = clusters.root(n_existing + offset)
        if root not in root_target:
            existing_id = clusters.existing[root]
            root_target[root] = existing_id or str(uuid.uuid4())
            if not existing_id:
                new_roots.add(root_target[root])
        targets.append(root_target[root])

    row_targets: list[str | None] = [None] * len(staged)
    for row, target in zip(incoming["_row"].to_list(), targets, strict=True):
        row_targets[row] = target

    source = incoming if extra is None else incoming.with_columns(extra)
    fields_present = [f for f in fields if f in source.columns]
    # First non-empty value per field in file order: the merge never prefers an empty cell.
    records = (
        source.with_columns(pl.Series("id", targets, dtype=pl.String))
        .group_by("id", maintain_order=True)
        .agg([pl.col(f).drop_nulls().first() for f in fields_present])
        .with_columns(pl.col("id").is_in(list(new_roots)).alias("is_new"))
    )
    distinct = len(records)
    matched = distinct - len(new_roots)
    return Resolution(
        row_targets=row_targets,
        records=records,
        rows=len(incoming),
        duplicates_in_file=len(incoming) - distinct,
        matched_existing=matched,
        inserted=len(new_roots),
    )

"""Entity resolution for an import batch: dedupe within the file and against the database.

Both companies and employees go through one mechanism: existing records and incoming rows are
put in one list, edges are proposed key by key in priority order (exact keys first, then fuzzy
scores, best first), and each edge is applied unless it would join two *different* existing
records or two records with conflicting hard identifiers (two tax ids, two emails). A cluster
that holds an existing record merges into it; any other cluster becomes one new record.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from gtm.intake.clusters import Clusters
from gtm.intake.matching import (
    CompanyKey,
    PersonKey,
    find_company_duplicates,
    find_person_duplicates,
    linkedin_key,
)
from gtm.intake.store import COMPANY_FIELDS, EMPLOYEE_FIELDS


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
    clusters = Clusters(combined["id"], [combined["tin"]])
    clusters.apply_exact(combined["tin"])
    clusters.apply_exact(combined["registration_number"], combined["country"])
    clusters.apply_exact(combined["domain"])
    clusters.apply_exact(combined["normalized_name"], combined["country"])
    n = len(existing)
    weak = ~pl.any_horizontal(
        [_filled(c) for c in ("domain", "tin", "registration_number")]
    )
    # Grouped by country: a same-named company in another country is another legal entity.
    _apply_fuzzy(
        clusters,
        n,
        combined,
        "normalized_name",
        weak,
        "country",
        lambda part: find_company_duplicates(
            [
                CompanyKey(name or "", country or "")
                for name, country in part.select("normalized_name", "country").iter_rows()
            ]
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
    urls = combined["linkedin_url"].drop_nulls().unique().to_list()
    profiles = combined["linkedin_url"].replace_strict(
        urls, [linkedin_key(url) for url in urls], default=None, return_dtype=pl.String
    )
    clusters = Clusters(combined["id"], [combined["email"], profiles])
    clusters.apply_exact(combined["email"])
    clusters.apply_exact(profiles)
    n = len(existing)

    def people(part: pl.DataFrame) -> list[PersonKey]:
        return [
            PersonKey(
                row["first_name"] or "",
                row["last_name"] or "",
                row["company_id"] or "",
                row["email"] or "",
                linkedin=row["linkedin_url"] or "",
                phone=row["phone"] or "",
                country=row["country"] or "",
                position=row["position"] or "",
            )
            for row in part.iter_rows(named=True)
        ]

    # Fuzzy names only inside one company: the same name at two companies is two people.
    _apply_fuzzy(
        clusters,
        n,
        combined,
        "last_name",
        ~_filled("email"),
        "company_id",
        lambda part: find_person_duplicates(people(part)),
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


def _filled(column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & (pl.col(column) != "")


def _apply_fuzzy(
    clusters: Clusters,
    n_existing: int,
    combined: pl.DataFrame,
    name: str,
    weak: pl.Expr,
    group: str,
    find: Callable[[pl.DataFrame], list[tuple[int, int, float]]],
) -> None:
    """Fuzzy-match within each group, only where it can decide something.

    A pair is kept only when one side is *weak* (an incoming record that no hard key
    identifies: a person without email, a company without domain or identifier): two records
    that both carry hard keys were already settled by them. So a file where every row has an
    email costs no fuzzy matching at all.
    """
    named = (
        combined.with_row_index("_i")
        .with_columns((weak & (pl.col("_i") >= n_existing)).alias("_weak"))
        .filter(_filled(name))
    )
    candidates = named.filter((pl.len().over(group) > 1) & pl.col("_weak").any().over(group))
    pairs: list[tuple[int, int, float]] = []
    # Groups in order of first appearance and members in record order, as ties are broken so.
    for part in candidates.partition_by(group, maintain_order=True):
        index, weak_member = part["_i"].to_list(), part["_weak"].to_list()
        for a, b, score in find(part):
            i, j = index[a], index[b]
            if (weak_member[a] or weak_member[b]) and j >= n_existing:
                # existing-existing is not ours to merge
                pairs.append((i, j, score))
    clusters.apply_scored(pairs)


def _resolution(
    staged: pl.DataFrame,
    incoming: pl.DataFrame,
    clusters: Clusters,
    n_existing: int,
    fields: Sequence[str],
    extra: pl.DataFrame | None = None,
) -> Resolution:
    rows = pl.DataFrame(
        {"_root": clusters.roots(), "_existing": clusters.cluster_existing()}
    ).slice(n_existing)
    new_roots = rows.filter(pl.col("_existing").is_null()).select("_root").unique(
        maintain_order=True
    )
    new_roots = new_roots.with_columns(_new_ids(len(new_roots)).alias("_new"))
    targets = rows.join(new_roots, on="_root", how="left", maintain_order="left").select(
        pl.coalesce("_existing", "_new").alias("id")
    )["id"]
    row_targets = (
        staged.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"))
        .join(
            pl.DataFrame({"_row": incoming["_row"], "id": targets}),
            on="_row",
            how="left",
            maintain_order="left",
        )["id"]
        .to_list()
    )

    source = incoming if extra is None else incoming.with_columns(extra)
    fields_present = [f for f in fields if f in source.columns]
    # First non-empty value per field in file order: the merge never prefers an empty cell.
    records = (
        source.with_columns(targets)
        .group_by("id", maintain_order=True)
        .agg([pl.col(f).drop_nulls().first() for f in fields_present])
        .with_columns(pl.col("id").is_in(new_roots["_new"].implode()).alias("is_new"))
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


def _new_ids(count: int) -> pl.Series:
    """`count` new record ids, ascending, in the UUIDv7 layout (RFC 9562: 48 bits of Unix
    milliseconds, then random bits), built in bulk (uuid.uuid4() costs ~5 µs per id).

    Ordered ids sort after every earlier batch's and are written in ascending order, so the
    primary-key indexes grow at their right edge instead of splitting pages all over: about
    0.4 s less server CPU for 90k employees, measured.
    """
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, :6] = np.frombuffer((time.time_ns() // 1_000_000).to_bytes(6, "big"), dtype=np.uint8)
    raw[:, 6] = raw[:, 6] & 0x0F | 0x70  # version 7
    raw[:, 8] = raw[:, 8] & 0x3F | 0x80  # RFC 9562 variant
    text = raw.tobytes().hex()
    hexed = pl.Series([text[k : k + 32] for k in range(0, len(text), 32)], dtype=pl.String)
    return pl.select(
        pl.concat_str(
            [hexed.str.slice(start, length) for start, length in ((0, 8), (8, 4), (12, 4),
                                                                  (16, 4), (20, 12))],
            separator="-",
        )
    ).to_series().sort()

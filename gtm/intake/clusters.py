"""Union-find over the records of one resolution (stored records first, then the batch's rows),
run as polars group-bys: a 100k-row file must not cost a Python loop per row and key.

A cluster's label is its smallest record index. A merge is refused when it would join two
different stored records, or two different values of one hard identifier (two tax ids, two
emails). Those refusals make the outcome depend on the order in which edges are tried, so the
connected components where a refusal is possible are replayed edge by edge in the order of the
sequential algorithm (`_Replay`); every other component is joined whole, which is what the
sequential algorithm ends with there too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

_ROOT, _INDEX, _EXISTING, _KEY, _COMPONENT = "_root", "_i", "_existing", "_key", "_component"


class Clusters:
    """Records labelled by cluster; `existing` holds a stored record's id (null for incoming),
    `hard` one column per kind of identifier a record has at most one value of."""

    def __init__(self, existing: pl.Series, hard: Sequence[pl.Series]):
        self.hard = [f"_hard{k}" for k in range(len(hard))]
        columns = [existing.cast(pl.String).alias(_EXISTING)]
        # An empty identifier is no identifier: it can neither confirm nor refute a merge.
        columns += [h.cast(pl.String).alias(n) for h, n in zip(hard, self.hard, strict=True)]
        self.frame = (pl.DataFrame(columns)
                      .with_columns(_non_empty(pl.col(n)).alias(n) for n in self.hard)
                      .with_row_index(_INDEX)
                      .with_columns(pl.col(_INDEX).cast(pl.Int64))
                      .with_columns(pl.col(_INDEX).alias(_ROOT)))

    def roots(self) -> pl.Series:
        return self.frame[_ROOT]

    def cluster_existing(self) -> pl.Series:
        """Per record: the id of the stored record its cluster holds, if any."""
        return self.frame.select(pl.col(_EXISTING).max().over(_ROOT))[_EXISTING]

    def apply_exact(self, *parts: pl.Series) -> None:
        """Join records that share a key: all parts non-null, a one-part key also non-empty."""
        valid = pl.all_horizontal([pl.col(f"_p{k}").is_not_null() for k in range(len(parts))])
        if len(parts) == 1:
            key = _non_empty(pl.col("_p0"))
        else:
            key = pl.when(valid).then(pl.struct([f"_p{k}" for k in range(len(parts))]))
        frame = self.frame.with_columns(
            [p.alias(f"_p{k}") for k, p in enumerate(parts)]
        ).with_columns(key.alias(_KEY)).drop([f"_p{k}" for k in range(len(parts))])
        shared = pl.col(_KEY).is_not_null() & (pl.len().over(_KEY) > 1)
        frame = frame.with_columns(pl.when(shared).then(pl.col(_KEY)).alias(_KEY))
        if frame[_KEY].null_count() == len(frame):
            return  # no key value is shared: nothing joins
        frame = _components(frame)
        # A component with one stored record at most and one value per hard identifier at
        # most cannot refuse any of its merges.
        conflict = pl.col(_EXISTING).n_unique() - pl.col(_EXISTING).is_null().any().cast(
            pl.UInt32) > 1
        for name in self.hard:
            conflict = conflict | (
                pl.col(name).n_unique() - pl.col(name).is_null().any().cast(pl.UInt32) > 1)
        frame = frame.with_columns(conflict.over(_COMPONENT).alias("_conflict"))
        frame = frame.with_columns(
            pl.when(pl.col("_conflict")).then(pl.col(_ROOT)).otherwise(pl.col(_COMPONENT))
            .alias(_ROOT))
        risky = frame.filter(pl.col("_conflict"))
        self.frame = frame.drop(_KEY, _COMPONENT, "_conflict")
        if risky.is_empty():
            return
        replay = _Replay(risky, self.hard)
        first: dict[object, int] = {}
        keyed = risky.filter(pl.col(_KEY).is_not_null()).sort(_INDEX)
        for index, value in zip(keyed[_INDEX].to_list(), keyed[_KEY].to_list(), strict=True):
            value = tuple(value.values()) if isinstance(value, dict) else value
            if value in first:
                replay.union(first[value], index)
            else:
                first[value] = index
        self._relabel(replay)

    def apply_scored(self, pairs: Iterable[tuple[int, int, float]]) -> None:
        """Try the scored edges best first (ties in the order given)."""
        ordered = sorted(pairs, key=lambda p: -p[2])
        if not ordered:
            return
        touched = {i for i, j, _ in ordered} | {j for i, j, _ in ordered}
        roots = self.frame.filter(pl.col(_INDEX).is_in(list(touched)))[_ROOT].unique()
        replay = _Replay(self.frame.filter(pl.col(_ROOT).is_in(roots)), self.hard)
        for i, j, _ in ordered:
            replay.union(i, j)
        self._relabel(replay)

    def _relabel(self, replay: _Replay) -> None:
        labels = replay.labels()
        relabelled = pl.DataFrame({_INDEX: list(labels), "_new": list(labels.values())},
                                  schema={_INDEX: pl.Int64, "_new": pl.Int64})
        self.frame = (self.frame.join(relabelled, on=_INDEX, how="left")
                      .with_columns(pl.coalesce("_new", _ROOT).alias(_ROOT)).drop("_new"))


class _Replay:
    """The sequential union-find over a few clusters, whose roots carry what a merge must not
    violate."""

    def __init__(self, rows: pl.DataFrame, hard: Sequence[str]):
        self.rows = dict(zip(rows[_INDEX].to_list(), rows[_ROOT].to_list(), strict=True))
        state = rows.group_by(_ROOT).agg(
            pl.col(_EXISTING).drop_nulls().first(), *(pl.col(h).drop_nulls().unique() for h in hard)
        )
        self.parent = {root: root for root in state[_ROOT].to_list()}
        self.existing = dict(zip(state[_ROOT].to_list(), state[_EXISTING].to_list(), strict=True))
        values = [state[h].to_list() for h in hard]
        self.hard = {root: [set(v[k]) for v in values]
                     for k, root in enumerate(state[_ROOT].to_list())}

    def root(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.root(self.rows[a]), self.root(self.rows[b])
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

    def labels(self) -> dict[int, int]:
        """Per record replayed: its cluster label now."""
        return {index: self.root(root) for index, root in self.rows.items()}


def _components(frame: pl.DataFrame) -> pl.DataFrame:
    """`_component`: the smallest label among the clusters that shared keys join, transitively
    (label propagation; a handful of rounds: key groups rarely chain)."""
    frame = frame.with_columns(pl.col(_ROOT).alias(_COMPONENT))
    while True:
        spread = pl.when(pl.col(_KEY).is_not_null()).then(
            pl.min_horizontal(_COMPONENT, pl.col(_COMPONENT).min().over(_KEY))
        ).otherwise(pl.col(_COMPONENT))
        updated = frame.with_columns(spread.alias("_next")).with_columns(
            pl.col("_next").min().over(_ROOT).alias("_next"))
        if updated["_next"].equals(updated[_COMPONENT]):
            return frame
        frame = updated.with_columns(pl.col("_next").alias(_COMPONENT)).drop("_next")


def _non_empty(value: pl.Expr) -> pl.Expr:
    return pl.when(value != "").then(value)

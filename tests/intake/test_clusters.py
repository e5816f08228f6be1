"""The vectorised union-find gives what trying each edge in turn gives, refusals included."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from gtm.intake.clusters import Clusters


def sequential(existing, hard, levels, scored):
    """The plain algorithm: per key level, each record joins the first record with its key;
    then scored edges best first; a join of two stored records or two different values of one
    hard identifier is refused. Returns each record's cluster label (its smallest index)."""
    parent = list(range(len(existing)))
    stored = list(existing)
    seen = [[{v} if v else set() for v in row] for row in zip(*hard, strict=True)]

    def root(x):
        while parent[x] != x:
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = root(a), root(b)
        if ra == rb or (stored[ra] and stored[rb]):
            return
        if any(x and y and x != y for x, y in zip(seen[ra], seen[rb], strict=True)):
            return
        keep, drop = min(ra, rb), max(ra, rb)
        parent[drop], stored[keep] = keep, stored[ra] or stored[rb]
        seen[keep] = [x | y for x, y in zip(seen[ra], seen[rb], strict=True)]

    for level in levels:
        first = {}
        for index, key in enumerate(zip(*level, strict=True)):
            if None in key or (len(key) == 1 and key[0] == ""):
                continue
            if key in first:
                union(first[key], index)
            else:
                first[key] = index
    for i, j, _ in sorted(scored, key=lambda p: -p[2]):
        union(i, j)
    return [root(i) for i in range(len(existing))]


values = st.sampled_from([None, "", "a", "b", "c"])


@st.composite
def cases(draw):
    n = draw(st.integers(1, 25))
    column = st.lists(values, min_size=n, max_size=n)
    existing = [draw(st.sampled_from([None, None, f"s{i}"])) for i in range(n)]
    hard = [draw(column), draw(column)]
    levels = [[hard[0]], [draw(column), draw(column)], [hard[1]], [draw(column)]]
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from([0.8, 0.9]))
    return existing, hard, levels, draw(st.lists(pair, max_size=10))


@settings(max_examples=300, deadline=None)
@given(cases())
def test_same_clusters_as_the_sequential_algorithm(case) -> None:
    existing, hard, levels, scored = case
    clusters = Clusters(pl.Series(existing, dtype=pl.String),
                        [pl.Series(h, dtype=pl.String) for h in hard])
    for level in levels:
        clusters.apply_exact(*(pl.Series(part, dtype=pl.String) for part in level))
    clusters.apply_scored(scored)
    assert clusters.roots().to_list() == sequential(existing, hard, levels, scored)


def test_a_chain_through_a_shared_key_is_refused_where_identifiers_differ() -> None:
    # 0 and 2 carry different tax ids; 1 shares a domain with both: 1 joins 0 (first), not 2.
    clusters = Clusters(pl.Series([None, None, None], dtype=pl.String),
                        [pl.Series(["t1", None, "t2"])])
    clusters.apply_exact(pl.Series(["d", "d", "d"]))
    assert clusters.roots().to_list() == [0, 0, 2]


def test_two_stored_records_never_merge() -> None:
    clusters = Clusters(pl.Series(["s1", "s2", None]), [])
    clusters.apply_exact(pl.Series(["x", "x", "x"]))
    assert clusters.roots().to_list() == [0, 1, 0]
    assert clusters.cluster_existing().to_list() == ["s1", "s2", "s1"]

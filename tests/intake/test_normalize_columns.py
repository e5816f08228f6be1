"""Column helpers: Python's strip as an expression, per-distinct-value memoisation."""

from __future__ import annotations

import sys

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from gtm.intake.normalize.columns import PY_WHITESPACE, DistinctMemo, strip_to_null


def test_whitespace_set_is_what_str_strip_removes():
    everything = map(chr, range(sys.maxunicode + 1))
    assert set(PY_WHITESPACE) == {ch for ch in everything if ch.isspace()}


@given(st.lists(st.none() | st.text(alphabet=" \t\x1c\x85\xa0\u3000ab", max_size=6)))
def test_strip_to_null_is_strip_or_none(values):
    stripped = pl.Series(values, dtype=pl.String).to_frame("v").select(strip_to_null(pl.col("v")))
    assert stripped.to_series().to_list() == [(v.strip() or None) if v is not None else None
                                              for v in values]


def test_each_distinct_value_is_computed_once_across_chunks():
    calls: list[tuple] = []

    def describe(value: str, country: str | None) -> tuple[str, int]:
        calls.append((value, country))
        return f"{value}/{country}", len(value)

    memo = DistinctMemo()
    dtypes = {"label": pl.String, "length": pl.Int64}
    first = pl.DataFrame({"v": ["a", "bb", None, "a", "a"], "c": ["NO", None, "NO", "NO", "SE"]})
    out = memo.apply("describe", describe, first, dtypes)
    assert out.rows() == [("a/NO", 1), ("bb/None", 2), (None, None), ("a/NO", 1), ("a/SE", 1)]
    second = pl.DataFrame({"v": ["bb", "a"], "c": [None, "SE"]})
    assert memo.apply("describe", describe, second, dtypes).rows() == [("bb/None", 2),
                                                                          ("a/SE", 1)]
    assert sorted(calls, key=str) == sorted([("a", "NO"), ("bb", None), ("a", "SE")], key=str)


def test_apply_one_keeps_the_column_name_and_nulls():
    memo = DistinctMemo()
    out = memo.apply_one("upper", str.upper, pl.Series("name", ["x", None, "y"]), pl.String)
    assert out.name == "name" and out.to_list() == ["X", None, "Y"]
    empty = memo.apply_one("upper", str.upper, pl.Series("name", [None], dtype=pl.String),
                           pl.String)
    assert empty.to_list() == [None]

"""Column-wise helpers that let per-value normalisers run over polars columns unchanged.

The normalisers in this package are plain Python functions of one value. Exports repeat their
values heavily (a company name on every one of its contacts' rows, a handful of countries), so
running each function once per *distinct* value and joining the results back gives exactly the
per-row answer at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

# Exactly what Python's `str.strip()` removes (`str.isspace`); polars' default whitespace set
# lacks the ASCII separators \x1c-\x1f, which would make a cell differ from the per-value result.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def strip_to_null(expr: pl.Expr) -> pl.Expr:
    """`value.strip() or None` as an expression."""
    stripped = expr.str.strip_chars(PY_WHITESPACE)
    return pl.when(stripped == "").then(None).otherwise(stripped)


class DistinctMemo:
    """Runs per-value functions once per distinct input over all the chunks of one file."""

    def __init__(self) -> None:
        self._results: dict[str, dict[Any, tuple]] = {}

    def apply(self, name: str, fn: Callable[..., tuple], keys: pl.DataFrame,
              dtypes: Mapping[str, pl.DataType]) -> pl.DataFrame:
        """`fn(*key_row)` for each row of `keys`, as columns `dtypes` aligned with `keys`.

        `fn` returns one value per output column. Rows whose first key is null get nulls
        without a call; the other key columns may be null and are passed as None.
        """
        memo = self._results.setdefault(name, {})
        key_names = [f"_key{i}" for i in range(keys.width)]
        keys = keys.rename(dict(zip(keys.columns, key_names, strict=True)))
        distinct = keys.filter(pl.col(key_names[0]).is_not_null()).unique()
        results = []
        for key in zip(*(distinct[c].to_list() for c in key_names), strict=True):
            if key not in memo:
                memo[key] = fn(*key)
            results.append(memo[key])
        outputs = zip(*results, strict=True) if results else [[] for _ in dtypes]
        table = distinct.with_columns(
            pl.Series(column, values, dtype=dtype)
            for (column, dtype), values in zip(dtypes.items(), outputs, strict=True))
        return keys.join(table, on=key_names, how="left", maintain_order="left",
                         nulls_equal=True).select(list(dtypes))

    def apply_one(self, name: str, fn: Callable[[Any], Any], values: pl.Series,
                  dtype: pl.DataType) -> pl.Series:
        """`fn(value)` per value of a column, null for null; one result column."""
        frame = self.apply(name, lambda v: (fn(v),), values.to_frame(), {"out": dtype})
        return frame.to_series().alias(values.name)

"""Small frames as Markdown tables for Dagster metadata (import and audience previews)."""

from __future__ import annotations

import polars as pl


def markdown_table(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table (Dagster renders it in the asset's metadata)."""
    if frame.is_empty():
        return "(no rows)"
    def cell(v) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)

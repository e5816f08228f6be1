"""Reading and wording import reports (the CLI, the asset metadata and the demo print them)."""

from __future__ import annotations

import polars as pl

from gtm.intake.batches import load_report, report_rows, summary_line  # noqa: F401


def markdown_table(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table (Dagster renders it in the asset's metadata)."""
    if frame.is_empty():
        return "(no rows)"
    def cell(v) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)

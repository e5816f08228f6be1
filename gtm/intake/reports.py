"""Reading and wording import reports (the CLI, the asset metadata and the demo print them)."""

from __future__ import annotations

import polars as pl
import psycopg

from gtm.errors import TerminalError
from gtm.intake.apply import ImportReport


def load_report(conn: psycopg.Connection, workspace_id: str, batch_id: str) -> ImportReport:
    row = conn.execute(
        "select report, status from import_batches where workspace_id = %s and batch_id = %s",
        (workspace_id, batch_id),
    ).fetchone()
    if row is None or not row["report"]:
        raise TerminalError(f"no import batch {batch_id!r} in this workspace")
    return ImportReport.from_json(row["report"])


def summary_line(report: ImportReport) -> str:
    """The one line a user reads first: '847 rows -> 612 unique contacts, 31 rejected'."""
    if report.kind == "companies":
        unique = report.companies.inserted + report.companies.duplicates_existing
        what = "unique companies"
    else:
        unique = report.employees.inserted + report.employees.duplicates_existing
        what = "unique contacts"
    line = f"{report.rows_read} rows -> {unique} {what}"
    new = report.companies.inserted if report.kind == "companies" else report.employees.inserted
    line += f" ({new} new), {report.rejected} rejected"
    if report.status == "already_applied":
        line += " — already imported, nothing changed (use --force to re-apply)"
    return line


def report_rows(report: ImportReport) -> list[tuple[str, int, int]]:
    """(measure, companies, employees) rows for the report table."""
    c, e = report.companies, report.employees
    return [
        ("rows with this entity", c.rows, e.rows),
        ("inserted", c.inserted, e.inserted),
        ("merged (gained fields)", c.merged, e.merged),
        ("duplicates in file", c.duplicates_in_file, e.duplicates_in_file),
        ("duplicates of existing", c.duplicates_existing, e.duplicates_existing),
    ]


def markdown_table(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table (Dagster renders it in the asset's metadata)."""
    if frame.is_empty():
        return "(no rows)"
    def cell(v) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)

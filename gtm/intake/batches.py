"""Import batches as the database records them: keys, reports, the no-op check (no polars)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gtm.errors import TerminalError

if TYPE_CHECKING:
    import psycopg

    from gtm.intake.resolve import Resolution


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def batch_key(sha256: str) -> str:
    """The `import_batch` partition key and `batch_id` of a file: a prefix of its sha256."""
    return sha256[:16]


@dataclass
class EntityCounts:
    rows: int = 0
    inserted: int = 0
    merged: int = 0
    duplicates_in_file: int = 0
    duplicates_existing: int = 0

    @classmethod
    def of(cls, resolution: Resolution) -> EntityCounts:
        return cls(rows=resolution.rows, inserted=resolution.inserted,
                   merged=resolution.matched_existing,
                   duplicates_in_file=resolution.duplicates_in_file,
                   duplicates_existing=resolution.matched_existing)


@dataclass
class ImportReport:
    batch_id: str
    file_name: str
    kind: str
    sha256: str
    rows_read: int
    rejected: int
    reasons: dict[str, int]
    companies: EntityCounts = field(default_factory=EntityCounts)
    employees: EntityCounts = field(default_factory=EntityCounts)
    mapping: dict = field(default_factory=dict)
    status: str = "applied"
    forced: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ImportReport:
        data = dict(data)
        data["companies"] = EntityCounts(**data.get("companies", {}))
        data["employees"] = EntityCounts(**data.get("employees", {}))
        return cls(**data)


def applied_report(conn: psycopg.Connection, workspace_id: str, sha256: str) -> ImportReport | None:
    """The report of this file's applied batch in the workspace, if it was ever applied."""
    row = conn.execute(
        "select report from import_batches where workspace_id = %s and sha256 = %s"
        " and status = 'applied' order by finished_at desc limit 1",
        (workspace_id, sha256),
    ).fetchone()
    return ImportReport.from_json(row["report"]) if row else None


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

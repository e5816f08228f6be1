"""Apply a staged batch to the database: all of it in one transaction, or none of it.

Re-importing a file that was already applied is a no-op unless forced; a forced re-apply goes
through the same dedupe, so it creates no duplicate.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import psycopg

from gtm.intake import store
from gtm.intake.batches import EntityCounts, ImportReport, applied_report, batch_key
from gtm.intake.resolve import resolve_companies, resolve_employees
from gtm.intake.staging import StagedBatch


def apply_batch(conn: psycopg.Connection, workspace_id: str, staged: StagedBatch, *,
                session_key: str, forced: bool = False) -> ImportReport:
    """Dedupe the batch against the database and write it, atomically.

    A file already applied in this workspace is not applied again unless `forced`: its stored
    report comes back with status `already_applied`.
    """
    sha256, file_name, kind = staged.sha256, staged.file_name, staged.kind
    if not forced and (previous := applied_report(conn, workspace_id, sha256)) is not None:
        previous.status = "already_applied"
        return previous
    batch_id = batch_key(sha256)
    provenance = store.Provenance(batch_id, session_key, f"csv:{file_name}")
    report = ImportReport(
        batch_id=batch_id, file_name=file_name, kind=kind, sha256=sha256,
        rows_read=staged.rows_read, rejected=len(staged.rejects),
        reasons=_reason_counts(staged.rejects), mapping=staged.mapping.to_json(), forced=forced,
    )
    with conn.transaction():
        store.lock_workspace_imports(conn, workspace_id)
        _open_batch(conn, workspace_id, report, session_key)
        frame = staged.frame
        company_keys = store.load_company_keys(conn, workspace_id)
        employee_keys = (store.load_employee_keys(conn, workspace_id)
                         if kind != "companies" else None)
        companies = resolve_companies(frame, company_keys)
        report.companies = EntityCounts.of(companies)
        # The database writes the companies while this process resolves the people: the two
        # run on two cores. Nothing else touches the connection until the write has returned.
        with ThreadPoolExecutor(max_workers=1) as writer:
            written = writer.submit(store.write_companies, conn, workspace_id, companies.records,
                                    provenance)
            people = (resolve_employees(frame, employee_keys, companies.row_targets)
                      if employee_keys is not None else None)
            report.companies.merged = written.result()
        if people is not None:
            report.employees = EntityCounts.of(people)
            report.employees.merged = store.write_employees(conn, workspace_id, people.records,
                                                            provenance)
        store.write_rejects(conn, workspace_id, batch_id, staged.rejects)
        conn.execute(
            "update import_batches set status = 'applied', report = %s, finished_at = now()"
            " where workspace_id = %s and batch_id = %s",
            (json.dumps(report.to_json()), workspace_id, batch_id),
        )
    return report


def _open_batch(conn: psycopg.Connection, workspace_id: str, report: ImportReport,
                session_key: str) -> None:
    conn.execute(
        "insert into import_batches (workspace_id, batch_id, session_key, source, file_name, kind,"
        " sha256, status, forced, mapping, started_at)"
        " values (%s, %s, %s, 'csv', %s, %s, %s, 'running', %s, %s, now())"
        " on conflict (workspace_id, batch_id) do update set status = 'running',"
        " forced = excluded.forced, mapping = excluded.mapping, session_key = excluded.session_key,"
        " kind = excluded.kind, started_at = now(), finished_at = null, error = null",
        (workspace_id, report.batch_id, session_key, report.file_name, report.kind, report.sha256,
         report.forced, json.dumps(report.mapping)),
    )
    conn.execute("delete from import_rejects where workspace_id = %s and batch_id = %s",
                 (workspace_id, report.batch_id))


def _reason_counts(rejects: pl.DataFrame) -> dict[str, int]:
    if rejects.is_empty():
        return {}
    counts = rejects.group_by("reason_code").len().sort("reason_code")
    return dict(zip(counts["reason_code"].to_list(), counts["len"].to_list(), strict=True))

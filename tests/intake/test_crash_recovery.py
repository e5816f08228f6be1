"""A real import process killed with SIGKILL in the middle of its batch, then run again.

To stop the import at a known point inside its transaction, the test holds an uncommitted
employee with the email of a row in the middle of the file: the import's COPY into `employees`
waits on that row's unique-index entry after its companies and the employees before that row
are written. The process is then killed. Nothing is mocked: the database must roll the batch
back on its own, and the rerun must apply it exactly once.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.intake.apply import apply_batch
from gtm.intake.batches import batch_key, file_sha256
from gtm.intake.staging import stage_file

ROWS = 3000
BLOCKED_ROW = 2000
TABLES = ("companies", "employees", "import_batches", "import_rejects")

# What the `companies`/`employees` asset runs, in a process of its own.
IMPORT = """
import sys
from pathlib import Path
from gtm.db import connect
from gtm.intake.apply import apply_batch
from gtm.intake.staging import stage_file

staged = stage_file(Path(sys.argv[1]), "contacts")
with connect() as conn:
    report = apply_batch(conn, sys.argv[2], staged, session_key="crash-test")
print(report.status, report.employees.inserted, report.rejected)
"""


def _write_contacts(path: Path) -> list[str]:
    """ROWS contacts at ROWS // 4 companies, plus a repeat and a bad email; returns the emails."""
    emails = [f"person{i}@firm{i % (ROWS // 4)}.com" for i in range(ROWS)]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["First Name", "Last Name", "Company", "Email", "Website", "Country"])
        writer.writerow(["Old", "Timer", "Firm 0 AS", "old@firm0.com", "firm0.com",
                         "Norway"])  # an existing person
        for i, email in enumerate(emails):
            company = i % (ROWS // 4)
            writer.writerow([f"First{i}", f"Last{i}", f"Firm {company} AS", email,
                             f"https://www.firm{company}.com", "Norway"])
        writer.writerow(["Dup", "Licate", "Firm 1 AS", emails[1].upper(), "", "Norway"])
        writer.writerow(["Bad", "Email", "Firm 2 AS", "not-an-email", "", "Norway"])
    return emails


def _snapshot(conn: psycopg.Connection, ws: str) -> dict[str, list]:
    return {table: conn.execute(
        f"select * from {table} where workspace_id = %s order by 1, 2",  # noqa: S608
        (ws,)).fetchall() for table in TABLES}


def _run_import(path: Path, ws: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", IMPORT, str(path), ws],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _copy_blocked_by(conn: psycopg.Connection, blocker_pid: int) -> dict | None:
    """The import's backend once its COPY into employees waits on the blocking transaction."""
    return conn.execute(
        "select a.pid, exists (select 1 from pg_locks l where l.pid = a.pid"
        "  and l.relation = 'public.companies'::regclass and l.mode = 'RowExclusiveLock')"
        "  as wrote_companies"
        " from pg_stat_activity a where %s = any(pg_blocking_pids(a.pid))"
        " and a.query ilike 'copy%%employees%%'", (blocker_pid,)).fetchone()


def test_import_killed_mid_batch_leaves_no_trace_and_reruns_cleanly(migrated, tmp_path) -> None:
    with connect(migrated, autocommit=True) as admin:
        ws = ensure_workspace(admin, f"crash-{uuid.uuid4().hex[:8]}")
        existing = tmp_path / "existing.csv"
        existing.write_text("First Name,Last Name,Company,Email,Website,Country\n"
                            "Old,Timer,Firm 0 AS,old@firm0.com,firm0.com,NO\n",
                            encoding="utf-8")
        with admin.transaction():
            apply_batch(admin, ws, stage_file(existing, "contacts"), session_key="before")
        before = _snapshot(admin, ws)

        path = tmp_path / "contacts.csv"
        emails = _write_contacts(path)
        with connect(migrated) as blocker:
            blocker.execute("insert into employees (workspace_id, email) values (%s, %s)",
                            (ws, emails[BLOCKED_ROW]))
            process = _run_import(path, ws)
            while (backend := _copy_blocked_by(admin, blocker.info.backend_pid)) is None:
                if process.poll() is not None:
                    pytest.fail(f"the import ended before it was blocked: {process.communicate()}")
                time.sleep(0.05)
            assert backend["wrote_companies"]  # mid-batch: its companies are already written
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait() == -signal.SIGKILL
            blocker.rollback()
        # The server notices the dead client once the COPY can go on, and aborts the batch.
        while admin.execute("select 1 from pg_stat_activity where pid = %s",
                            (backend["pid"],)).fetchone():
            time.sleep(0.05)

        assert _snapshot(admin, ws) == before
        assert not admin.execute("select 1 from import_batches where batch_id = %s",
                                 (batch_key(file_sha256(path)),)).fetchone()

        rerun = _run_import(path, ws)
        out, err = rerun.communicate()
        assert rerun.returncode == 0, err
        assert out.split() == ["applied", str(ROWS), "1"]

        counts = admin.execute(
            "select (select count(*) from employees where workspace_id = %(ws)s) as employees,"
            " (select count(distinct lower(email)) from employees where workspace_id = %(ws)s)"
            "  as emails,"
            " (select count(*) from companies where workspace_id = %(ws)s) as companies,"
            " (select count(distinct domain) from companies where workspace_id = %(ws)s)"
            "  as domains,"
            " (select count(*) from import_rejects where workspace_id = %(ws)s) as rejects",
            {"ws": ws}).fetchone()
        assert counts == {"employees": ROWS + 1, "emails": ROWS + 1, "companies": ROWS // 4,
                          "domains": ROWS // 4, "rejects": 1}

"""Intake throughput: a generated contacts CSV (~10 % duplicates, typos) end to end.

Measured in one run, on a throw-away GTM_HOME with the embedded PostgreSQL:
- `gtm` path: read -> map -> normalise -> dedupe (file + database) -> set-based upsert;
- naive baseline: the same rows inserted row by row with one INSERT each (no dedupe at all);
- re-import of the same file (the no-op check), and a forced re-apply.
Writes benchmarks/results/intake_throughput.json. Usage: python benchmarks/intake_throughput.py [ROWS]
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info  # noqa: E402

FIRST = ["John", "Mary", "Anna", "Ivan", "Olav", "Petra", "Mikko", "Claire", "Hans", "Sara",
         "Tom", "Kate", "Li", "Omar", "Eva", "Lars", "Nina", "Paul", "Rita", "Igor"]
LAST = ["Smith", "Jones", "Ivanova", "Petrov", "Nordmann", "Novak", "Virtanen", "Dubois",
        "Muller", "Lee", "Baker", "Brown", "Wang", "Haddad", "Berg", "Olsen", "Kuznetsova",
        "Martin", "Rossi", "Sokolov"]
COUNTRIES = ["United States", "USA", "Germany", "Norway", "Россия", "France", "Finland", "UK"]
TITLES = ["CTO", "CEO", "VP Sales", "Head of IT", "Founder", "CFO", "Engineer", "Marketing Lead"]


def generate(path: Path, rows: int, seed: int = 7) -> int:
    """Write the CSV; returns how many rows are planted duplicates."""
    rng = random.Random(seed)
    n_companies = max(rows // 8, 10)
    companies = [(f"{rng.choice(['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne'])} "
                  f"{i} {rng.choice(['Inc.', 'GmbH', 'AS', 'Oy', 'LLC', 'Ltd'])}", f"co{i}.example.com")
                 for i in range(n_companies)]
    duplicates = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["First Name", "Last Name", "Title", "Company", "Email", "Website", "Country",
                    "# Employees"])
        written: list[list[str]] = []
        for i in range(rows):
            if written and rng.random() < 0.10:
                dup = list(rng.choice(written))
                dup[4] = dup[4].upper() if rng.random() < 0.5 else f" {dup[4]} "
                if rng.random() < 0.5:
                    dup[1] = dup[1][:-1] + rng.choice("aeiou")  # a typo in the surname
                w.writerow(dup)
                duplicates += 1
                continue
            name, domain = rng.choice(companies)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            row = [first, last, rng.choice(TITLES), name, f"{first}.{last}.{i}@{domain}".lower(),
                   f"https://www.{domain}", rng.choice(COUNTRIES), str(rng.randint(5, 5000))]
            w.writerow(row)
            if len(written) < 5000:
                written.append(row)
    return duplicates


def main(rows: int) -> dict:
    home = Path(tempfile.mkdtemp(prefix="gtm-bench-"))
    os.environ["GTM_HOME"] = str(home)
    for var in ("GTM_DATABASE_URL", "SUPABASE_DB_URL"):
        os.environ.pop(var, None)
    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm.db.workspaces import ensure_workspace
    from gtm.intake.apply import applied_report, apply_batch
    from gtm.intake.staging import file_sha256, stage_file

    try:
        path = home / "contacts.csv"
        planted = generate(path, rows)
        with connect(autocommit=True) as conn:
            migrate(conn)
        with connect() as conn:
            ws = ensure_workspace(conn, "bench")
            conn.commit()

            started = started_all = time.perf_counter()
            staged = stage_file(path, "contacts")
            staged_at = time.perf_counter()
            report = apply_batch(conn, ws, staged, session_key="bench")
            gtm_seconds = time.perf_counter() - started

            # What `gtm contacts:import` does before launching a run: hash, then one lookup.
            started = time.perf_counter()
            again = applied_report(conn, ws, file_sha256(path))
            reimport_seconds = time.perf_counter() - started
            assert again is not None

            forced_started = time.perf_counter()
            forced = apply_batch(conn, ws, staged, session_key="bench", forced=True)
            forced_seconds = time.perf_counter() - forced_started
            assert forced.employees.inserted == 0

            naive_seconds = _naive_baseline(conn, staged.frame)
        result = {
            "benchmark": "intake_throughput",
            "machine": machine_info(),
            "rows": rows,
            "planted_duplicates": planted,
            "gtm_seconds": round(gtm_seconds, 3),
            "gtm_stage_seconds": round(staged_at - started_all, 3),
            "gtm_rows_per_second": round(rows / gtm_seconds),
            "naive_row_by_row_seconds": round(naive_seconds, 3),
            "naive_rows_per_second": round(len(staged.frame) / naive_seconds),
            "speedup_vs_naive": round(naive_seconds / gtm_seconds * rows / len(staged.frame), 2),
            "reimport_noop_seconds": round(reimport_seconds, 3),
            "forced_reapply_seconds": round(forced_seconds, 3),
            "report": {"inserted": report.employees.inserted,
                       "duplicates_in_file": report.employees.duplicates_in_file,
                       "rejected": report.rejected},
        }
    finally:
        stop(home / "pg")
    out = Path(__file__).parent / "results" / "intake_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


def _naive_baseline(conn, frame) -> float:
    """The same accepted rows, one INSERT per row into a plain copy of the table."""
    conn.execute("create temp table naive_employees (like employees including defaults)")
    rows = frame.select("first_name", "last_name", "email", "position", "country").iter_rows()
    ws = conn.execute("select id from workspaces where slug = 'bench'").fetchone()["id"]
    started = time.perf_counter()
    for first, last, email, position, country in rows:
        conn.execute(
            "insert into naive_employees (workspace_id, first_name, last_name, email, position,"
            " country) values (%s, %s, %s, %s, %s, %s)",
            (ws, first, last, email, position, country),
        )
    conn.commit()
    return time.perf_counter() - started


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

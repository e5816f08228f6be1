"""Intake throughput: a generated contacts CSV (~10 % duplicates, typos) end to end.

Measured in one run, on a throw-away GTM_HOME with the embedded PostgreSQL, in this order:
1. naive baselines: the very records the import writes (its companies, then its employees), each
   inserted with its own INSERT statement into the real tables, in a workspace of their own;
   they get reading, normalising and dedupe for free. (a) all in one transaction (the generous
   variant); (b) each row its own transaction (autocommit, what a typical script does), timed on
   a tenth of the records and extrapolated at its rate.
2. `gtm` path: read -> map -> normalise -> dedupe (file + database) -> set-based upsert
   (`stage_file` + `apply_batch`, what the `staged_contacts` and `companies`/`employees` assets
   run), into tables that already hold the baseline's rows;
3. re-import of the same file: the no-op path of `gtm contacts:import` (hash the file, find the
   batch applied), in process with its imports done, and as a whole CLI process;
4. a forced re-apply (every row now matches an existing record).
All of that talks to the embedded server over its local Unix socket (a round trip ~0.05 ms).
5. the "remote" scenario (key `remote_latency`): the gtm path and both naive baselines again, this
   time through `benchmarks/latency_proxy.py`, a TCP proxy that delays every chunk by a fixed
   one-way delay (default 0.35 ms each way: about 1 ms measured round trip), standing in for the
   network to a hosted Postgres (Supabase) where every statement pays a round trip. The naive
   baselines run on a sample (1/20 of the companies and their employees) and are extrapolated at
   the sample's rate.
Writes benchmarks/results/intake_throughput.json.
Usage: python benchmarks/intake_throughput.py [ROWS [RUNS [ONE_WAY_DELAY_MS]]]
       (defaults: 100000 rows, 3 runs, 0.35 ms)
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info, scratch_home  # noqa: E402

FIRST = ["John", "Mary", "Anna", "Ivan", "Olav", "Petra", "Mikko", "Claire", "Hans", "Sara",
         "Tom", "Kate", "Li", "Omar", "Eva", "Lars", "Nina", "Paul", "Rita", "Igor"]
LAST = ["Smith", "Jones", "Ivanova", "Petrov", "Nordmann", "Novak", "Virtanen", "Dubois",
        "Muller", "Lee", "Baker", "Brown", "Wang", "Haddad", "Berg", "Olsen", "Kuznetsova",
        "Martin", "Rossi", "Sokolov"]
COUNTRIES = ["United States", "USA", "Germany", "Norway", "Россия", "France", "Finland", "UK"]
TLDS = ["com", "de", "no", "fi", "ru", "fr", "co.uk", "io"]
TITLES = ["CTO", "CEO", "VP Sales", "Head of IT", "Founder", "CFO", "Engineer", "Marketing Lead"]
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne"]
FORMS = ["Inc.", "GmbH", "AS", "Oy", "LLC", "Ltd"]
# One commit per row makes the autocommit baseline minutes long at 100k rows: it runs on a tenth.
_AUTOCOMMIT_SAMPLE_FRACTION = 10
# Behind the latency proxy every row costs a round trip: the naive baselines run on a twentieth.
_REMOTE_SAMPLE_FRACTION = 20
_DEFAULT_ONE_WAY_DELAY_MS = 0.35  # + the proxy's own ~0.3 ms: a measured round trip near 1 ms


def generate(path: Path, rows: int, seed: int = 7) -> int:
    """Write the CSV (about 8 contacts per company); returns how many rows are planted duplicates.

    A duplicate repeats an earlier row with its email upper-cased or padded with spaces, and
    half the time a typo in the surname.
    """
    rng = random.Random(seed)
    companies = []
    for i in range(max(rows // 8, 10)):
        brand, form, tld = rng.choice(BRANDS), rng.choice(FORMS), rng.choice(TLDS)
        companies.append((f"{brand} {i} {form}", f"{brand.lower()}{i}.{tld}"))
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
                    dup[1] = dup[1][:-1] + rng.choice("aeiou")
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


class Phases:
    """Wall time spent inside named library functions during the measured import."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    def wrap(self, module, name: str) -> None:
        fn = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        setattr(module, name, timed)


@contextmanager
def timer() -> Iterator[dict]:
    result: dict = {}
    started = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - started


def main(rows: int, runs: int, one_way_delay_ms: float = _DEFAULT_ONE_WAY_DELAY_MS) -> dict:
    """`runs` full measurements, each on a fresh GTM_HOME; the median one (by the import's time)
    is reported, with every run's headline figures beside it (the machine is shared)."""
    results = sorted((_run(rows, one_way_delay_ms) for _ in range(runs)),
                     key=lambda r: r["gtm"]["seconds"])
    command = f"python benchmarks/intake_throughput.py {rows} {runs}"
    if one_way_delay_ms != _DEFAULT_ONE_WAY_DELAY_MS:
        command += f" {one_way_delay_ms}"
    result = {**results[len(results) // 2], "command": command}
    result["runs"] = [{"gtm_seconds": r["gtm"]["seconds"], "naive_seconds":
                       r["naive_baseline"]["seconds"], "speedup_vs_naive": r["speedup_vs_naive"],
                       "naive_autocommit_seconds_extrapolated":
                       r["naive_autocommit_baseline"]["seconds"],
                       "speedup_vs_naive_autocommit": r["speedup_vs_naive_autocommit"],
                       "reimport_noop_seconds": r["reimport_noop_seconds"],
                       "remote_latency": _remote_headline(r["remote_latency"]),
                       "load_average_1m": r["load_average_1m"]} for r in results]
    out = Path(__file__).parent / "results" / "intake_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    remote = result["remote_latency"]
    print(f"loopback (Unix socket, round trip {result['naive_baseline']['median_round_trip_ms']}"
          f" ms): gtm {result['gtm']['seconds']} s ({result['gtm']['rows_per_second']} rows/s),"
          f" {result['speedup_vs_naive']}x naive one transaction,"
          f" {result['speedup_vs_naive_autocommit']}x naive autocommit")
    print(f"remote (proxy {remote['one_way_delay_ms']} ms each way, measured round trip"
          f" {remote['measured_round_trip_ms']['median']} ms): gtm {remote['gtm']['seconds']} s"
          f" ({remote['gtm']['rows_per_second']} rows/s), {remote['speedup_vs_naive']}x naive one"
          f" transaction, {remote['speedup_vs_naive_autocommit']}x naive autocommit"
          f" (naive extrapolated from samples)")
    print(f"load average 1m: {result['load_average_1m']}")
    return result


def _remote_headline(remote: dict) -> dict:
    return {"gtm_seconds": remote["gtm"]["seconds"],
            "measured_round_trip_ms": remote["measured_round_trip_ms"]["median"],
            "naive_seconds_extrapolated": remote["naive_baseline"]["seconds"],
            "speedup_vs_naive": remote["speedup_vs_naive"],
            "naive_autocommit_seconds_extrapolated": remote["naive_autocommit_baseline"]["seconds"],
            "speedup_vs_naive_autocommit": remote["speedup_vs_naive_autocommit"]}


def _run(rows: int, one_way_delay_ms: float = _DEFAULT_ONE_WAY_DELAY_MS) -> dict:
    home = scratch_home("gtm-bench-", "GTM_CONFIG")
    os.environ["GTM_WORKSPACE"] = "bench"
    from gtm.cli.intake_commands import import_via_dagster
    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm.db.workspaces import ensure_workspace
    from gtm.intake import apply, store
    from gtm.intake.resolve import resolve_companies, resolve_employees
    from gtm.intake.staging import stage_file
    from gtm.settings import load_settings

    load_before = os.getloadavg()
    try:
        path = home / "contacts.csv"
        planted = generate(path, rows)
        with connect(autocommit=True) as conn:
            migrate(conn)
        with connect() as conn:
            records = _naive_records(stage_file(path, "contacts"), resolve_companies,
                                     resolve_employees)
            naive = _naive_baseline(conn, ensure_workspace(conn, "naive"), records)
            autocommit_ws = ensure_workspace(conn, "naive-autocommit")
            conn.commit()
            naive_autocommit = _naive_autocommit(autocommit_ws, records, naive["statements"])
            ws = ensure_workspace(conn, "bench")
            conn.commit()

            phases = Phases()
            for name in ("resolve_companies", "resolve_employees"):
                phases.wrap(apply, name)
            for name in ("write_companies", "write_employees", "write_rejects",
                         "load_company_keys", "load_employee_keys"):
                phases.wrap(store, name)
            cpu_before = time.process_time(), _cpu_seconds(conn.info.backend_pid)
            with timer() as gtm:
                with timer() as staging:
                    staged = stage_file(path, "contacts")
                report = apply.apply_batch(conn, ws, staged, session_key="bench")
                conn.commit()
            gtm_phases = dict(phases.seconds)
            cpu = {"client": time.process_time() - cpu_before[0],
                   "database_backend": _cpu_seconds(conn.info.backend_pid) - cpu_before[1]}

            import gtm_assets.launch  # noqa: F401 - timed below only in the CLI process figure
            with timer() as noop:
                again, run_id = import_via_dagster(load_settings(), path, "contacts", {}, False)
            assert again.status == "already_applied" and run_id is None
            with timer() as noop_cli:
                cli = subprocess.run([sys.executable, "-m", "gtm.cli", "contacts:import", str(path),
                                      "--json"], capture_output=True, text=True, check=True)
            assert json.loads(cli.stdout)["status"] == "already_applied", cli.stdout

            with timer() as forced_run:
                forced = apply.apply_batch(conn, ws, stage_file(path, "contacts"),
                                           session_key="bench", forced=True)
                conn.commit()
            assert forced.employees.inserted == 0 and forced.companies.inserted == 0

            remote = _remote_scenario(conn, path, rows, records, naive["statements"], phases,
                                      one_way_delay_ms)
        load_after = os.getloadavg()
    finally:
        stop(home / "pg")
        # Each run's database and CSV take over a gigabyte: a few runs would fill /tmp.
        shutil.rmtree(home, ignore_errors=True)

    result = {
        "benchmark": "intake_throughput",
        "machine": machine_info(),
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "rows": rows,
        "planted_duplicates": planted,
        "gtm": {
            "what": "stage_file + apply_batch: read, map, normalise, dedupe in file and against the"
                    " database, COPY + set-based upsert, one transaction",
            "seconds": round(gtm["seconds"], 3),
            "rows_per_second": round(rows / gtm["seconds"]),
            "cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
            "phases_seconds": {
                "read_and_normalise": round(staging["seconds"], 3),
                **{k: round(v, 3) for k, v in sorted(gtm_phases.items())},
            },
            "phases_note": "write_companies runs in a thread while resolve_employees runs",
        },
        "naive_baseline": naive,
        "speedup_vs_naive": round(naive["seconds"] / gtm["seconds"], 2),
        "naive_autocommit_baseline": naive_autocommit,
        "speedup_vs_naive_autocommit": round(naive_autocommit["seconds"] / gtm["seconds"], 2),
        "reimport_noop_seconds": round(noop["seconds"], 3),
        "reimport_noop_cli_process_seconds": round(noop_cli["seconds"], 3),
        "forced_reapply_seconds": round(forced_run["seconds"], 3),
        "remote_latency": remote,
        "report": {"rows_read": report.rows_read, "rejected": report.rejected,
                   "companies_inserted": report.companies.inserted,
                   "employees_inserted": report.employees.inserted,
                   "employees_duplicates_in_file": report.employees.duplicates_in_file},
    }
    return result


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local process (the embedded server's backend) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _naive_records(staged, resolve_companies, resolve_employees) -> list:
    """What the import writes, from its own dedupe (not timed), so every variant writes the same
    rows: (table, fields, records) for companies, then employees."""
    from gtm.intake.store import COMPANY_FIELDS, EMPLOYEE_FIELDS

    companies = resolve_companies(staged.frame, _empty_keys(["id", "tin", "registration_number",
                                                             "country", "domain",
                                                             "normalized_name"]))
    employees = resolve_employees(staged.frame, _empty_keys(["id", "email", "first_name",
                                                             "last_name", "company_id"]),
                                  companies.row_targets)
    return [("companies", COMPANY_FIELDS, companies.records),
            ("employees", EMPLOYEE_FIELDS, employees.records)]


def _insert_rows(conn, workspace_id: str, records: list) -> int:
    """One INSERT ... VALUES per record; returns the statement count."""
    statements = 0
    for table, fields, frame in records:
        query = (f"insert into {table} (id, workspace_id, {', '.join(fields)})"  # noqa: S608
                 f" values (%s, %s, {', '.join(['%s'] * len(fields))})")
        for record in frame.select("id", *fields).iter_rows():
            conn.execute(query, (record[0], workspace_id, *record[1:]))
            statements += 1
    return statements


def _naive_baseline(conn, workspace_id: str, records: list) -> dict:
    """One INSERT per record the import writes, into the real tables, one transaction."""
    trips = []
    for _ in range(200):
        started = time.perf_counter()
        conn.execute("select 1")
        trips.append(time.perf_counter() - started)
    with timer() as took:
        statements = _insert_rows(conn, workspace_id, records)
        conn.commit()
    return {
        "what": "one INSERT ... VALUES statement per record (psycopg 3 conn.execute, its default"
                " automatic server-side prepare), companies then employees, into the real tables"
                " with their indexes, constraints and triggers, committed once (the most generous"
                " row-by-row variant)",
        "statements": statements,
        "median_round_trip_ms": round(sorted(trips)[len(trips) // 2] * 1000, 3),
        "seconds": round(took["seconds"], 3),
        "rows_per_second": round(statements / took["seconds"]),
    }


def _naive_autocommit(workspace_id: str, records: list, statements_full: int) -> dict:
    """One INSERT per row, each its own transaction (autocommit), as a typical script does.

    Measured on a sample (the first tenth of the companies and their employees, so foreign keys
    hold) and extrapolated to the full record count at the sample's rate: every row costs a
    commit, so the rate does not depend on how many rows came before.
    """
    from gtm.db import connect

    sample = _sample_records(records, _AUTOCOMMIT_SAMPLE_FRACTION)
    with connect(autocommit=True) as conn, timer() as took:
        statements = _insert_rows(conn, workspace_id, sample)
    rate = statements / took["seconds"]
    return {
        "what": "one INSERT statement per row with autocommit (each row its own"
                " transaction and commit), companies then employees, into the real tables;"
                f" measured on a sample of {statements} rows (the first"
                f" 1/{_AUTOCOMMIT_SAMPLE_FRACTION} of the companies and their employees),"
                f" seconds extrapolated to all {statements_full} records at the sample's rate",
        "sample_statements": statements,
        "sample_seconds": round(took["seconds"], 3),
        "rows_per_second": round(rate),
        "seconds": round(statements_full / rate, 3),
        "extrapolated": True,
    }


def _sample_records(records: list, fraction: int) -> list:
    """The first 1/`fraction` of the companies and their employees (so foreign keys hold), with
    fresh ids: ids are primary keys across workspaces, and other baselines hold these already."""
    import polars as pl

    (c_table, c_fields, companies), (e_table, e_fields, employees) = records
    companies = companies.head(max(len(companies) // fraction, 1))
    employees = employees.filter(pl.col("company_id").is_in(companies["id"].implode()))
    fresh = {old: str(uuid.uuid4()) for old in companies["id"]}
    companies = companies.with_columns(pl.col("id").replace_strict(fresh))
    employees = employees.with_columns(
        pl.col("company_id").replace_strict(fresh),
        pl.Series("id", [str(uuid.uuid4()) for _ in range(len(employees))]))
    return [(c_table, c_fields, companies), (e_table, e_fields, employees)]


@contextmanager
def _latency_proxy(one_way_delay_ms: float) -> Iterator[tuple[str, int]]:
    """Start benchmarks/latency_proxy.py in its own process (its threads must not share the
    measured client's GIL) in front of the embedded server's Unix socket; yields the database URL
    through it and the proxy's pid."""
    import psycopg

    from gtm.db.connect import database_url

    params = psycopg.conninfo.conninfo_to_dict(database_url())
    socket_path = str(Path(params["host"]) / f".s.PGSQL.{params.get('port') or 5432}")
    proxy = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("latency_proxy.py")), "--target-unix",
         socket_path, "--delay-ms", str(one_way_delay_ms)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proxy.stdout.readline().strip().rsplit(":", 1)[1])
        # No TLS: the proxy adds latency only (a hosted database would add TLS's CPU as well).
        yield (f"postgresql://{params.get('user', 'postgres')}@127.0.0.1:{port}/"
               f"{params['dbname']}?sslmode=disable", proxy.pid)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


@contextmanager
def _database_url(url: str) -> Iterator[None]:
    """Point `gtm.db.connect` at `url` the way a deployment does: GTM_DATABASE_URL."""
    os.environ["GTM_DATABASE_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("GTM_DATABASE_URL", None)


def _round_trips(conn, count: int = 200) -> dict:
    trips = []
    for _ in range(count):
        started = time.perf_counter()
        conn.execute("select 1")
        trips.append((time.perf_counter() - started) * 1000)
    trips.sort()
    return {"median": round(trips[count // 2], 3), "p10": round(trips[count // 10], 3),
            "p90": round(trips[count * 9 // 10], 3), "samples": count}


def _remote_scenario(direct, path: Path, rows: int, records: list, statements_full: int,
                     phases: Phases, one_way_delay_ms: float) -> dict:
    """The gtm path and both naive baselines through the latency proxy (see the module doc).

    `direct` (the loopback connection) only creates the workspaces. The gtm path imports the
    whole file into a workspace of its own (tables already hold every earlier step's rows); the
    naive baselines insert a sample each (fresh ids) and are extrapolated at the sample's rate.
    """
    from gtm.db import connect
    from gtm.db.workspaces import ensure_workspace
    from gtm.intake import apply
    from gtm.intake.staging import stage_file

    workspaces = {name: ensure_workspace(direct, name)
                  for name in ("bench-remote", "naive-remote", "naive-remote-autocommit")}
    direct.commit()
    naive: dict[str, dict] = {}
    with _latency_proxy(one_way_delay_ms) as (url, proxy_pid), _database_url(url):
        for name, autocommit in (("naive-remote", False), ("naive-remote-autocommit", True)):
            sample = _sample_records(records, _REMOTE_SAMPLE_FRACTION)
            with connect(autocommit=autocommit) as conn:
                conn.execute("select 1")  # connection set-up is not timed
                with timer() as took:
                    statements = _insert_rows(conn, workspaces[name], sample)
                    if not autocommit:
                        conn.commit()
            naive[name] = {"sample_statements": statements,
                           "sample_seconds": round(took["seconds"], 3),
                           "rows_per_second": round(statements / took["seconds"]),
                           "seconds": round(statements_full * took["seconds"] / statements, 3),
                           "extrapolated": True}

        with connect() as conn:
            round_trip = _round_trips(conn)
            before = Counter(phases.seconds)
            proxy_cpu = _cpu_seconds(proxy_pid)
            with timer() as gtm:
                with timer() as staging:
                    staged = stage_file(path, "contacts")
                report = apply.apply_batch(conn, workspaces["bench-remote"], staged,
                                           session_key="bench-remote")
                conn.commit()
            proxy_cpu = _cpu_seconds(proxy_pid) - proxy_cpu
            gtm_phases = {k: v - before[k] for k, v in phases.seconds.items()}
        assert report.employees.inserted > 0 and report.rows_read == rows

    sample_what = (f"measured on a sample of {{n}} rows (the first 1/{_REMOTE_SAMPLE_FRACTION} of"
                   f" the companies and their employees), seconds extrapolated to all"
                   f" {statements_full} records at the sample's rate")
    one_tx, autocommit_run = naive["naive-remote"], naive["naive-remote-autocommit"]
    return {
        "what": "the same import and baselines against a database one network hop away: every"
                " connection goes through benchmarks/latency_proxy.py (TCP on 127.0.0.1, its own"
                " process), which forwards to the embedded server's Unix socket and delays every"
                " chunk by one_way_delay_ms in each direction, chunks in flight overlapping as on"
                " a real link. Round-trip-bound code (a statement per row) pays the round trip"
                " per row; streaming code (COPY) pays it about once per statement. Models a"
                " Postgres in the same region (Supabase: ~0.5-2 ms round trip); no TLS, no"
                " bandwidth limit, no jitter",
        "one_way_delay_ms": one_way_delay_ms,
        "measured_round_trip_ms": {
            "what": "select 1 through the proxy (configured delay both ways plus the proxy's own"
                    " thread hand-offs)", **round_trip},
        "gtm": {
            "what": "stage_file + apply_batch of the whole file through the proxy into a"
                    " workspace of its own, one transaction",
            "seconds": round(gtm["seconds"], 3),
            "rows_per_second": round(rows / gtm["seconds"]),
            "proxy_cpu_seconds": round(proxy_cpu, 3),
            "phases_seconds": {
                "read_and_normalise": round(staging["seconds"], 3),
                **{k: round(v, 3) for k, v in sorted(gtm_phases.items())},
            },
        },
        "naive_baseline": {
            "what": "one INSERT per record through the proxy, committed once; "
                    + sample_what.format(n=one_tx["sample_statements"]),
            **one_tx,
        },
        "speedup_vs_naive": round(one_tx["seconds"] / gtm["seconds"], 2),
        "naive_autocommit_baseline": {
            "what": "one INSERT per row through the proxy, autocommit (each row its own"
                    " transaction); " + sample_what.format(n=autocommit_run["sample_statements"]),
            **autocommit_run,
        },
        "speedup_vs_naive_autocommit": round(autocommit_run["seconds"] / gtm["seconds"], 2),
    }


def _empty_keys(columns: list[str]):
    import polars as pl

    return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 3,
         float(sys.argv[3]) if len(sys.argv) > 3 else _DEFAULT_ONE_WAY_DELAY_MS)

"""Firmographics throughput and cache effectiveness.

Measured in one run, on a throw-away GTM_HOME with the embedded PostgreSQL:
- compute: N generated companies through `company_facts_frame` (each rule once per distinct
  input) vs the naive baseline, `company_facts` called row by row (its helper caches cleared
  first). The two are compared company by company.
- stage: `run_firmographics` over the same companies in the database (hashing, cache lookup,
  upsert into enrichment_results, write-back), then a second run with the same inputs, which
  must make zero provider calls and zero writes.
Writes benchmarks/results/enrich_firmographics.json.
Usage: python benchmarks/enrich_firmographics.py [COMPANIES] [DB_COMPANIES]
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info, scratch_home, write_result  # noqa: E402

NAMES = ["Nordlys", "Fjord", "Acme", "Ромашка", "Vltava", "Sisu", "Lumière", "Polar", "Baltic",
         "Северсталь", "Kraft", "Helix", "Quanta", "Orbit", "Vector"]
FORMS = ["AS", "ASA", "GmbH", "s.r.o.", "Oy", "SAS", "ООО", "АО", "Ltd", "Inc.", "", ""]
PLACES = [("Norway", "Oslo"), ("NO", "Bergen"), ("Sweden", "Stockholm"), ("FI", "Helsinki"),
          ("Germany", "Berlin"), ("CZ", "Praha"), ("France", "Paris"), ("Россия", "Москва"),
          ("RU", "Новосибирск"), ("RU", "Екатеринбург"), ("US", "Boston"), ("US", "Seattle"),
          ("United Kingdom", "London"), (None, None)]
INDUSTRIES = ["Computer Software", "SaaS", "Oil & Energy", "Logistics and Supply Chain",
              "Financial Services", "Retail", "Разработка ПО", "Производство", "Hospital & Health",
              "Marketing and Advertising", None]


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        name = f"{rng.choice(NAMES)} {i} {rng.choice(FORMS)}".strip()
        country, city = rng.choice(PLACES)
        website = f"https://www.company{i}.example.com/about" if rng.random() < 0.7 else None
        rows.append({"id": str(i), "name": name, "domain": None, "website": website,
                     "country": country, "city": city, "industry": rng.choice(INDUSTRIES),
                     "size_employees": rng.choice([None, 3, 12, 80, 300, 900, 4000, 20000]),
                     "legal_form": None})
    return rows


def compute(rows: list[dict]) -> dict:
    import polars as pl

    from gtm.enrich import firmographics as f
    from gtm.enrich.geo import timezone_for
    from gtm.intake.normalize.countries import to_iso_country

    for fn in (f.normalize_industry, timezone_for, to_iso_country):
        fn.cache_clear()
    started = time.perf_counter()
    naive = [{k: v["value"] for k, v in f.company_facts(row, at="-").items()} for row in rows]
    naive_seconds = time.perf_counter() - started

    schema = {"id": pl.String, **{c: pl.Int64 if c == "size_employees" else pl.String
                                  for c in f.COMPANY_INPUTS}}
    frame = pl.DataFrame(rows, schema=schema)
    started = time.perf_counter()
    fast = f.company_facts_frame(frame)
    fast_seconds = time.perf_counter() - started
    agree = sum(
        {k: v for k, v in row.items() if k != "id" and v is not None} == slow
        for row, slow in zip(fast.iter_rows(named=True), naive, strict=True))
    return {"frame_seconds": round(fast_seconds, 3),
            "frame_companies_per_second": round(len(rows) / fast_seconds),
            "naive_row_by_row_seconds": round(naive_seconds, 3),
            "naive_companies_per_second": round(len(rows) / naive_seconds),
            "speedup_vs_naive": round(naive_seconds / fast_seconds, 1),
            "agreement_with_naive": f"{agree}/{len(rows)}"}


def stage(rows: list[dict]) -> dict:
    home = scratch_home("gtm-bench-enrich-")
    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm.db.workspaces import ensure_workspace
    from gtm.enrich.firmographics_stage import run_firmographics

    try:
        with connect(autocommit=True) as conn:
            migrate(conn)
        with connect() as conn:
            ws = ensure_workspace(conn, "bench")
            with conn.cursor() as cur, cur.copy(
                    "copy companies (workspace_id, name, website, country, city, industry,"
                    " size_employees) from stdin") as copy:
                from gtm.intake.normalize.countries import to_iso_country
                for r in rows:
                    copy.write_row((ws, r["name"], r["website"], to_iso_country(r["country"]),
                                    r["city"], r["industry"], r["size_employees"]))
            conn.commit()
            started = time.perf_counter()
            first = run_firmographics(conn, ws)
            conn.commit()
            first_seconds = time.perf_counter() - started
            started = time.perf_counter()
            second = run_firmographics(conn, ws)
            conn.commit()
            second_seconds = time.perf_counter() - started
    finally:
        stop(home / "pg")
    c1, c2 = first["companies"], second["companies"]
    return {"companies": len(rows),
            "first_run_seconds": round(first_seconds, 3),
            "first_run_companies_per_second": round(len(rows) / first_seconds),
            "first_run": {k: c1[k] for k in ("ok", "no_data", "errors", "provider_calls",
                                             "written_back")},
            "second_run_seconds": round(second_seconds, 3),
            "second_run": {k: c2[k] for k in ("cached", "provider_calls", "written_back")},
            "cache_hit_rate_second_run": round(c2["cached"] / max(c2["considered"], 1), 4)}


def main(count: int, db_count: int) -> dict:
    rows = generate(count)
    result = {"benchmark": "enrich_firmographics", "machine": machine_info(),
              "companies": count, "compute": compute(rows), "stage": stage(rows[:db_count]),
              "load_average_1m_at_end": round(os.getloadavg()[0], 2)}
    write_result("enrich_firmographics", result)
    return result


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    main(count, int(sys.argv[2]) if len(sys.argv) > 2 else count)

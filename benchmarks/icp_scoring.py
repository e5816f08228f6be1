"""ICP re-scoring throughput: 100k generated contacts scored end to end, write included.

Measured in one run, on a throw-away GTM_HOME with the embedded PostgreSQL:
- `gtm` path (`gtm.icp.score_contacts`): one query -> polars expressions -> COPY + set-based
  upsert, in one transaction. Timed for the first scoring, a re-score of an unchanged ICP (no row
  changes), and the re-score after an ICP edit (a new version: 100k new rows), plus the phases.
- naive baseline: the same formula written row by row in plain Python, one INSERT per contact.
  Its scores are compared with the gtm path's, contact by contact, as a check of both.
Writes benchmarks/results/icp_scoring.json. Usage: python benchmarks/icp_scoring.py [CONTACTS]
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info, scratch_home, write_result  # noqa: E402

INDUSTRIES = ["Software", "Computer Software", "SaaS", "Fintech", "IT Services", "Cloud",
              "Media", "Manufacturing", "Retail", "Healthcare", "Government", "Финтех", None]
COUNTRIES = ["NO", "SE", "FI", "DE", "GB", "CZ", "PL", "RU", "US", "FR", "BR", None]
TITLES = ["CTO", "Chief Technology Officer", "CEO", "Founder", "Co-Founder", "VP Engineering",
          "VP Sales", "Head of IT", "Head of Growth", "IT Director", "Software Engineer",
          "Senior Developer", "DevOps Lead", "CFO", "Marketing Manager", "Account Executive",
          "Генеральный директор", "Технический директор", "Daglig leder", "Geschäftsführer",
          "Directrice marketing", "Intern", "Office Assistant", None]
SENIORITY = ["c_suite", "vp", "director", "manager", "senior", "entry", "Owner", None, None, None]
DEPARTMENTS = ["Engineering & Technical", "Information Technology", "Sales", "Marketing",
               "Finance", None, None, None]


def generate(conn, workspace_id: str, contacts: int, seed: int = 11) -> None:
    """Companies (one per 8 contacts, 30 % with an enrichment insight) and contacts, by COPY."""
    rng = random.Random(seed)
    companies = []
    with conn.cursor() as cur, cur.copy(
            "copy companies (id, workspace_id, name, domain, country, industry, size_employees)"
            " from stdin") as copy:
        for i in range(max(contacts // 8, 10)):
            company_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            size = None if rng.random() < 0.1 else int(rng.lognormvariate(4.5, 1.5)) + 1
            copy.write_row((company_id, workspace_id, f"Company {i}", f"co{i}.example.com",
                            rng.choice(COUNTRIES), rng.choice(INDUSTRIES), size))
            companies.append(company_id)
    with conn.cursor() as cur, cur.copy(
            "copy company_insights (workspace_id, company_id, icp_fit_score, mode) from stdin"
    ) as copy:
        for company_id in rng.sample(companies, len(companies) * 3 // 10):
            copy.write_row((workspace_id, company_id, round(rng.random(), 2), "rules"))
    with conn.cursor() as cur, cur.copy(
            "copy employees (workspace_id, company_id, email, position, seniority, department,"
            " country, client_status) from stdin") as copy:
        for i in range(contacts):
            company = rng.randrange(len(companies))
            copy.write_row((
                workspace_id, companies[company], f"p{i}@co{company}.example.com",
                rng.choice(TITLES), rng.choice(SENIORITY), rng.choice(DEPARTMENTS),
                rng.choice(COUNTRIES) if rng.random() < 0.3 else None,
                "client" if rng.random() < 0.02 else None,
            ))


def naive_score(row: dict, icp, tables) -> tuple[float, list[dict]]:
    """The documented formula, one contact at a time, the way one would write it first."""
    from gtm.icp.vocabulary import keyword_pattern

    def has(keywords, text):
        return bool(keywords) and text is not None and \
            re.search(keyword_pattern(keywords), text.lower()) is not None

    def first_match(keywords, text):
        if not keywords or text is None:
            return None
        found = re.search(keyword_pattern(keywords), text.lower())
        return found.group(1) if found else None

    ex, c, p, w = icp.exclude, icp.company, icp.person, icp.weights
    domain = row["company_domain"] if row["company_domain"] in ex.domains else (
        row["email_domain"] if row["email_domain"] in ex.domains else None)
    exclusion = (
        f"excluded: client_status={row['client_status']}"
        if (row["client_status"] or "").lower() in ex.client_status
        else f"excluded: domain {domain}" if domain
        else f"excluded: industry={row['industry']}" if has(ex.industries, row["industry"])
        else f"excluded: country={row['country']}" if row["country"] in ex.countries else None)
    if exclusion:
        return 0.0, [{"weight": -1.0, "reason": exclusion, "criterion": "exclude"}]
    weights = icp.criteria_weights()
    points: list[tuple[str, float, str]] = []

    def judge(name, known, fits, fit_reason, miss_reason):
        if name in weights and known:
            points.append((name, weights[name] if fits else -weights[name],
                           fit_reason if fits else miss_reason))

    industry, country, size = row["industry"], row["country"], row["size"]
    judge("industry", industry is not None, has(c.industries, industry),
          f"industry={industry}", f"industry={industry} not in ICP")
    judge("country", country is not None, country in c.countries,
          f"country={country}", f"country={country} not in ICP")
    if "size" in weights and size is not None:
        band = next((b for b in c.size_bands
                     if size >= b.min and (b.max is None or size <= b.max)), None)
        top = max(c.size_bands, key=lambda b: b.max) \
            if all(b.max is not None for b in c.size_bands) else None
        miss = (f"size {size} < band {c.size_bands[0].label}" if size < c.size_bands[0].min
                else f"size {size} > band {top.label}" if top and size > top.max
                else f"size {size} outside bands " + ", ".join(b.label for b in c.size_bands))
        judge("size", True, band is not None, f"size {size} in band {band and band.label}", miss)
    for name, wanted in (("seniority", p.seniority), ("department", p.departments)):
        stored = next((k for k, words in tables[name].items() if has(words, row[name])), None)
        level = stored or next((k for k, words in tables[name].items()
                                if has(words, row["position"])), None)
        source = "" if stored else " (from title)"
        judge(name, level is not None, level in wanted, f"{name}={level}{source}",
              f"{name}={level} not in ICP{source}")
    excluded_word = first_match(p.title_exclude, row["position"])
    included_word = first_match(p.title_keywords, row["position"])
    if w.title and (p.title_keywords or p.title_exclude):
        if excluded_word:
            points.append(("title", -w.title, f"title has excluded '{excluded_word}'"))
        elif included_word:
            points.append(("title", w.title, f"title has '{included_word}'"))
    total = sum(weights.values())
    if w.insight and row["insight_fit"] is not None:
        fit = min(max(row["insight_fit"], 0.0), 1.0)
        total += w.insight
        points.append(("insight", w.insight * (2 * fit - 1),
                       f"company insight fit {round(fit, 2)}"))
    score = round(min(max(sum(pt for _, pt, _ in points) / total, 0.0), 1.0), 4)
    reasons = sorted(({"weight": round(pt / total, 3), "reason": why, "criterion": name}
                      for name, pt, why in points), key=lambda r: -r["weight"])
    return score, reasons


def naive_baseline(conn, workspace_id: str, icp_version, icp) -> float:
    import psycopg

    from gtm.icp.scoring import _CONTACTS_QUERY, CONTACT_SCHEMA
    from gtm.icp.vocabulary import DEPARTMENT_KEYWORDS, SENIORITY_KEYWORDS

    tables = {"seniority": SENIORITY_KEYWORDS, "department": DEPARTMENT_KEYWORDS}
    started = time.perf_counter()
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        rows = [dict(zip(CONTACT_SCHEMA, r, strict=True))
                for r in cur.execute(_CONTACTS_QUERY, (workspace_id,)).fetchall()]
    for row in rows:
        score, reasons = naive_score(row, icp, tables)
        conn.execute(
            "insert into contact_scores (workspace_id, employee_id, icp_version, score, reasons)"
            " values (%s, %s, %s, %s, %s::jsonb) on conflict (employee_id, icp_version)"
            " do update set score = excluded.score, reasons = excluded.reasons",
            (workspace_id, row["employee_id"], icp_version, score, json.dumps(reasons)))
    conn.commit()
    return time.perf_counter() - started


def main(contacts: int) -> dict:
    home = scratch_home("gtm-bench-icp-")
    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm.db.workspaces import ensure_workspace
    from gtm.icp import load_icp_file, parse_icp, set_icp
    from gtm.icp.profile import EXAMPLE_ICP_FILE
    from gtm.icp.scoring import load_contacts, score_contacts, score_frame, write_scores

    def timed(fn, *args):
        started = time.perf_counter()
        value = fn(*args)
        return value, time.perf_counter() - started

    try:
        with connect(autocommit=True) as conn:
            migrate(conn)
        with connect() as conn:
            ws = ensure_workspace(conn, "bench")
            generate(conn, ws, contacts)
            conn.execute("analyze")
            conn.commit()
            playbook = load_icp_file(EXAMPLE_ICP_FILE)
            set_icp(conn, ws, playbook)
            conn.commit()

            first, first_seconds = timed(score_contacts, conn, ws)
            conn.commit()
            unchanged, unchanged_seconds = timed(score_contacts, conn, ws)
            conn.commit()
            edited = parse_icp(playbook.model_dump(mode="json") | {
                "company": playbook.company.model_dump(mode="json")
                | {"size_bands": [{"min": 50, "max": 2000}]}})
            set_icp(conn, ws, edited)
            conn.commit()
            rescored, rescore_seconds = timed(score_contacts, conn, ws)
            conn.commit()

            # The phases of one more pass (under a throw-away version), rolled back.
            frame, load_seconds = timed(load_contacts, conn, ws)
            scored, score_seconds = timed(score_frame, frame, edited)
            probe, _ = set_icp(conn, ws, parse_icp(edited.model_dump(mode="json")
                                                   | {"description": "phases"}))
            _, write_seconds = timed(write_scores, conn, ws, probe.version, scored)
            conn.rollback()

            naive_icp = parse_icp(edited.model_dump(mode="json") | {"description": "naive"})
            naive_version, _ = set_icp(conn, ws, naive_icp)
            conn.commit()
            naive_seconds = naive_baseline(conn, ws, naive_version.version, naive_icp)
            agreement = conn.execute(
                "select count(*) as compared,"
                " count(*) filter (where g.score <> n.score or g.reasons <> n.reasons)"
                "  as mismatches, coalesce(max(abs(g.score - n.score)), 0)::float8 as max_diff"
                " from contact_scores g join contact_scores n using (employee_id)"
                " where g.icp_version = %s and n.icp_version = %s",
                (rescored.icp_version, naive_version.version)).fetchone()
        result = {
            "benchmark": "icp_scoring",
            "machine": machine_info(),
            # Shared machine: other work running during the measurement inflates every figure.
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "contacts": contacts,
            "gtm": {
                "first_scoring_seconds": round(first_seconds, 3),
                "first_scoring_contacts_per_second": round(contacts / first_seconds),
                "rescore_after_icp_edit_seconds": round(rescore_seconds, 3),
                "rescore_contacts_per_second": round(contacts / rescore_seconds),
                "rescore_unchanged_icp_seconds": round(unchanged_seconds, 3),
                "rows_written": {"first": first.written, "unchanged": unchanged.written,
                                 "after_edit": rescored.written},
                "phases_seconds": {"load_one_query": round(load_seconds, 3),
                                   "score_polars": round(score_seconds, 3),
                                   "write_copy_upsert": round(write_seconds, 3)},
                "matches": rescored.matches, "excluded": rescored.excluded,
                "mean_score": rescored.mean_score,
            },
            "naive_row_by_row": {"seconds": round(naive_seconds, 3),
                                 "contacts_per_second": round(contacts / naive_seconds)},
            "speedup_vs_naive": round(naive_seconds / rescore_seconds, 1),
            "agreement_with_naive": dict(agreement),
        }
    finally:
        stop(home / "pg")
    write_result("icp_scoring", result)
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

"""Which records need an enrichment re-run because their results went stale.

A (entity, stage) is stale when its latest `enrichment_results` row has expired (`expires_at`
in the past; each stage's TTL sets it) - or, for a row with status `error` (which expires at
once so the next run retries it), when it failed more than `retry_errors_after` ago and fewer
than `max_attempts` times, so a provider that keeps failing is not hammered every tick.
Records are grouped by their company's import batch, the partition the enrichment assets run
on; an employee counts through its company. Companies without a batch cannot be selected by
partition and are left to `gtm enrich:run --company`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg

MAX_COMPANIES_PER_RUN = 1000


@dataclass
class StaleBatch:
    batch: str
    company_ids: list[str] = field(default_factory=list)
    # (entity, entity_id, stage, fetched_at) of every stale row: what makes the run key.
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def run_key(self) -> str:
        """Same stale rows, same key: a second tick before the run has refreshed them (or
        while it is queued) launches nothing new."""
        text = "\n".join([self.batch, *("|".join(r) for r in sorted(self.rows))])
        return f"enrich-stale-{self.batch}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def stale_batches(conn: psycopg.Connection, workspace_id: str, now: datetime, *,
                  retry_errors_after: timedelta = timedelta(hours=1), max_attempts: int = 5,
                  max_companies: int = MAX_COMPANIES_PER_RUN) -> list[StaleBatch]:
    """Stale records grouped by batch, at most `max_companies` companies per batch (the rest
    come up on a later tick, once these are fresh)."""
    rows = conn.execute(
        "select r.entity, r.entity_id::text as entity_id, r.stage, r.fetched_at,"
        " c.id::text as company_id, c.batch_id"
        " from enrichment_results r"
        " left join employees e on r.entity = 'employee' and e.workspace_id = r.workspace_id"
        "  and e.id = r.entity_id"
        " join companies c on c.workspace_id = r.workspace_id and c.id ="
        "  (case when r.entity = 'company' then r.entity_id else e.company_id end)"
        " where r.workspace_id = %s and c.batch_id is not null"
        " and ((r.status <> 'error' and r.expires_at < %s)"
        "  or (r.status = 'error' and r.fetched_at < %s and r.attempts < %s))"
        # Only the latest row of an (entity, stage) counts: an expired row for old inputs
        # is history once newer inputs have a row.
        " and not exists (select 1 from enrichment_results n"
        "  where n.workspace_id = r.workspace_id and n.entity = r.entity"
        "  and n.entity_id = r.entity_id and n.stage = r.stage and n.fetched_at > r.fetched_at)"
        " order by c.batch_id, c.id, r.entity, r.entity_id, r.stage",
        (workspace_id, now, now - retry_errors_after, max_attempts)).fetchall()
    batches: dict[str, StaleBatch] = {}
    for row in rows:
        batch = batches.setdefault(row["batch_id"], StaleBatch(row["batch_id"]))
        # Rows come ordered by company, so a new company is always the last one seen.
        if not batch.company_ids or batch.company_ids[-1] != row["company_id"]:
            if len(batch.company_ids) >= max_companies:
                continue
            batch.company_ids.append(row["company_id"])
        batch.rows.append((row["entity"], row["entity_id"], row["stage"],
                           row["fetched_at"].isoformat()))
    return list(batches.values())

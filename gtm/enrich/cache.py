"""`enrichment_results` as the stage cache: one row per (entity, stage, input hash).

A stage's work for an entity is reused while a row with the same input hash is fresh
(`expires_at` in the future, or null = never expires) and not an error. Errors are always
retried, so a transient provider failure is not cached as an answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def input_hash(stage: str, inputs: dict[str, Any]) -> str:
    """Stable hash of a stage's inputs (key order and the stage's version do not leak in)."""
    text = json.dumps({"stage": stage, "inputs": inputs}, sort_keys=True, default=str,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class StageResult:
    entity_id: str
    input_hash: str
    status: str  # ok | no_data | error | skipped
    output: dict[str, Any] | None = None
    error: str | None = None
    provider: str | None = None
    expires_at: datetime | None = None


def fresh_hashes(conn: psycopg.Connection, workspace_id: str, entity: str, stage: str,
                 entity_ids: list[str], now: datetime) -> set[tuple[str, str]]:
    """(entity_id, input_hash) pairs with a fresh, non-error result."""
    rows = conn.execute(
        "select entity_id::text as entity_id, input_hash from enrichment_results"
        " where workspace_id = %s and entity = %s and stage = %s and entity_id = any(%s::uuid[])"
        " and status <> 'error' and (expires_at is null or expires_at > %s)",
        (workspace_id, entity, stage, entity_ids, now),
    ).fetchall()
    return {(r["entity_id"], r["input_hash"]) for r in rows}


def save_results(conn: psycopg.Connection, workspace_id: str, entity: str, stage: str,
                 results: list[StageResult], now: datetime) -> None:
    """Upsert; a repeated error bumps `attempts` so QC can find what keeps failing."""
    if not results:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "insert into enrichment_results (workspace_id, entity, entity_id, stage, input_hash,"
            " status, output, error, provider, fetched_at, expires_at)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (workspace_id, entity, entity_id, stage, input_hash) do update set"
            " status = excluded.status, output = excluded.output, error = excluded.error,"
            " provider = excluded.provider, fetched_at = excluded.fetched_at,"
            " expires_at = excluded.expires_at,"
            " attempts = enrichment_results.attempts + 1",
            [(workspace_id, entity, r.entity_id, stage, r.input_hash, r.status,
              Jsonb(r.output) if r.output is not None else None, r.error, r.provider, now,
              r.expires_at) for r in results],
        )


def latest_outputs(conn: psycopg.Connection, workspace_id: str, entity: str, stage: str,
                   entity_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The most recent row per entity for a stage: {entity_id: row}."""
    rows = conn.execute(
        "select distinct on (entity_id) entity_id::text as entity_id, status, output, error,"
        " provider, fetched_at from enrichment_results"
        " where workspace_id = %s and entity = %s and stage = %s and entity_id = any(%s::uuid[])"
        " order by entity_id, fetched_at desc",
        (workspace_id, entity, stage, entity_ids),
    ).fetchall()
    return {r["entity_id"]: dict(r) for r in rows}

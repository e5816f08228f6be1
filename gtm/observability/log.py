"""Reading the AI log: `ai_interactions` newest first, filtered by campaign, trace or errors."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from gtm.errors import TerminalError

LOG_COLUMNS = ("created_at", "task", "mode", "provider", "model", "error_code", "latency_ms",
               "tokens_in", "tokens_out", "cost_usd", "cached", "trace_id", "span_id",
               "parent_span_id", "pack", "pack_version", "campaign_id", "employee_id",
               "company_id", "batch_id", "session_key")


def list_interactions(conn: psycopg.Connection, workspace_id: str, *,
                      campaign_id: str | None = None, trace_id: str | None = None,
                      errors_only: bool = False, limit: int = 50,
                      with_payload: bool = False) -> list[dict]:
    """The newest `limit` interactions; `with_payload` adds the (redacted) input and output."""
    columns = sql.SQL(", ").join(
        map(sql.Identifier, LOG_COLUMNS + (("input", "output") if with_payload else ())))
    query = sql.SQL(
        "select {} from ai_interactions"
        " where workspace_id = %s"
        " and (%s::uuid is null or campaign_id = %s::uuid)"
        " and (%s::text is null or trace_id = %s::text)"
        " and (not %s or error_code is not null)"
        " order by created_at desc, id desc limit %s").format(columns)
    params = (workspace_id, campaign_id, campaign_id, trace_id, trace_id, errors_only, limit)
    return conn.execute(query, params).fetchall()


def resolve_campaign_id(conn: psycopg.Connection, workspace_id: str, campaign: str) -> str:
    """A campaign named `campaign` (or with that id) in the workspace; its id."""
    row = conn.execute(
        "select id from campaigns where workspace_id = %s and (name = %s or id::text = %s)",
        (workspace_id, campaign, _as_uuid_text(campaign)),
    ).fetchone()
    if row is None:
        raise TerminalError(f"no campaign named {campaign!r} in this workspace")
    return str(row["id"])


def _as_uuid_text(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None

"""ICP versions in `icp_profiles` and reads of `contact_scores`.

Versions only grow: setting an ICP whose content differs from the active one adds version N+1
and makes it the active one (one active per workspace, a partial unique index enforces it);
setting the same content again changes nothing. Old versions stay, so a campaign that recorded
"ICP version 3" can always say what that meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from gtm.errors import TerminalError
from gtm.icp.profile import IcpDefinition, parse_icp

# `reasons @> EXCLUDED_MARKER`: the score is 0 because an exclusion applied (see gtm.icp.scoring).
EXCLUDED_MARKER = '[{"criterion": "exclude"}]'


@dataclass(frozen=True)
class IcpVersion:
    version: int
    definition: IcpDefinition
    content_hash: str
    created_at: datetime | None = None

    def to_json(self) -> dict:
        return {"version": self.version, "content_hash": self.content_hash,
                "created_at": self.created_at,
                "definition": self.definition.model_dump(mode="json")}


def set_icp(conn: psycopg.Connection, workspace_id: str, definition: IcpDefinition, *,
            created_by: str | None = None) -> tuple[IcpVersion, bool]:
    """Make `definition` the active ICP: (the active version, whether a new one was created)."""
    # Two concurrent `icp:set` would both read version N and both insert N+1.
    conn.execute("select pg_advisory_xact_lock(hashtext('gtm.icp'), hashtext(%s))",
                 (workspace_id,))
    content_hash = definition.content_hash()
    current = active_icp(conn, workspace_id)
    if current is not None and current.content_hash == content_hash:
        return current, False
    conn.execute("update icp_profiles set active = false where workspace_id = %s and active",
                 (workspace_id,))
    row = conn.execute(
        "insert into icp_profiles (workspace_id, version, definition, content_hash, active,"
        " created_by)"
        " select %(ws)s, coalesce(max(version), 0) + 1, %(definition)s::jsonb, %(hash)s, true,"
        " %(by)s from icp_profiles where workspace_id = %(ws)s"
        " returning version, created_at",
        {"ws": workspace_id, "definition": definition.canonical_json(), "hash": content_hash,
         "by": created_by},
    ).fetchone()
    return IcpVersion(row["version"], definition, content_hash, row["created_at"]), True


def active_icp(conn: psycopg.Connection, workspace_id: str) -> IcpVersion | None:
    """The ICP in force in the workspace, or None before the first `icp:set`."""
    row = conn.execute(
        "select version, definition, content_hash, created_at from icp_profiles"
        " where workspace_id = %s and active", (workspace_id,),
    ).fetchone()
    if row is None:
        return None
    try:
        definition = parse_icp(row["definition"], f"icp_profiles version {row['version']}")
    except TerminalError as exc:
        raise TerminalError(f"{exc}; store a valid ICP with `gtm icp:set FILE`") from None
    return IcpVersion(row["version"], definition, row["content_hash"], row["created_at"])


@dataclass(frozen=True)
class ScoreCounts:
    """How far scoring has got for one ICP version."""

    employees: int
    scored: int
    matches: int
    excluded: int

    @property
    def unscored(self) -> int:
        return self.employees - self.scored


def score_counts(conn: psycopg.Connection, workspace_id: str, icp: IcpVersion) -> ScoreCounts:
    row = conn.execute(
        "select (select count(*) from employees where workspace_id = %(ws)s) as employees,"
        " count(s.id) as scored,"
        " count(s.id) filter (where s.score >= %(min)s) as matches,"
        " count(s.id) filter (where s.reasons @> %(excluded)s::jsonb) as excluded"
        " from contact_scores s where s.workspace_id = %(ws)s and s.icp_version = %(v)s",
        {"ws": workspace_id, "v": icp.version, "min": icp.definition.min_score,
         "excluded": EXCLUDED_MARKER},
    ).fetchone()
    return ScoreCounts(row["employees"], row["scored"], row["matches"], row["excluded"])


def batch_matches(conn: psycopg.Connection, workspace_id: str, batch_id: str,
                  icp: IcpVersion) -> int:
    """How many contacts an import batch touched (inserted or merged) match the ICP."""
    return conn.execute(
        "select count(*) as n from employees e join contact_scores s on s.employee_id = e.id"
        " where e.workspace_id = %(ws)s and s.icp_version = %(v)s and s.score >= %(min)s"
        " and e.sources @> jsonb_build_array(jsonb_build_object('batch_id', %(batch)s::text))",
        {"ws": workspace_id, "v": icp.version, "min": icp.definition.min_score, "batch": batch_id},
    ).fetchone()["n"]


def top_contacts(conn: psycopg.Connection, workspace_id: str, icp_version: int, *,
                 limit: int = 10) -> list[dict]:
    """The best-scored contacts under one ICP version, with their reasons."""
    return conn.execute(
        "select e.id::text as employee_id, concat_ws(' ', e.first_name, e.last_name) as name,"
        " e.email, e.position, c.name as company, s.score::float8 as score, s.reasons"
        " from contact_scores s join employees e on e.id = s.employee_id"
        " left join companies c on c.id = e.company_id"
        " where s.workspace_id = %s and s.icp_version = %s"
        " order by s.score desc, e.email nulls last, e.id limit %s",
        (workspace_id, icp_version, limit),
    ).fetchall()

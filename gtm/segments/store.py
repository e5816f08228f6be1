"""Saved segments: a name with immutable, numbered versions of its filter definition.

A version is never updated (the database refuses it: segment_versions has a trigger), so a
campaign that recorded (segment, version) can always re-read exactly what it targeted. Saving a
definition that differs from the latest version adds version N+1; saving the same one again
adds nothing. "Same" means the same canonical JSON (see filters.py): `["SE", "NO"]` and
`["Norway", "Sweden"]` are one definition.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from gtm.segments.compile import as_tree, compile_filter
from gtm.segments.errors import SegmentError, SegmentNotFound
from gtm.segments.filters import display_order, to_json

MAX_NAME = 100


@dataclass(frozen=True)
class SegmentVersion:
    segment_id: str
    name: str
    version: int
    definition: dict
    sql_hash: str
    created_by: str | None
    created_at: datetime
    latest_version: int
    created: bool = False  # from create_segment: True when that call stored this version

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}


def create_segment(conn: psycopg.Connection, workspace_id: str, name: str, definition: Any,
                   created_by: str | None = None,
                   description: str | None = None) -> SegmentVersion:
    """Save `definition` under `name`: a new segment (version 1), a new version when it differs
    from the latest one, or the latest version unchanged (`created=False`) when it is the same.
    The definition is validated first; nothing is written for an invalid one."""
    name = check_name(name)
    node = as_tree(definition)
    canonical = to_json(node)
    sql_hash = compile_filter(node).sql_hash
    conn.execute(
        "insert into segments (workspace_id, name, description, created_by)"
        " values (%s, %s, %s, %s)"
        " on conflict (workspace_id, name) where deleted_at is null do nothing",
        (workspace_id, name, description, created_by))
    # The row lock serialises concurrent saves of one segment, so version numbers never clash.
    segment = conn.execute(
        "select id::text from segments where workspace_id = %s and name = %s"
        " and deleted_at is null for update", (workspace_id, name)).fetchone()
    latest = _version_row(conn, workspace_id, segment["id"], None)
    if latest is not None and latest["definition"] == canonical:
        return _from_row(latest, name, created=False)
    version = 1 if latest is None else latest["version"] + 1
    conn.execute(
        "insert into segment_versions (workspace_id, segment_id, version, definition, sql_hash,"
        " created_by) values (%s, %s, %s, %s, %s, %s)",
        (workspace_id, segment["id"], version, Jsonb(canonical), sql_hash,
         created_by))
    conn.execute("update segments set current_version = %s where id = %s",
                 (version, segment["id"]))
    row = _version_row(conn, workspace_id, segment["id"], version)
    return _from_row(row, name, created=True)


def get_segment(conn: psycopg.Connection, workspace_id: str, name: str,
                version: int | None = None) -> SegmentVersion:
    """A saved segment's latest version, or `version`; SegmentNotFound names what exists."""
    segment = conn.execute(
        "select id::text from segments where workspace_id = %s and name = %s"
        " and deleted_at is null", (workspace_id, name)).fetchone()
    if segment is None:
        known = [s["name"] for s in list_segments(conn, workspace_id)][:20]
        raise SegmentNotFound(f"no segment {name!r} in this workspace; known: "
                              f"{', '.join(known) or 'none (create one with segment:create)'}")
    row = _version_row(conn, workspace_id, segment["id"], version)
    if row is None:
        latest = _version_row(conn, workspace_id, segment["id"], None)
        raise SegmentNotFound(f"segment {name!r} has no version {version}; versions are 1 to "
                              f"{latest['version'] if latest else 0}")
    return _from_row(row, name)


def list_segments(conn: psycopg.Connection, workspace_id: str) -> list[dict[str, Any]]:
    """Every live segment with its latest version number and when it last changed."""
    return conn.execute(
        "select s.name, s.id::text as segment_id, s.description, v.version as latest_version,"
        " v.sql_hash, v.created_by, v.created_at as version_created_at, s.created_at"
        " from segments s"
        " join lateral (select version, sql_hash, created_by, created_at from segment_versions"
        "   where workspace_id = s.workspace_id and segment_id = s.id"
        "   order by version desc limit 1) v on true"
        " where s.workspace_id = %s and s.deleted_at is null order by s.name",
        (workspace_id,)).fetchall()


def list_versions(conn: psycopg.Connection, workspace_id: str, name: str) -> list[dict[str, Any]]:
    """The version history of one segment, oldest first."""
    segment = get_segment(conn, workspace_id, name)
    return conn.execute(
        "select version, sql_hash, created_by, created_at from segment_versions"
        " where workspace_id = %s and segment_id = %s order by version",
        (workspace_id, segment.segment_id)).fetchall()


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise SegmentError(f"invalid segment name {name!r}: use 1 to {MAX_NAME} printable "
                           "characters, e.g. RU_Fintech_CTOs_Q1")
    return name


def _version_row(conn: psycopg.Connection, workspace_id: str, segment_id: str,
                 version: int | None) -> dict | None:
    return conn.execute(
        "select segment_id::text, version, definition, sql_hash, created_by, created_at,"
        " (select max(version) from segment_versions m where m.workspace_id = v.workspace_id"
        "  and m.segment_id = v.segment_id) as latest_version"
        " from segment_versions v where workspace_id = %(ws)s and segment_id = %(id)s"
        " and (%(version)s::int is null or version = %(version)s::int)"
        " order by version desc limit 1",
        {"ws": workspace_id, "id": segment_id, "version": version}).fetchone()


def _from_row(row: dict, name: str, *, created: bool = False) -> SegmentVersion:
    return SegmentVersion(segment_id=row["segment_id"], name=name, version=row["version"],
                          definition=display_order(row["definition"]), sql_hash=row["sql_hash"],
                          created_by=row["created_by"], created_at=row["created_at"],
                          latest_version=row["latest_version"], created=created)


def delete_segment(conn: psycopg.Connection, workspace_id: str, name: str) -> bool:
    """Soft delete: the name is free again, and campaigns keep pointing at its versions."""
    row = conn.execute(
        "update segments set deleted_at = now() where workspace_id = %s and name = %s"
        " and deleted_at is null returning id",
        (workspace_id, name),
    ).fetchone()
    return row is not None

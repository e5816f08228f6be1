"""What is in the database: the tables of the data model and their row counts."""

from __future__ import annotations

import psycopg
from psycopg import sql


def public_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname"
    ).fetchall()
    return [r["name"] for r in rows]


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row counts per public table (the demo and `db:status` print them)."""
    counts = {}
    for table in public_tables(conn):
        query = sql.SQL("select count(*) from {}").format(sql.Identifier(table))
        row = conn.execute(query).fetchone()
        counts[table] = row["count"]
    return counts

"""Set-based writes of a resolved import batch: COPY into temp tables, then one statement each.

Merging never overwrites a value with an empty one: an existing non-empty field wins, a new
value only fills a gap (`coalesce(nullif(existing, ''), incoming)`). Provenance is appended per
record once per batch, so a forced re-apply does not repeat it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import psycopg
from psycopg import sql

COMPANY_FIELDS = (
    "name", "normalized_name", "legal_form", "domain", "website", "tin", "registration_number",
    "country", "city", "industry", "segment", "size_employees", "sme_registry",
)
EMPLOYEE_FIELDS = (
    "company_id", "first_name", "last_name", "full_name", "email", "position", "seniority",
    "department", "linkedin_url", "phone", "country", "city", "timezone", "language",
    "client_status",
)
_SQL_TYPES = {"size_employees": "integer", "sme_registry": "boolean", "company_id": "uuid"}
_COPY_SLICE_ROWS = 20_000


@dataclass(frozen=True)
class Provenance:
    batch_id: str
    session_key: str
    source: str

    def entry(self) -> str:
        return json.dumps({"batch_id": self.batch_id, "session_key": self.session_key,
                           "source": self.source})


def lock_workspace_imports(conn: psycopg.Connection, workspace_id: str) -> None:
    """Serialise imports per workspace until commit: dedupe against the database must see the
    rows a concurrent batch is about to write, or both would insert the same company."""
    conn.execute("select pg_advisory_xact_lock(hashtext('gtm.intake'), hashtext(%s))",
                 (workspace_id,))


def load_company_keys(conn: psycopg.Connection, workspace_id: str) -> pl.DataFrame:
    """The identity columns of every company in the workspace, for matching."""
    return _frame(conn, "select id::text as id, tin, registration_number, country, domain,"
                  " normalized_name from companies where workspace_id = %s",
                  (workspace_id,), ["id", "tin", "registration_number", "country", "domain",
                                    "normalized_name"])


def load_employee_keys(conn: psycopg.Connection, workspace_id: str) -> pl.DataFrame:
    """The identity columns of every employee in the workspace, for matching."""
    # LinkedIn, phone, country and title are the matcher's evidence for stored people too.
    return _frame(conn, "select id::text as id, lower(email) as email, first_name, last_name,"
                  " company_id::text as company_id, linkedin_url, phone, country, position"
                  " from employees where workspace_id = %s",
                  (workspace_id,), ["id", "email", "first_name", "last_name", "company_id",
                                    "linkedin_url", "phone", "country", "position"])


def _frame(conn, query: str, params, columns: list[str]) -> pl.DataFrame:
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        rows = cur.execute(query, params).fetchall()
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


def write_companies(conn: psycopg.Connection, workspace_id: str, rows: pl.DataFrame,
                    provenance: Provenance) -> int:
    """Insert rows with `is_new`, fill gaps of the existing company `id` for the others.

    Returns how many existing companies gained a value."""
    return _write(conn, "companies", COMPANY_FIELDS, workspace_id, rows, provenance)


def write_employees(conn: psycopg.Connection, workspace_id: str, rows: pl.DataFrame,
                    provenance: Provenance) -> int:
    """Insert rows with `is_new`, fill gaps of the existing employee `id` for the others.

    Returns how many existing employees gained a value."""
    return _write(conn, "employees", EMPLOYEE_FIELDS, workspace_id, rows, provenance)


def _write(conn: psycopg.Connection, table: str, fields: Sequence[str], workspace_id: str,
           rows: pl.DataFrame, provenance: Provenance) -> int:
    new = rows.filter(pl.col("is_new"))
    if not new.is_empty():
        # Straight into the table: the server checks and indexes rows while later ones stream.
        _copy(conn, sql.Identifier(table), new.select(
            "id", pl.lit(str(workspace_id)).alias("workspace_id"), *fields,
            pl.lit(provenance.session_key).alias("session_key"),
            pl.lit(provenance.batch_id).alias("batch_id"),
            pl.lit(f"[{provenance.entry()}]").alias("sources"),
        ))
    existing = rows.filter(~pl.col("is_new"))
    if existing.is_empty():
        return 0
    staging = sql.Identifier(f"_incoming_{table}")
    columns = ["id", *fields]
    # Dropped first as well: inside a caller's outer transaction `on commit` comes too late.
    conn.execute(sql.SQL("drop table if exists {}").format(staging))
    conn.execute(sql.SQL("create temp table {} ({}) on commit drop").format(
        staging,
        sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_sql_type(c))) for c in columns
        ),
    ))
    _copy(conn, staging, existing.select(columns))
    target = sql.Identifier(table)
    field_list = sql.SQL(", ").join(map(sql.Identifier, fields))
    filled = [sql.SQL("coalesce({gap}, i.{col})").format(col=sql.Identifier(c), gap=_gap(c))
              for c in fields]
    current = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in fields)
    merged = conn.execute(
        sql.SQL(
            "update {target} t set ({fields}) = ({filled}) from {staging} i"
            " where t.id = i.id and t.workspace_id = %(ws)s"
            " and ({current}) is distinct from ({filled})"
        ).format(target=target, fields=field_list, filled=sql.SQL(", ").join(filled),
                 staging=staging, current=current),
        {"ws": workspace_id},
    ).rowcount
    conn.execute(
        sql.SQL(
            "update {target} t set sources = t.sources || jsonb_build_array(%(entry)s::jsonb)"
            " from {staging} i where t.id = i.id and t.workspace_id = %(ws)s and not"
            " t.sources @> jsonb_build_array(jsonb_build_object('batch_id', %(batch)s::text))"
        ).format(target=target, staging=staging),
        {"ws": workspace_id, "batch": provenance.batch_id, "entry": provenance.entry()},
    )
    return merged


def _copy(conn: psycopg.Connection, table: sql.Identifier, rows: pl.DataFrame) -> None:
    """COPY the frame's columns into the same-named columns of `table`.

    polars writes the CSV (null unquoted, "" quoted: exactly COPY's CSV convention); slices
    keep the buffer small for files of millions of rows.
    """
    statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, rows.columns)))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for piece in rows.iter_slices(_COPY_SLICE_ROWS):
            copy.write(piece.write_csv(include_header=False))


def write_rejects(conn: psycopg.Connection, workspace_id: str, batch_id: str,
                  rejects: pl.DataFrame) -> None:
    """Store every refused row with its reason code and raw cells."""
    if rejects.is_empty():
        return
    _copy(conn, sql.Identifier("import_rejects"), rejects.select(
        pl.lit(str(workspace_id)).alias("workspace_id"), pl.lit(batch_id).alias("batch_id"),
        "row_number", "reason_code", "detail", "raw"))


def _sql_type(column: str) -> str:
    return "uuid" if column == "id" else _SQL_TYPES.get(column, "text")


def _gap(column: str) -> sql.Composable:
    """The existing value, with an empty string counted as missing (text columns only)."""
    if _sql_type(column) == "text":
        return sql.SQL("nullif(t.{}, '')").format(sql.Identifier(column))
    return sql.SQL("t.{}").format(sql.Identifier(column))

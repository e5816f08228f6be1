"""Segment preview: how many contacts match, and the matching contacts page by page in rank order.

Rank order is `score desc nulls last, employee_id` under the workspace's active ICP version.
Pages are keyset-paginated: the cursor carries the last row's sort key, so page 1000 costs what
page 1 costs and a contact added between two calls is neither skipped nor repeated.

Queries are never prepared: each is planned with its values (a custom plan), so a skewed value or
a LIKE prefix gets the plan that suits it rather than a cached generic one.

A page is read in two steps, because no single index yields "scored by score, then unscored":
1. scored contacts. A broad filter walks contact_scores_keyset_idx (workspace, icp version,
   score desc, id) from the cursor, checking employees / companies per row, and stops after one
   page of matches. For a narrow filter that walk would pass over most of the index, so the
   matches are found first and only they are sorted; the count picks (see _filter_first);
2. only when the scored ones run out, unscored contacts (no contact_scores row) by id.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from gtm.segments.compile import (
    COMPANY_JOIN,
    ICP_VERSION,
    WORKSPACE,
    CompiledFilter,
    as_tree,
    base_params,
    compile_filter,
    count_query,
    joins,
)
from gtm.segments.errors import SegmentError

MAX_PAGE_SIZE = 1000

_COLUMNS = sql.SQL(
    "e.id::text as employee_id, e.company_id::text as company_id, {score} as score,"
    " {reasons} as reasons, coalesce(e.full_name, concat_ws(' ', e.first_name, e.last_name))"
    " as name, e.email, e.position, c.name as company, c.country, c.industry,"
    " e.outreach_sent_date")
# A walk of the rank index reads about one employee per scored contact it passes; past this
# many, filtering first is cheaper (see _filter_first).
_MAX_WALK = 10_000
_AFTER_SCORE = sql.Placeholder("seg_after_score")
_AFTER_ID = sql.Placeholder("seg_after_id")
_LIMIT = sql.Placeholder("seg_limit")


@dataclass(frozen=True)
class Preview:
    count: int | None  # None when not asked for
    rows: list[dict[str, Any]]
    next_cursor: str | None  # None on the last page
    icp_version: int | None  # the scores shown; None: no active ICP, nobody is scored
    page_size: int

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "icp_version": self.icp_version,
                "page_size": self.page_size, "next_cursor": self.next_cursor, "rows": self.rows}


def active_icp_version(conn: psycopg.Connection, workspace_id: str) -> int | None:
    row = conn.execute("select version from icp_profiles where workspace_id = %s and active",
                       (workspace_id,)).fetchone()
    return None if row is None else row["version"]


def preview_segment(conn: psycopg.Connection, workspace_id: str, definition: Any, *,
                    page_size: int = 50, cursor: str | None = None, with_count: bool = True,
                    icp_version: int | None = None) -> Preview:
    """Count and one page of the contacts `definition` selects (validated first).

    `cursor`: the `next_cursor` of the previous page of the same definition. The count is taken
    on the first page and carried in the cursor, so a later page costs one page query and shows
    the count as of the first page. `with_count=False` skips counting (and the page plan is then
    left to the planner). `icp_version`: whose scores rank the contacts; default the
    workspace's active ICP version.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise SegmentError(f"page size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
    compiled = compile_filter(as_tree(definition))
    if icp_version is None:
        icp_version = active_icp_version(conn, workspace_id)
    after = _decode_cursor(cursor, compiled, icp_version) if cursor else None
    if after is not None:
        count = after["n"]
    else:
        count = count_matches(conn, workspace_id, compiled, icp_version) if with_count else None
    rows, next_cursor = fetch_page(conn, workspace_id, compiled, icp_version, page_size,
                                   after=after, count=count)
    return Preview(count, rows, next_cursor, icp_version, page_size)


def count_matches(conn: psycopg.Connection, workspace_id: str, compiled: CompiledFilter,
                  icp_version: int | None) -> int:
    query, params = count_query(workspace_id, compiled, icp_version)
    return conn.execute(query, params, prepare=False).fetchone()["n"]


def fetch_page(conn: psycopg.Connection, workspace_id: str, compiled: CompiledFilter,
               icp_version: int | None, page_size: int, *, after: dict | None = None,
               count: int | None = None) -> tuple[list[dict], str | None]:
    """One page after the decoded cursor `after` (None: the first page) and the next cursor;
    `count`, when known, picks the page plan (see _filter_first)."""
    params = base_params(workspace_id, icp_version, compiled)
    rows: list[dict] = []
    if icp_version is not None and (after is None or after["s"] is not None):
        rows = _scored_page(conn, compiled, params, page_size + 1, after,
                            _filter_first(conn, count, page_size))
    if len(rows) <= page_size:
        after_id = after["id"] if after is not None and after["s"] is None else None
        rows += _unscored_page(conn, compiled, params, page_size + 1 - len(rows), after_id)
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = _encode_cursor(rows[-1], compiled, icp_version, count)
    return [_plain(r) for r in rows], next_cursor


def _scored_page(conn, compiled: CompiledFilter, params: dict, limit: int,
                 after: dict | None, filter_first: bool) -> list[dict]:
    keyset = sql.SQL("")
    if after is not None:
        # score <= x is the index range; the rest breaks the tie at x by employee id.
        keyset = sql.SQL(" and s.score <= {s} and (s.score < {s} or s.employee_id > {id})") \
            .format(s=_AFTER_SCORE, id=_AFTER_ID)
        params = params | {"seg_after_score": after["s"], "seg_after_id": after["id"]}
    columns = _COLUMNS.format(score=sql.SQL("s.score"), reasons=sql.SQL("s.reasons"))
    if filter_first:
        # Materialised, so the planner cannot turn it back into a walk of the rank index; the
        # wide columns are read for the page's rows alone, after the matches are sorted.
        query = sql.SQL(
            "with matches as materialized (select e.id from {joins} where e.workspace_id = {ws}"
            " and {where}), top as (select s.employee_id, s.score from matches m"
            " join contact_scores s on s.workspace_id = {ws} and s.employee_id = m.id"
            " and s.icp_version = {icp} where true{keyset}"
            " order by s.score desc, s.employee_id limit {limit})"
            " select {columns} from top t join contact_scores s on s.workspace_id = {ws}"
            " and s.employee_id = t.employee_id and s.icp_version = {icp}"
            " join employees e on e.workspace_id = {ws} and e.id = t.employee_id{company}"
            " order by t.score desc, t.employee_id")
    else:
        query = sql.SQL(
            "select {columns} from contact_scores s join employees e"
            " on e.workspace_id = s.workspace_id and e.id = s.employee_id{company}"
            " where s.workspace_id = {ws} and s.icp_version = {icp} and {where}{keyset}"
            " order by s.score desc, s.employee_id limit {limit}")
    query = query.format(columns=columns, joins=joins(compiled.tables), ws=WORKSPACE,
                         icp=ICP_VERSION, where=compiled.where, keyset=keyset, limit=_LIMIT,
                         company=COMPANY_JOIN)
    return conn.execute(query, params | {"seg_limit": limit}, prepare=False).fetchall()


def _filter_first(conn: psycopg.Connection, count: int | None, page_size: int) -> bool:
    """Whether to find the matches first rather than walk the rank index until a page is full.

    The walk looks at about page_size x scored / count contacts; when that is many, because
    the filter is narrow, filtering first and sorting the few matches is cheaper. Without a
    count the planner decides. pg_class.reltuples (every workspace and ICP version) can only
    overestimate the scored contacts, which errs towards filter-first, whose cost is bounded
    by the count query's.
    """
    if count is None:
        return False
    scored = conn.execute("select reltuples from pg_class"
                          " where oid = 'public.contact_scores'::regclass").fetchone()["reltuples"]
    return (page_size + 1) * max(scored, 0) / max(count, 1) > _MAX_WALK


def _unscored_page(conn, compiled: CompiledFilter, params: dict, limit: int,
                   after_id: str | None) -> list[dict]:
    keyset = sql.SQL("")
    if after_id is not None:
        keyset = sql.SQL(" and e.id > {}").format(_AFTER_ID)
        params = params | {"seg_after_id": after_id}
    # The left join + "s.employee_id is null" is an anti-join; `s` stays in scope (all null) so
    # an icp_score condition means the same here as in the scored step.
    query = sql.SQL(
        "select {columns} from employees e{company}"
        " left join contact_scores s on s.workspace_id = e.workspace_id"
        " and s.employee_id = e.id and s.icp_version = {icp}"
        " where e.workspace_id = {ws} and s.employee_id is null and {where}{keyset}"
        " order by e.id limit {limit}"
    ).format(columns=_COLUMNS.format(score=sql.SQL("null::numeric"),
                                     reasons=sql.SQL("null::jsonb")),
             company=COMPANY_JOIN, icp=ICP_VERSION, ws=WORKSPACE, where=compiled.where,
             keyset=keyset, limit=_LIMIT)
    return conn.execute(query, params | {"seg_limit": limit}, prepare=False).fetchall()


def _query_key(compiled: CompiledFilter, icp_version: int | None) -> str:
    return f"{compiled.sql_hash[:16]}:{icp_version}"


def _encode_cursor(row: dict, compiled: CompiledFilter, icp_version: int | None,
                   count: int | None) -> str:
    score = row["score"]
    key = {"q": _query_key(compiled, icp_version), "s": None if score is None else str(score),
           "id": row["employee_id"], "n": count}
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, compiled: CompiledFilter, icp_version: int | None) -> dict:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = {"q": key["q"], "s": None if key["s"] is None else Decimal(key["s"]),
               "id": str(uuid.UUID(key["id"])), "n": key["n"]}
        if key["n"] is not None and (type(key["n"]) is not int or key["n"] < 0):
            raise ValueError("count")
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, binascii.Error):
        raise SegmentError("invalid cursor: pass the next_cursor of a previous page "
                           "unchanged") from None
    if key["q"] != _query_key(compiled, icp_version):
        raise SegmentError("this cursor belongs to another filter or ICP version: start again "
                           "from the first page")
    return key


def _plain(row: dict) -> dict:
    """JSON-ready: the score as a number (the cursor keeps its exact decimal)."""
    score = row["score"]
    return {**row, "score": None if score is None else float(score)}

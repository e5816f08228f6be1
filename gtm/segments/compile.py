"""Compile a filter tree to a parameterised WHERE clause, and the queries built on it.

SQL text comes only from the whitelist (`fields.py`) and the fixed fragments here; every value
from the filter becomes a named parameter (`%(seg_p0)s`, ...). All parameter names start with
`seg_`, so a caller can embed a query in its own statement with its own named parameters.

Null semantics (two-valued, so `not` is an exact complement): a condition on a missing value is
false, except `neq`, `not_in` and `is_null: true` (a missing value differs from any value) and
`older_than_days` (no outreach in the last N days includes never contacted). `not X` matches
every row X does not match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from gtm.segments.fields import FIELDS, Field
from gtm.segments.filters import (
    And,
    Condition,
    Node,
    Not,
    Or,
    number_param,
    parse_date,
    parse_filter,
)

WORKSPACE = sql.Placeholder("seg_workspace_id")
ICP_VERSION = sql.Placeholder("seg_icp_version")

COMPANY_JOIN = sql.SQL(
    " left join companies c on c.workspace_id = e.workspace_id and c.id = e.company_id")
SCORE_JOIN = sql.SQL(
    " left join contact_scores s on s.workspace_id = e.workspace_id and s.employee_id = e.id"
    " and s.icp_version = {}").format(ICP_VERSION)

_COMPARISONS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class CompiledFilter:
    where: sql.Composable
    params: dict[str, Any]
    tables: frozenset[str]  # aliases the filter reads: e, and c / s when it needs the joins

    @property
    def sql_hash(self) -> str:
        """Identifies the compiled SQL and its values: the same definition compiled by another
        version of this compiler into different SQL gets a different hash."""
        text = self.where.as_string() + json.dumps(self.params, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def compile_filter(node: Node) -> CompiledFilter:
    compiler = _Compiler()
    where = compiler.node(node)
    return CompiledFilter(where, compiler.params, frozenset(compiler.tables))


def as_tree(definition: Any) -> Node:
    """A parsed tree as is; anything else (dict or JSON text) is parsed and validated."""
    if isinstance(definition, Condition | And | Or | Not):
        return definition
    return parse_filter(definition)


def joins(tables: frozenset[str], *, scores: bool = False) -> sql.Composable:
    """`employees e` and only the joins the filter (or the select list) needs: a count over
    employee fields alone never touches companies or scores."""
    parts: list[sql.Composable] = [sql.SQL("employees e")]
    if "c" in tables:
        parts.append(COMPANY_JOIN)
    if scores or "s" in tables:
        parts.append(SCORE_JOIN)
    return sql.Composed(parts)


def base_params(workspace_id: str, icp_version: int | None, compiled: CompiledFilter) -> dict:
    return {"seg_workspace_id": workspace_id, "seg_icp_version": icp_version, **compiled.params}


def audience_query(workspace_id: str, definition: Any,
                   icp_version: int | None) -> tuple[sql.Composed, dict[str, Any]]:
    """The employees a segment definition selects, as one parameterised SELECT.

    `definition`: a filter (dict, JSON text or parsed tree); it is validated here, so an invalid
    one raises `FilterError` before any SQL exists. `icp_version`: whose `contact_scores` give
    `score` and `reasons` (and the `icp_score` field); None means no ICP: both are null and an
    `icp_score` condition matches as for an unscored contact.

    Returns `(query, params)`. The query selects exactly the columns
    `employee_id uuid, company_id uuid (null: no company), score numeric (null: not scored),
    reasons jsonb (null: not scored)`, one row per matching employee of the workspace, ordered
    by `score desc nulls last, employee_id`. Params are named, all starting with `seg_`; embed it
    as a subquery and keep its order with a window, e.g.

        insert into campaign_members (workspace_id, campaign_id, employee_id, rank, score)
        select %(seg_workspace_id)s, %(campaign_id)s, a.employee_id,
               row_number() over (order by a.score desc nulls last, a.employee_id), a.score
        from ({query}) a

    with `params | {"campaign_id": ...}`. Relative dates (`older_than_days`) are evaluated
    against `now()`, the start of the caller's transaction.
    """
    compiled = compile_filter(as_tree(definition))
    query = sql.SQL(
        "select e.id as employee_id, e.company_id, s.score, s.reasons from {joins}"
        " where e.workspace_id = {ws} and {where}"
        " order by s.score desc nulls last, e.id"
    ).format(joins=joins(compiled.tables, scores=True), ws=WORKSPACE, where=compiled.where)
    return query, base_params(workspace_id, icp_version, compiled)


def count_query(workspace_id: str, compiled: CompiledFilter,
                icp_version: int | None) -> tuple[sql.Composed, dict[str, Any]]:
    query = sql.SQL("select count(*) as n from {joins} where e.workspace_id = {ws} and {where}") \
        .format(joins=joins(compiled.tables), ws=WORKSPACE, where=compiled.where)
    return query, base_params(workspace_id, icp_version, compiled)


def like_escape(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (backslash is the default escape)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Compiler:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.tables: set[str] = {"e"}

    def param(self, value: Any) -> sql.Placeholder:
        name = f"seg_p{len(self.params)}"
        self.params[name] = value
        return sql.Placeholder(name)

    def node(self, node: Node) -> sql.Composable:
        if isinstance(node, Condition):
            return self.condition(node)
        if isinstance(node, Not):
            # coalesce: NOT of an unknown (null) would be unknown, and the row would match
            # neither X nor not X.
            return sql.SQL("not coalesce({}, false)").format(self.node(node.item))
        if not node.items:
            return sql.SQL("true")  # {"and": []}: every contact
        glue = sql.SQL(" and " if isinstance(node, And) else " or ")
        return sql.SQL("({})").format(glue.join(self.node(item) for item in node.items))

    def condition(self, cond: Condition) -> sql.Composable:
        field = FIELDS[cond.field]
        self.tables.add(field.table)
        col, op, value = field.sql, cond.op, cond.value
        ci = field.type == "text" and field.case_insensitive

        def lhs() -> sql.Composable:
            return sql.SQL("lower({})").format(col) if ci else col

        def rhs(v: Any) -> sql.Composable:
            p = self.param(_param_value(field, v))
            return sql.SQL("lower({})").format(p) if ci else p

        if op in _COMPARISONS:
            return sql.SQL("{} {} {}").format(lhs(), sql.SQL(_COMPARISONS[op]), rhs(value))
        if op == "neq":
            return sql.SQL("{} is distinct from {}").format(lhs(), rhs(value))
        if op in ("in", "not_in"):
            listed = sql.SQL(", ").join(rhs(v) for v in value)
            if op == "in":
                return sql.SQL("{} in ({})").format(lhs(), listed)
            return sql.SQL("({} is null or {} not in ({}))").format(col, lhs(), listed)
        if op == "contains":
            # ilike on the bare column: a pg_trgm index on it (where the extension exists) applies.
            return sql.SQL("{} ilike {}").format(col, self.param(f"%{like_escape(value)}%"))
        if op == "starts_with":
            # lower(col) like 'prefix%': a text_pattern_ops index on lower(col) applies.
            return sql.SQL("lower({}) like lower({})").format(
                col, self.param(f"{like_escape(value)}%"))
        if op == "between":
            return sql.SQL("{} between {} and {}").format(col, rhs(value[0]), rhs(value[1]))
        if op == "is_null":
            return sql.SQL("{} is null" if value else "{} is not null").format(col)
        days = self.param(value)
        if op == "older_than_days":
            return sql.SQL("({} is null or {} < now() - {}::int * interval '1 day')").format(
                col, col, days)
        if op == "within_last_days":
            return sql.SQL("{} >= now() - {}::int * interval '1 day'").format(col, days)
        raise AssertionError(f"operator {op} passed validation but has no SQL")


def _param_value(field: Field, value: Any) -> Any:
    if field.type == "date":
        return parse_date(value)
    if field.type == "number":
        return number_param(field, value)
    return value

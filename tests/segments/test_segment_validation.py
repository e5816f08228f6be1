"""The whitelist: unknown fields and operators, wrong value types and malformed trees are refused
with a message naming them, and SQL injection through names, operators or values gets nowhere."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from psycopg import sql

from gtm.errors import TerminalError
from gtm.segments import (
    FIELDS,
    FilterError,
    FilterValueError,
    UnknownFieldError,
    UnknownOperatorError,
    audience_query,
    create_segment,
    parse_filter,
    preview_segment,
    to_json,
)
from gtm.segments.fields import OPS_BY_TYPE

ALL_OPS = sorted({op for ops in OPS_BY_TYPE.values() for op in ops})


class NoDatabase:
    """A connection that fails the test if anything is sent to it."""

    def execute(self, *args, **kwargs):
        raise AssertionError(f"reached the database: {args!r}")

    def cursor(self, *args, **kwargs):
        raise AssertionError("reached the database")


def test_unknown_field_names_it_and_the_allowed_fields():
    with pytest.raises(UnknownFieldError) as err:
        parse_filter({"and": [{"field": "countyr", "op": "eq", "value": "NO"}]})
    message = str(err.value)
    assert "'countyr'" in message and "filter.and[0]" in message
    assert "country" in message and "outreach_sent_date" in message
    assert isinstance(err.value, TerminalError) and err.value.field == "countyr"


def test_unknown_operator_names_it_and_the_operators_of_the_field():
    with pytest.raises(UnknownOperatorError) as err:
        parse_filter({"not": {"field": "company_size", "op": "contains", "value": "5"}})
    message = str(err.value)
    assert "'contains'" in message and "'company_size'" in message and "filter.not" in message
    assert "between" in message and err.value.allowed == list(FIELDS["company_size"].operators)


@pytest.mark.parametrize(("condition", "expected"), [
    ({"field": "company_size", "op": "gt", "value": "50"}, "an integer"),
    ({"field": "company_size", "op": "gt", "value": 5.5}, "an integer"),
    ({"field": "company_size", "op": "gt", "value": True}, "an integer"),
    ({"field": "icp_score", "op": "gte", "value": float("nan")}, "a number"),
    ({"field": "industry", "op": "eq", "value": 5}, "text"),
    ({"field": "industry", "op": "eq", "value": ""}, "non-empty"),
    ({"field": "industry", "op": "eq", "value": "a\x00b"}, "NUL"),
    ({"field": "industry", "op": "eq", "value": "x" * 1001}, "at most 1000"),
    ({"field": "industry", "op": "in", "value": "fintech"}, "a list"),
    ({"field": "industry", "op": "in", "value": []}, "a list of 1"),
    ({"field": "reply_positive", "op": "eq", "value": "yes"}, "true or false"),
    ({"field": "outreach_sent_date", "op": "gt", "value": "last tuesday"}, "ISO date"),
    ({"field": "outreach_sent_date", "op": "older_than_days", "value": -1}, "whole number"),
    ({"field": "outreach_sent_date", "op": "older_than_days", "value": 1.5}, "whole number"),
    ({"field": "company_size", "op": "between", "value": [10]}, "[low, high]"),
    ({"field": "company_size", "op": "between", "value": [10, 1]}, "low <= high"),
    ({"field": "country", "op": "eq", "value": "Atlantis"}, "ISO code"),
    ({"field": "email_domain", "op": "eq", "value": "  "}, "domain"),
    ({"field": "industry", "op": "is_null", "value": "yes"}, "true or false"),
    ({"field": "industry", "op": "eq"}, "value\" is missing"),
])
def test_wrong_value_names_the_field_and_what_it_takes(condition, expected):
    with pytest.raises(FilterValueError) as err:
        parse_filter(condition)
    assert f"'{condition['field']}'" in str(err.value) and expected in str(err.value)


@pytest.mark.parametrize("definition", [
    [], "[]", "{not json", {"and": {"field": "industry"}}, {"or": []},
    {"and": [], "or": []}, {"field": "industry"}, {"field": "industry", "op": "eq", "x": 1},
    {"not": "industry"}, {"and": [1]},
])
def test_malformed_trees_are_refused(definition):
    with pytest.raises(FilterError):
        parse_filter(definition)


def test_depth_and_size_are_bounded():
    deep: dict = {"field": "industry", "op": "eq", "value": "x"}
    for _ in range(25):
        deep = {"not": deep}
    with pytest.raises(FilterError, match="deeper"):
        parse_filter(deep)
    many = {"or": [{"field": "industry", "op": "eq", "value": str(i)} for i in range(499)]}
    parse_filter(many)
    with pytest.raises(FilterError, match="more than 500"):
        parse_filter({"and": [many, {"and": []}]})


def test_equivalent_spellings_have_one_canonical_form():
    one = parse_filter({"field": "country", "op": "in", "value": ["Sweden", "no", "SE"]})
    two = parse_filter('{"value": ["NO", "SE"], "op": "in", "field": "country"}')
    assert to_json(one) == to_json(two) == {"field": "country", "op": "in",
                                            "value": ["NO", "SE"]}
    assert parse_filter({"field": "industry", "op": "is_null"}).value is True


# --------------------------------------------------------------------------- injection

@hsettings(max_examples=200, deadline=None)
@given(name=st.text(max_size=40), op=st.sampled_from(ALL_OPS) | st.text(max_size=20))
def test_arbitrary_field_names_never_reach_the_database(name, op):
    definition = {"field": name, "op": op, "value": "x"}
    if name in FIELDS:
        return  # a real field: covered by the operator tests
    with pytest.raises(UnknownFieldError):
        audience_query("ws", definition, 1)
    with pytest.raises(UnknownFieldError):
        preview_segment(NoDatabase(), "ws", definition)
    with pytest.raises(UnknownFieldError):
        create_segment(NoDatabase(), "ws", "s", definition)


@hsettings(max_examples=200, deadline=None)
@given(field=st.sampled_from(sorted(FIELDS)), op=st.text(max_size=30))
def test_arbitrary_operators_never_reach_the_database(field, op):
    if op in FIELDS[field].operators:
        return
    definition = {"and": [{"field": field, "op": op, "value": "x"}]}
    with pytest.raises(UnknownOperatorError):
        preview_segment(NoDatabase(), "ws", definition)
    with pytest.raises(UnknownOperatorError):
        create_segment(NoDatabase(), "ws", "s", definition)


INJECTIONS = ["'); drop table employees; --", "x' or '1'='1", "%' or 1=1 --", "\\", "%%",
              "$1", "%(seg_p0)s", "%s", "{}", "' || pg_sleep(10) || '", ";", "--", "/*", "E'\\x00'"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_values_match_nothing_and_change_nothing(db, match, world, value):
    for op in ("eq", "contains", "starts_with"):
        assert match({"field": "position", "op": op, "value": value}) == set()
    assert match({"field": "position", "op": "in", "value": [value, "CTO"]}) == {"a", "g"}
    assert match({"not": {"field": "position", "op": "eq", "value": value}}) == set("abcdefg")
    assert db.execute("select to_regclass('public.employees') is not null as ok").fetchone()["ok"]


_ORACLE = {  # the same questions asked without LIKE, so without any escaping, and by hand
    "eq": "lower(position) = lower(%(v)s)",
    "contains": "strpos(lower(position), lower(%(v)s)) > 0",
    "starts_with": "left(lower(position), length(lower(%(v)s))) = lower(%(v)s)",
}


def _names(db: psycopg.Connection, where: sql.Composable, params: dict) -> set[str]:
    query = sql.SQL("select lower(first_name) as name from employees where {}").format(where)
    return {r["name"] for r in db.execute(query, params)}


@hsettings(max_examples=75, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=30), op=st.sampled_from(sorted(_ORACLE)))
def test_arbitrary_values_are_parameters_and_give_correct_results(db, world, value, op):
    definition = {"field": "position", "op": op, "value": value}
    try:
        parse_filter(definition)
    except FilterValueError:
        assert value == "" or "\x00" in value  # the only texts refused
        return
    with db.transaction(force_rollback=True):
        # A contact whose title is the value itself: eq, contains and starts_with must find it.
        db.execute("insert into employees (workspace_id, first_name, position)"
                   " values (%s, 'Probe', %s)", (world.ws, value))
        audience, params = audience_query(world.ws, definition, 1)
        got = _names(db, sql.SQL("id in (select employee_id from ({}) a)").format(audience),
                     params)
        expected = _names(db, sql.SQL("workspace_id = %(ws)s and " + _ORACLE[op]),
                          {"ws": world.ws, "v": value})
        assert "probe" in got and got == expected
    assert db.execute("select count(*) as n from employees where workspace_id = %s",
                      (world.ws,)).fetchone()["n"] == 7

"""Every field type and operator against real rows (the a..g world of conftest.py), the null
semantics, and the boolean combinators, including "not is an exact complement" by property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gtm.segments import FIELDS

ALL = set("abcdefg")


def _day(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


def leaf(field, op, value=None):
    return {"field": field, "op": op, "value": value}


CASES = [
    # text, case-insensitive (lower(col) = lower(value)), Unicode included
    (leaf("industry", "eq", "fintech"), "ab"),
    (leaf("industry", "eq", "финтех"), "e"),
    (leaf("industry", "neq", "FINTECH"), "cdefg"),  # a missing industry differs from fintech
    (leaf("industry", "in", ["software", "FINTECH"]), "abcd"),
    (leaf("industry", "not_in", ["software"]), "abefg"),
    (leaf("industry", "is_null", True), "fg"),
    (leaf("industry", "is_null", False), "abcde"),
    (leaf("segment", "eq", "smb"), "ab"),
    (leaf("company_name", "contains", "CME"), "ab"),
    (leaf("company_name", "starts_with", "кир"), "e"),
    (leaf("position", "contains", "cto"), "ag"),
    (leaf("position", "contains", "ДИРЕКТОР"), "e"),
    (leaf("position", "contains", "50%_"), "d"),  # LIKE wildcards in a value are literal
    (leaf("position", "contains", "%"), "d"),
    (leaf("position", "contains", "_"), "d"),
    (leaf("position", "starts_with", "HEAD OF"), "b"),
    (leaf("position", "starts_with", "h_ad"), ""),
    (leaf("position", "eq", "cto"), "ag"),
    (leaf("seniority", "eq", "c-level"), "ae"),
    (leaf("department", "is_null", True), "efg"),
    (leaf("client_status", "eq", "Client"), "b"),
    (leaf("campaign_status", "is_null", True), "aefg"),
    (leaf("testing_status", "eq", "a"), "a"),
    (leaf("language", "eq", "NO"), "a"),
    (leaf("email", "eq", "ANN@acme.no"), "a"),
    (leaf("company_status", "eq", "NEW"), "abcdef"),
    # text normalised to the stored form (country codes, domains)
    (leaf("country", "eq", "no"), "ab"),
    (leaf("country", "eq", "Norway"), "ab"),
    (leaf("country", "in", ["SE", "Россия"]), "cde"),
    (leaf("country", "neq", "NO"), "cdefg"),
    (leaf("country", "not_in", ["NO", "Sweden"]), "efg"),
    (leaf("country", "is_null", True), "fg"),  # g has no company at all
    (leaf("contact_country", "eq", "Sweden"), "cd"),
    (leaf("email_domain", "eq", "BOLT.se"), "cd"),
    (leaf("email_domain", "in", ["@acme.no"]), "ab"),
    (leaf("email_domain", "starts_with", "bol"), "cd"),
    (leaf("email_domain", "contains", "NOCOMPANY"), "g"),
    (leaf("company_domain", "eq", "ACME.no"), "ab"),
    # numbers
    (leaf("company_size", "eq", 50), "ab"),
    (leaf("company_size", "neq", 50), "cdefg"),
    (leaf("company_size", "in", [50, 5000]), "abcd"),
    (leaf("company_size", "not_in", [50]), "cdefg"),
    (leaf("company_size", "gt", 100), "cdf"),
    (leaf("company_size", "gte", 50), "abcdf"),
    (leaf("company_size", "lt", 200), "ab"),
    (leaf("company_size", "lte", 200.0), "abf"),
    (leaf("company_size", "between", [50, 200]), "abf"),
    (leaf("company_size", "is_null", True), "eg"),
    (leaf("campaign_number", "gte", 2), "b"),
    # the ICP score of the active version (v1); unscored contacts have none
    (leaf("icp_score", "gte", 0.7), "abe"),
    (leaf("icp_score", "lt", 0.6), "cd"),
    (leaf("icp_score", "eq", 0.9), "ab"),
    (leaf("icp_score", "neq", 0.9), "cdefg"),
    (leaf("icp_score", "between", [0.5, 0.7]), "ce"),
    (leaf("icp_score", "in", [0.1, 0.5]), "cd"),
    (leaf("icp_score", "is_null", True), "fg"),
    # booleans
    (leaf("sme_registry", "eq", True), "ab"),
    (leaf("sme_registry", "eq", False), "cd"),
    (leaf("sme_registry", "neq", True), "cdefg"),
    (leaf("sme_registry", "is_null", True), "efg"),
    (leaf("reply_positive", "eq", True), "b"),
    (leaf("reply_negative", "eq", True), "c"),
    (leaf("reply_info_request", "eq", True), "e"),
    (leaf("reply_bounce", "eq", False), "abcefg"),
    (leaf("reply_bounce", "neq", False), "d"),
    # dates: absolute and relative; a missing outreach date is "never contacted"
    (leaf("outreach_sent_date", "older_than_days", 60), "acdefg"),
    (leaf("outreach_sent_date", "within_last_days", 30), "b"),
    (leaf("outreach_sent_date", "gt", _day(100)), "bc"),
    (leaf("outreach_sent_date", "gte", _day(100)), "bc"),
    (leaf("outreach_sent_date", "lt", _day(100)), "d"),
    (leaf("outreach_sent_date", "lte", _day(100) + "T23:59:59+00:00"), "d"),
    (leaf("outreach_sent_date", "between", [_day(100), _day(50)]), "c"),
    (leaf("outreach_sent_date", "is_null", False), "bcd"),
    (leaf("imported_at", "within_last_days", 1), "abcdefg"),
    (leaf("imported_at", "older_than_days", 1), ""),
    # combinators
    ({"and": []}, "abcdefg"),
    ({"or": [leaf("country", "eq", "NO"), leaf("country", "eq", "SE")]}, "abcd"),
    ({"not": leaf("industry", "eq", "fintech")}, "cdefg"),
    ({"not": {"not": leaf("country", "eq", "NO")}}, "ab"),
    ({"and": [leaf("country", "in", ["NO", "SE"]),
              {"not": leaf("position", "contains", "engineer")},
              leaf("outreach_sent_date", "older_than_days", 60)]}, "ac"),
    # the PRD's example: SME fintech, title CTO or Head of IT, no outreach in the last 60 days
    ({"and": [leaf("sme_registry", "eq", True), leaf("industry", "eq", "fintech"),
              {"or": [leaf("position", "contains", "cto"),
                      leaf("position", "contains", "head of it")]},
              leaf("outreach_sent_date", "older_than_days", 60)]}, "a"),
]


@pytest.mark.parametrize(("definition", "expected"), CASES,
                         ids=[str(i) for i in range(len(CASES))])
def test_operator_selects_the_right_contacts(match, definition, expected):
    assert match(definition) == set(expected)


def test_every_field_and_operator_is_exercised():
    used = set()

    def walk(node):
        if "field" in node:
            used.add((node["field"], node["op"]))
        for key in ("and", "or"):
            for item in node.get(key, []):
                walk(item)
        if "not" in node:
            walk(node["not"])

    for definition, _ in CASES:
        walk(definition)
    ops = {op for _, op in used}
    assert ops == {op for f in FIELDS.values() for op in f.operators}
    assert {f for f, _ in used} == set(FIELDS)


def test_scores_come_from_the_requested_icp_version(match):
    assert match(leaf("icp_score", "gte", 0.95), icp_version=2) == {"f"}
    assert match(leaf("icp_score", "is_null", True), icp_version=None) == ALL


LEAVES = [leaf(f, op, v) for f, op, v in [
    ("industry", "eq", "fintech"), ("country", "in", ["NO", "RU"]),
    ("company_size", "gt", 100), ("sme_registry", "eq", True), ("icp_score", "gte", 0.5),
    ("outreach_sent_date", "older_than_days", 60), ("position", "contains", "o"),
    ("department", "is_null", True), ("campaign_status", "neq", "sent"),
]]
trees = st.recursive(
    st.sampled_from(LEAVES),
    lambda children: st.one_of(
        st.builds(lambda xs: {"and": xs}, st.lists(children, max_size=3)),
        st.builds(lambda xs: {"or": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, children)),
    max_leaves=6)


@hsettings(max_examples=40, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=trees, y=trees)
def test_boolean_algebra_holds_with_nulls(match, x, y):
    """Two-valued logic: not is the exact complement, and/or are intersection/union, even where
    the fields are null (three-valued SQL would lose rows under not)."""
    mx, my = match(x), match(y)
    assert match({"not": x}) == ALL - mx
    assert match({"and": [x, y]}) == mx & my
    assert match({"or": [x, y]}) == mx | my

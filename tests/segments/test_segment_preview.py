"""Preview: the count, rank order (score desc nulls last, id), and keyset pages that return every
matching contact exactly once, across ties, the scored/unscored boundary and page sizes."""

from __future__ import annotations

import random
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gtm.db.workspaces import ensure_workspace
from gtm.segments import SegmentError, audience_query, preview_segment

EVERYONE = {"and": []}


def _all_pages(db, ws, definition, page_size, **kwargs) -> list[dict]:
    rows, cursor, pages = [], None, 0
    while True:
        page = preview_segment(db, ws, definition, page_size=page_size, cursor=cursor,
                               with_count=False, **kwargs)
        assert len(page.rows) <= page_size
        rows += page.rows
        pages += 1
        if page.next_cursor is None:
            return rows
        assert len(page.rows) == page_size  # only the last page may be short
        cursor = page.next_cursor
        assert pages < 10_000


def test_first_page_is_ranked_with_count_and_reasons(db, world):
    page = preview_segment(db, world.ws, EVERYONE, page_size=3)
    assert page.count == 7 and page.icp_version == 1
    tie = sorted([world.ids["a"], world.ids["b"]])
    assert [r["employee_id"] for r in page.rows] == [*tie, world.ids["e"]]
    assert [r["score"] for r in page.rows] == [0.9, 0.9, 0.7]
    top = page.rows[0]
    assert top["company"] == "Acme AS" and top["country"] == "NO" and top["reasons"]
    assert page.next_cursor


def test_pages_cross_from_scored_to_unscored(db, world):
    rows = _all_pages(db, world.ws, EVERYONE, page_size=2)
    letters = [world.letters[r["employee_id"]] for r in rows]
    assert sorted(letters[:2]) == ["a", "b"] and letters[2:5] == ["e", "c", "d"]
    assert sorted(letters[5:]) == ["f", "g"] and rows[5]["score"] is None
    assert [r["employee_id"] for r in rows[5:]] == sorted(r["employee_id"] for r in rows[5:])


def test_without_active_icp_nobody_is_scored(db, world):
    db.execute("update icp_profiles set active = false where workspace_id = %s", (world.ws,))
    page = preview_segment(db, world.ws, {"field": "icp_score", "op": "is_null"}, page_size=10)
    assert page.icp_version is None and page.count == 7
    assert [r["employee_id"] for r in page.rows] == sorted(world.ids.values())


def test_count_uses_the_same_filter(db, world):
    definition = {"field": "outreach_sent_date", "op": "older_than_days", "value": 60}
    page = preview_segment(db, world.ws, definition, page_size=50)
    assert page.count == len(page.rows) == 6 and page.next_cursor is None


def test_later_pages_carry_the_first_count(db, world):
    first = preview_segment(db, world.ws, EVERYONE, page_size=4)
    db.execute("insert into employees (workspace_id, email) values (%s, 'new@x.io')", (world.ws,))
    second = preview_segment(db, world.ws, EVERYONE, page_size=4, cursor=first.next_cursor)
    assert first.count == second.count == 7  # counted once, on the first page
    assert len(second.rows) == 4  # the page itself is live: the new contact is on it
    uncounted = preview_segment(db, world.ws, EVERYONE, page_size=4, with_count=False)
    assert uncounted.count is None


def test_bad_cursors_and_page_sizes_are_clear_errors(db, world):
    page = preview_segment(db, world.ws, EVERYONE, page_size=1)
    with pytest.raises(SegmentError, match="another filter"):
        preview_segment(db, world.ws, {"field": "country", "op": "eq", "value": "NO"},
                        cursor=page.next_cursor)
    for garbage in ("nope", "e30", page.next_cursor[:-3] + "AAA", "!!!"):
        with pytest.raises(SegmentError, match="cursor"):
            preview_segment(db, world.ws, EVERYONE, cursor=garbage)
    for size in (0, 1001):
        with pytest.raises(SegmentError, match="page size"):
            preview_segment(db, world.ws, EVERYONE, page_size=size)


@pytest.fixture
def crowd(db) -> str:
    """300 contacts: scores from a handful of values (big tie groups), 40 unscored."""
    ws = ensure_workspace(db, "segments-crowd")
    rng = random.Random(4)
    company = db.execute("insert into companies (workspace_id, name, country) values"
                         " (%s, 'Crowd', 'NO') returning id", (ws,)).fetchone()["id"]
    db.execute("insert into icp_profiles (workspace_id, version, definition, content_hash,"
               " active) values (%s, 1, '{}', 'h', true)", (ws,))
    for i in range(300):
        employee = db.execute(
            "insert into employees (workspace_id, company_id, email, position, reply_bounce)"
            " values (%s, %s, %s, %s, %s) returning id",
            (ws, company if i % 3 else None, f"p{i}@crowd.no", rng.choice(["CTO", "CEO", "VP"]),
             i % 7 == 0)).fetchone()["id"]
        if i >= 40:
            db.execute("insert into contact_scores (workspace_id, employee_id, icp_version,"
                       " score) values (%s, %s, 1, %s)", (ws, employee, rng.choice([0, .25, .5])))
    return ws


FILTERS = [
    EVERYONE,
    {"field": "position", "op": "eq", "value": "cto"},
    {"not": {"field": "reply_bounce", "op": "eq", "value": True}},
    {"or": [{"field": "country", "op": "eq", "value": "NO"}, {"field": "icp_score", "op": "gt",
                                                              "value": 0.3}]},
    {"field": "icp_score", "op": "is_null"},
]


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(definition=st.sampled_from(FILTERS), page_size=st.integers(1, 60),
       filter_first=st.booleans())
def test_keyset_pages_return_every_row_exactly_once(db, crowd, definition, page_size,
                                                     filter_first):
    # Both page plans: walking the rank index, and filtering first (chosen for narrow filters).
    with patch("gtm.segments.preview._filter_first", return_value=filter_first):
        rows = _all_pages(db, crowd, definition, page_size)
    ids = [r["employee_id"] for r in rows]
    query, params = audience_query(crowd, definition, 1)
    expected = [str(r["employee_id"]) for r in db.execute(query, params)]
    assert ids == expected  # same rows, same order, no duplicates
    assert len(set(ids)) == len(ids)
    assert preview_segment(db, crowd, definition, page_size=1).count == len(expected)

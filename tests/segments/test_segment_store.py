"""Saved segments: versions are immutable, a changed definition is a new version, the same one
is not, and a campaign's (segment, version) always reads back what it targeted."""

from __future__ import annotations

import pytest
from psycopg import errors

from gtm.db.workspaces import ensure_workspace
from gtm.segments import (
    FilterError,
    SegmentError,
    SegmentNotFound,
    create_segment,
    get_segment,
    list_segments,
    list_versions,
)

NORDIC = {"field": "country", "op": "in", "value": ["NO", "SE"]}
NORDIC_SPELLED = {"value": ["Sweden", "Norway"], "op": "in", "field": "country"}
NORDIC_CTOS = {"and": [NORDIC, {"field": "position", "op": "contains", "value": "cto"}]}


@pytest.fixture
def ws(db) -> str:
    return ensure_workspace(db, "segments-store")


def test_create_then_same_then_changed_definition(db, ws):
    first = create_segment(db, ws, "Nordic", NORDIC, created_by="ann")
    assert (first.version, first.created, first.latest_version) == (1, True, 1)
    assert first.definition == NORDIC and len(first.sql_hash) == 64

    same = create_segment(db, ws, "Nordic", NORDIC_SPELLED)
    assert (same.version, same.created) == (1, False)  # same canonical definition: no version
    assert same.created_by == "ann"

    second = create_segment(db, ws, "Nordic", NORDIC_CTOS, created_by="bob")
    assert (second.version, second.created, second.latest_version) == (2, True, 2)
    assert second.sql_hash != first.sql_hash

    old = get_segment(db, ws, "Nordic", version=1)
    assert old.definition == NORDIC and old.sql_hash == first.sql_hash
    assert old.created_at == first.created_at and old.latest_version == 2
    assert get_segment(db, ws, "Nordic").version == 2
    assert [v["version"] for v in list_versions(db, ws, "Nordic")] == [1, 2]
    # Back to the first definition is a change relative to the latest: version 3.
    assert create_segment(db, ws, "Nordic", NORDIC).version == 3


def test_versions_cannot_be_updated_or_deleted(db, ws):
    saved = create_segment(db, ws, "Nordic", NORDIC)
    with pytest.raises(errors.RestrictViolation, match="immutable"), db.transaction():
        db.execute("update segment_versions set definition = '{\"and\": []}'"
                   " where segment_id = %s", (saved.segment_id,))
    with pytest.raises(errors.RestrictViolation, match="immutable"), db.transaction():
        db.execute("delete from segment_versions where segment_id = %s", (saved.segment_id,))
    assert get_segment(db, ws, "Nordic", 1).definition == NORDIC


def test_invalid_definition_writes_nothing(db, ws):
    with pytest.raises(FilterError, match="countyr"):
        create_segment(db, ws, "Broken", {"field": "countyr", "op": "eq", "value": "NO"})
    assert db.execute("select count(*) as n from segments where workspace_id = %s",
                      (ws,)).fetchone()["n"] == 0


def test_list_and_not_found(db, ws):
    create_segment(db, ws, "B second", NORDIC)
    create_segment(db, ws, "A first", NORDIC)
    create_segment(db, ws, "A first", NORDIC_CTOS, created_by="cli")
    rows = list_segments(db, ws)
    assert [(r["name"], r["latest_version"]) for r in rows] == [("A first", 2), ("B second", 1)]
    assert rows[0]["created_by"] == "cli"
    with pytest.raises(SegmentNotFound, match="known: A first, B second"):
        get_segment(db, ws, "C")
    with pytest.raises(SegmentNotFound, match="no version 7; versions are 1 to 2"):
        get_segment(db, ws, "A first", version=7)


def test_segments_are_per_workspace(db, ws):
    other = ensure_workspace(db, "segments-store-other")
    create_segment(db, ws, "Nordic", NORDIC)
    assert create_segment(db, other, "Nordic", NORDIC_CTOS).version == 1
    assert get_segment(db, ws, "Nordic").definition == NORDIC


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "bad\nname"])
def test_bad_names_are_refused(db, ws, name):
    with pytest.raises(SegmentError, match="invalid segment name"):
        create_segment(db, ws, name, NORDIC)

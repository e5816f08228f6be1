"""Review actions: one approved variant per contact, edits recorded with their reason, and no
edit lost when two reviewers act on the same version."""

import pytest

from gtm.drafting.generate import generate_drafts
from gtm.drafting.regenerate import DraftConflictError
from gtm.drafting.review import (
    approve_campaign_drafts,
    approve_draft,
    edit_draft,
    skip_draft,
)
from gtm.errors import TerminalError


def _drafts(conn, campaign_id):
    return conn.execute("select id::text, employee_id, variant, status, version, risk_score"
                        " from drafts where campaign_id = %s order by employee_id, variant",
                        (campaign_id,)).fetchall()


@pytest.fixture
def drafted(make_campaign):
    campaign = make_campaign(contacts=3, russian=1)
    generate_drafts(campaign.connect, campaign.settings, campaign.workspace_id, campaign.id)
    return campaign


def test_approving_one_variant_skips_the_others(drafted) -> None:
    with drafted.connect() as conn:
        first, *_ = _drafts(conn, drafted.id)
        approve_draft(conn, drafted.workspace_id, first["id"],
                      expected_version=first["version"], reviewer="ann")
        siblings = [d for d in _drafts(conn, drafted.id)
                    if d["employee_id"] == first["employee_id"]]
    assert sorted(d["status"] for d in siblings) == ["approved"] + ["skipped"] * (len(siblings) - 1)


def test_edit_is_recorded_and_a_stale_version_is_refused(drafted) -> None:
    ws = drafted.workspace_id
    with drafted.connect() as conn:
        draft = _drafts(conn, drafted.id)[0]
        edited = edit_draft(conn, ws, draft["id"], expected_version=draft["version"],
                            subject="Quick question", body="Hi Alex,\n\nShorter.\n",
                            reason_tag="length", editor="ann")
        revision = conn.execute("select reason_tag, body_before, body_after, version"
                                " from draft_revisions where draft_id = %s",
                                (draft["id"],)).fetchone()
        assert revision["reason_tag"] == "length"
        assert revision["body_after"] == "Hi Alex,\n\nShorter.\n"
        assert revision["body_before"] and revision["version"] == edited["version"]
        # Bob still has the version Ann started from: his edit must not overwrite hers.
        with pytest.raises(DraftConflictError, match="reload it"):
            edit_draft(conn, ws, draft["id"], expected_version=draft["version"], subject="x",
                       body="Bob's text", reason_tag="tone", editor="bob")
        with pytest.raises(DraftConflictError):
            skip_draft(conn, ws, draft["id"], expected_version=draft["version"], reviewer="bob")
        body = conn.execute("select body from drafts where id = %s", (draft["id"],)).fetchone()
        assert body["body"] == "Hi Alex,\n\nShorter.\n"
        with pytest.raises(TerminalError, match="unknown reason tag 'mood'"):
            edit_draft(conn, ws, draft["id"], expected_version=edited["version"], subject="x",
                       body="y", reason_tag="mood", editor="ann")


def test_bulk_approve_takes_the_least_risky_passing_draft_per_contact(drafted) -> None:
    with drafted.connect() as conn:
        approved = approve_campaign_drafts(conn, drafted.workspace_id, drafted.id,
                                           reviewer="demo", max_risk=1.0)
        rows = _drafts(conn, drafted.id)
        again = approve_campaign_drafts(conn, drafted.workspace_id, drafted.id,
                                        reviewer="demo", max_risk=1.0)
    per_contact = {}
    for row in rows:
        per_contact.setdefault(row["employee_id"], []).append(row)
    assert approved == len(per_contact) == 3 and again == 0
    for drafts in per_contact.values():
        chosen = [d for d in drafts if d["status"] == "approved"]
        assert len(chosen) == 1
        assert chosen[0]["risk_score"] == min(d["risk_score"] for d in drafts)

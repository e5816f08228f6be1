"""Campaigns against the real database: versions recorded, audience ranked, frozen, excluded."""

from pathlib import Path

import psycopg
import pytest

from gtm.campaigns.audience import freeze_audience, top_members
from gtm.campaigns.lifecycle import IllegalTransition, transition
from gtm.campaigns.store import CampaignSpec, campaign_status, create_campaign
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.icp import parse_icp, set_icp
from gtm.packs.catalog import PackRef
from gtm.segments import create_segment
from gtm.sending.senders import SenderSpec, add_sender

PACK = PackRef("cold_first_touch", "abc123def456", Path("cold_first_touch.md"))
NORWAY = {"field": "country", "op": "eq", "value": "NO"}


def _company(db, ws, name, country):
    return db.execute(
        "insert into companies (workspace_id, name, normalized_name, country)"
        " values (%s, %s, lower(%s), %s) returning id",
        (ws, name, name, country),
    ).fetchone()["id"]


def _person(db, ws, company_id, first, email, country="NO"):
    return db.execute(
        "insert into employees (workspace_id, company_id, first_name, last_name,"
        " email, position, country) values (%s, %s, %s, 'Test', %s, 'CTO', %s)"
        " returning id",
        (ws, company_id, first, email, country),
    ).fetchone()["id"]


@pytest.fixture
def world(db: psycopg.Connection):
    ws = ensure_workspace(db, "campaign-tests")
    fjord = _company(db, ws, "Fjord AS", "NO")
    people = {
        name: _person(db, ws, fjord, name.title(), email)
        for name, email in [
            ("ola", "ola@fjord.no"),
            ("kari", "kari@fjord.no"),
            ("per", "per@fjord.no"),
            ("nils", None),
            ("siri", "siri@fjord.no"),
        ]
    }
    _person(db, ws, _company(db, ws, "Acme", "US"), "Bob", "bob@acme.com", country="US")
    db.execute(
        "insert into suppressions (workspace_id, email, reason) values (%s, %s, 'unsubscribe')",
        (ws, "SIRI@fjord.no"),
    )
    set_icp(db, ws, parse_icp({"name": "CTOs", "person": {"seniority": ["c_suite"]}}))
    for name, score in (("kari", 0.9), ("ola", 0.4), ("nils", 0.8), ("siri", 0.95)):
        db.execute(
            "insert into contact_scores (workspace_id, employee_id, icp_version, score, reasons)"
            " values (%s, %s, 1, %s, %s)",
            (ws, people[name], score, f'[{{"weight": {score}, "reason": "seniority=cto"}}]'),
        )
    create_segment(db, ws, "norway", NORWAY)
    add_sender(db, ws, SenderSpec("me@sender.io"))
    return ws, people


def test_create_records_versions_and_freezes_a_ranked_audience(db, world) -> None:
    ws, people = world
    campaign, created = create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK))
    assert created and campaign["status"] == "drafting"
    assert (campaign["segment_version"], campaign["icp_version"], campaign["pack_version"]) == (
        1,
        1,
        "abc123def456",
    )

    report = freeze_audience(db, ws, campaign["id"])
    assert not report.already_frozen
    # nils has no email, siri is suppressed: left out and counted, never silently dropped.
    assert report.excluded == {"no_email": 1, "suppressed": 1}
    members = top_members(db, campaign["id"])
    assert [(m["first_name"], m["rank"]) for m in members] == [("Kari", 1), ("Ola", 2), ("Per", 3)]
    assert members[2]["score"] is None  # unscored contacts rank last
    assert (
        members[0]["company"] == "Fjord AS"
        and members[0]["reasons"][0]["reason"] == "seniority=cto"
    )


def test_the_audience_stays_frozen_after_imports_edits_and_rescoring(db, world) -> None:
    ws, people = world
    campaign, _ = create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK))
    freeze_audience(db, ws, campaign["id"])
    before = top_members(db, campaign["id"])

    _person(db, ws, None, "Newcomer", "new@fjord.no")
    db.execute("update employees set position = 'Intern' where id = %s", (people["kari"],))
    db.execute("update contact_scores set score = 0.01 where employee_id = %s", (people["kari"],))
    create_segment(
        db, ws, "norway", {"or": [NORWAY, {"field": "country", "op": "eq", "value": "US"}]}
    )

    again = freeze_audience(db, ws, campaign["id"])
    assert again.already_frozen and again.members == 3
    assert top_members(db, campaign["id"]) == before


def test_same_name_is_refused_unless_it_is_the_same_unfrozen_campaign(db, world) -> None:
    ws, _ = world
    first, _ = create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK))
    retry, created = create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK))
    assert not created and retry["id"] == first["id"]  # a failed freeze can be retried
    other_pack = PackRef("follow_up_bump", "0" * 12, Path("x.md"))
    with pytest.raises(TerminalError, match="campaign 'q1' already exists"):
        create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", other_pack))
    with pytest.raises(TerminalError, match="campaign 'q1' already exists"):
        create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK, daily_cap=5))
    freeze_audience(db, ws, first["id"])
    with pytest.raises(TerminalError, match="already exists"):
        create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CampaignSpec("q2", "nowhere", "me@sender.io", PACK), "nowhere"),
        (CampaignSpec("q2", "norway", "ghost@sender.io", PACK), "no sender 'ghost@sender.io'"),
        (CampaignSpec("q2", "norway", "me@sender.io", PACK, segment_version=9), "9"),
        (
            CampaignSpec("q2", "norway", "me@sender.io", PACK, language="de"),
            "unsupported --language 'de'",
        ),
        (
            CampaignSpec("q2", "norway", "me@sender.io", PACK, daily_cap=0),
            "daily cap must be 1 or more, got 0",
        ),
    ],
)
def test_bad_references_are_refused(db, world, spec, message) -> None:
    ws, _ = world
    with pytest.raises(TerminalError, match=message):
        create_campaign(db, ws, spec)


def test_lifecycle_in_the_database(db, world) -> None:
    ws, _ = world
    create_campaign(db, ws, CampaignSpec("q1", "norway", "me@sender.io", PACK))
    assert transition(db, ws, "q1", "ready")["from"] == "drafting"
    with pytest.raises(IllegalTransition, match="is ready; it cannot become completed"):
        transition(db, ws, "q1", "completed")
    transition(db, ws, "q1", "sending")
    transition(db, ws, "q1", "paused", reason="holiday")
    status = campaign_status(db, ws, "q1")
    assert (status["status"], status["status_reason"]) == ("paused", "holiday")
    assert status["started_at"] is not None and status["members"] == {"total": 0, "stopped": 0}
    with pytest.raises(TerminalError, match="no campaign named 'q9'"):
        transition(db, ws, "q9", "ready")

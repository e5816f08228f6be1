"""Regenerating one draft: new text, a revision, a fresh verdict; never over someone's edit."""

from __future__ import annotations

import pytest

import gtm.drafting.regenerate as regenerate_module
from gtm.drafting.generate import generate_drafts
from gtm.drafting.regenerate import DraftConflictError, regenerate_draft
from gtm.errors import TerminalError


def _draft_id(campaign, variant: str = "direct") -> str:
    with campaign.connect() as conn:
        return conn.execute("select id::text from drafts where campaign_id = %s and variant = %s"
                            " limit 1", (campaign.id, variant)).fetchone()["id"]


def test_regenerate_in_another_language_records_a_revision_and_a_verdict(
        make_campaign, migrated) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    generate_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id,
                    variants=["direct"])
    draft_id = _draft_id(campaign)
    with campaign.connect() as conn:
        before = conn.execute("select subject from drafts where id = %s", (draft_id,)).fetchone()
        draft = regenerate_draft(conn, migrated, draft_id, expected_version=1, language="ru",
                                 angle="быстрый запуск", editor="anna")
    assert (draft["version"], draft["language"], draft["mode"]) == (2, "ru", "template")
    assert draft["subject"] != before["subject"] and "Мы превращаем" in draft["body"]
    assert draft["judge"]["source"] == "rules" and draft["judge"]["draft_version"] == 2
    [revision] = draft["revisions"]
    assert (revision["version"], revision["reason_tag"], revision["editor"]) == (
        2, "regenerate", "anna")
    assert revision["note"] == "angle=быстрый запуск; language=ru"
    assert [j["draft_version"] for j in draft["judgements"]] == [2]


def test_a_stale_version_is_a_clear_conflict_and_changes_nothing(make_campaign,
                                                                 migrated) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    generate_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id,
                    variants=["direct"])
    draft_id = _draft_id(campaign)
    with campaign.connect() as conn:
        regenerate_draft(conn, migrated, draft_id, expected_version=1, angle="speed")
    with campaign.connect() as conn, pytest.raises(DraftConflictError) as raised:
        regenerate_draft(conn, migrated, draft_id, expected_version=1, angle="cost")
    assert "you have version 1, it is now version 2" in str(raised.value)
    assert (raised.value.expected_version, raised.value.current_version) == (1, 2)


def test_an_edit_during_the_model_call_wins(make_campaign, migrated, monkeypatch) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    generate_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id,
                    variants=["direct"])
    draft_id = _draft_id(campaign)
    original = regenerate_module._write_and_judge

    def edited_meanwhile(*args, **kwargs):
        with campaign.connect() as other:  # a reviewer saves while the model is writing
            other.execute("update drafts set body = 'edited by hand', version = version + 1"
                          " where id = %s", (draft_id,))
        return original(*args, **kwargs)

    monkeypatch.setattr(regenerate_module, "_write_and_judge", edited_meanwhile)
    with campaign.connect() as conn, pytest.raises(DraftConflictError, match="now version 2"):
        regenerate_draft(conn, migrated, draft_id, expected_version=1, angle="speed")
    with campaign.connect() as conn:
        body = conn.execute("select body from drafts where id = %s", (draft_id,)).fetchone()
    assert body["body"] == "edited by hand"


def test_a_variant_the_contact_already_has_is_refused(make_campaign, migrated) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    generate_drafts(campaign.connect, migrated, campaign.workspace_id, campaign.id,
                    variants=["direct", "casual"])
    with campaign.connect() as conn, pytest.raises(TerminalError, match="already has a 'casual'"):
        regenerate_draft(conn, migrated, _draft_id(campaign), expected_version=1,
                         variant="casual")
    with campaign.connect() as conn, pytest.raises(TerminalError, match="has no variant 'loud'"):
        regenerate_draft(conn, migrated, _draft_id(campaign), expected_version=1, variant="loud")


def test_llm_regeneration_asks_the_model_again(make_campaign, model_server,
                                               llm_settings) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    settings = llm_settings()
    generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id,
                    variants=["direct"])
    before = model_server.request_count
    with campaign.connect() as conn:
        draft = regenerate_draft(conn, settings, _draft_id(campaign), expected_version=1)
    # Same angle, variant and language: a new seed, so plan+write and judge are new calls.
    assert model_server.request_count == before + 2
    assert [r.body.get("seed") for r in model_server.requests[before:]] == [2, None]
    assert draft["mode"] == "llm" and draft["judge"]["source"] == "llm"
    assert draft["revisions"][0]["note"] == "same settings"


def test_an_answer_without_the_variant_changes_nothing(make_campaign, model_server,
                                                       llm_settings) -> None:
    campaign = make_campaign(contacts=1, russian=0)
    settings = llm_settings()
    generate_drafts(campaign.connect, settings, campaign.workspace_id, campaign.id,
                    variants=["direct"])
    model_server.answer.drop_variants = {"direct"}
    draft_id = _draft_id(campaign)
    with campaign.connect() as conn:
        with pytest.raises(TerminalError, match="0 emails for variant 'direct'"):
            regenerate_draft(conn, settings, draft_id, expected_version=1)
        row = conn.execute("select version, status from drafts where id = %s",
                           (draft_id,)).fetchone()
    assert (row["version"], row["status"]) == (1, "generated")

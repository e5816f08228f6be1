"""ICP versions in icp_profiles and scores written to contact_scores, against the real database."""

import psycopg
import pytest

from gtm.db.workspaces import ensure_workspace
from gtm.icp import active_icp, parse_icp, score_counts, set_icp, top_contacts
from gtm.icp.scoring import score_contacts

ICP = {"name": "t", "company": {"industries": ["fintech"], "size_bands": [{"min": 50, "max": 500}]},
       "person": {"seniority": ["c_suite"]}, "exclude": {"client_status": ["client"]},
       "weights": {"industry": 0.5, "size": 0.25, "seniority": 0.25, "insight": 0.5}}


@pytest.fixture
def ws(db: psycopg.Connection, request) -> str:
    return ensure_workspace(db, f"t-{request.node.name[:40].lower().replace('_', '-')}")


def _company(db, ws, name, industry=None, size=None, insight=None) -> str:
    company_id = db.execute(
        "insert into companies (workspace_id, name, industry, size_employees)"
        " values (%s, %s, %s, %s) returning id", (ws, name, industry, size)).fetchone()["id"]
    if insight is not None:
        db.execute("insert into company_insights (workspace_id, company_id, icp_fit_score, mode)"
                   " values (%s, %s, %s, 'rules')", (ws, company_id, insight))
    return company_id


def _employee(db, ws, email, company_id=None, position=None, client_status=None) -> str:
    return str(db.execute(
        "insert into employees (workspace_id, company_id, email, position, client_status)"
        " values (%s, %s, %s, %s, %s) returning id",
        (ws, company_id, email, position, client_status)).fetchone()["id"])


def _scores(db, ws, version) -> dict[str, tuple[float, list]]:
    rows = db.execute("select e.email, s.score::float8 as score, s.reasons from contact_scores s"
                      " join employees e on e.id = s.employee_id"
                      " where s.workspace_id = %s and s.icp_version = %s", (ws, version)).fetchall()
    return {r["email"]: (r["score"], r["reasons"]) for r in rows}


def test_setting_the_same_icp_twice_adds_no_version(db, ws) -> None:
    assert active_icp(db, ws) is None
    first, created = set_icp(db, ws, parse_icp(ICP))
    assert created and first.version == 1
    # Same content, other key order: the canonical hash is the same.
    again, created = set_icp(db, ws, parse_icp(dict(reversed(list(ICP.items())))))
    assert not created and again.version == 1 and again.content_hash == first.content_hash
    changed, created = set_icp(db, ws, parse_icp({**ICP, "min_score": 0.7}))
    assert created and changed.version == 2
    assert active_icp(db, ws).version == 2 and active_icp(db, ws).definition.min_score == 0.7
    rows = db.execute("select version, active, content_hash from icp_profiles"
                      " where workspace_id = %s order by version", (ws,)).fetchall()
    assert [(r["version"], r["active"]) for r in rows] == [(1, False), (2, True)]
    assert rows[1]["content_hash"] == changed.content_hash == active_icp(db, ws).content_hash
    # Back to the first content: a new version again, versions only grow.
    assert set_icp(db, ws, parse_icp(ICP))[0].version == 3


def test_scoring_writes_one_row_per_contact_with_reasons(db, ws) -> None:
    fintech = _company(db, ws, "Bank", "Fintech", 100, insight=1.0)
    media = _company(db, ws, "Paper", "Media", 1000)
    _employee(db, ws, "ceo@bank.io", fintech, "CEO")
    _employee(db, ws, "ed@paper.com", media, "Editor")
    _employee(db, ws, "client@bank.io", fintech, "CEO", client_status="client")
    _employee(db, ws, "nobody@x.io")
    other_ws = ensure_workspace(db, "t-scoring-other")
    _employee(db, other_ws, "elsewhere@x.io")
    icp, _ = set_icp(db, ws, parse_icp(ICP))

    report = score_contacts(db, ws)
    assert (report.icp_version, report.contacts, report.written) == (1, 4, 4)
    assert (report.matches, report.excluded) == (1, 1)
    scores = _scores(db, ws, 1)
    assert scores["ceo@bank.io"][0] == 1.0
    assert {r["reason"] for r in scores["ceo@bank.io"][1]} == {
        "industry=Fintech", "size 100 in band 50-500", "seniority=c_suite (from title)",
        "company insight fit 1.0"}
    assert scores["ed@paper.com"][0] == 0.0
    assert scores["client@bank.io"] == (0.0, [{"weight": -1.0, "criterion": "exclude",
                                                "reason": "excluded: client_status=client"}])
    assert scores["nobody@x.io"] == (0.0, [])
    assert "elsewhere@x.io" not in scores

    counts = score_counts(db, ws, icp)
    assert (counts.employees, counts.scored, counts.matches, counts.excluded) == (4, 4, 1, 1)
    top = top_contacts(db, ws, 1, limit=2)
    assert [t["email"] for t in top] == ["ceo@bank.io", "client@bank.io"]  # ties by email
    assert top[0]["company"] == "Bank" and top[0]["reasons"][0]["weight"] > 0


def test_rescoring_is_idempotent_and_a_new_version_gets_its_own_rows(db, ws) -> None:
    company = _company(db, ws, "Bank", "Fintech", 100)
    _employee(db, ws, "cto@bank.io", company, "CTO")
    set_icp(db, ws, parse_icp(ICP))
    assert score_contacts(db, ws).written == 1
    assert score_contacts(db, ws).written == 0  # nothing changed: no row rewritten
    db.execute("update employees set position = 'Intern' where email = 'cto@bank.io'")
    _employee(db, ws, "new@bank.io", company, "CFO")
    assert score_contacts(db, ws).written == 2  # one changed score, one new contact
    assert _scores(db, ws, 1)["cto@bank.io"][0] == 0.5
    set_icp(db, ws, parse_icp({**ICP, "company": {"industries": ["media"]}}))
    report = score_contacts(db, ws)
    assert report.icp_version == 2
    assert report.written == 2
    assert _scores(db, ws, 1)["cto@bank.io"][0] == 0.5  # the old version's scores stay
    assert _scores(db, ws, 2)["new@bank.io"][0] == 0.0


def test_no_active_icp_scores_nothing(db, ws) -> None:
    _employee(db, ws, "a@b.io")
    report = score_contacts(db, ws)
    assert report.icp_version is None and report.contacts == 0
    assert "gtm icp:set" in report.summary_line()

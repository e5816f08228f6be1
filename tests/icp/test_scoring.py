"""Scoring of hand-made contacts: every criterion fitting, missing and unknown; exclusions."""

import polars as pl
import pytest

from gtm.icp.profile import parse_icp
from gtm.icp.scoring import CONTACT_SCHEMA, score_frame, summarize

# Six criteria with weights summing to 1.0, so each reason's weight is the weight itself.
ICP = parse_icp({
    "name": "t", "min_score": 0.5,
    "company": {"industries": ["fintech", "software"], "countries": ["NO", "DE"],
                "size_bands": [{"min": 50, "max": 500}]},
    "person": {"seniority": ["c_suite", "vp"], "departments": ["engineering"],
               "title_keywords": ["cto", "head of it"], "title_exclude": ["intern"]},
    "exclude": {"client_status": ["client"], "domains": ["rival.com"],
                "industries": ["gambling"], "countries": ["KP"]},
    "weights": {"industry": 0.3, "country": 0.1, "size": 0.2, "seniority": 0.1,
                "department": 0.1, "title": 0.2, "insight": 0.5},
})


def _score(icp=ICP, **fields) -> dict:
    row = {name: None for name in CONTACT_SCHEMA} | {"employee_id": "e"} | fields
    scored = score_frame(pl.DataFrame([row], schema=CONTACT_SCHEMA), icp)
    return scored.row(0, named=True)


def _reasons(result: dict) -> dict[str, float]:
    return {r["reason"]: r["weight"] for r in result["reasons"]}


def test_a_perfect_contact_scores_one_with_a_reason_per_criterion() -> None:
    result = _score(position="CTO", seniority="C-Suite", department="Engineering",
                    country="NO", industry="Financial Software", size=120)
    assert result["score"] == 1.0 and not result["excluded"]
    assert _reasons(result) == {
        "industry=Financial Software": 0.3, "size 120 in band 50-500": 0.2,
        "title has 'cto'": 0.2, "country=NO": 0.1, "seniority=c_suite": 0.1,
        "department=engineering": 0.1,
    }
    weights = [r["weight"] for r in result["reasons"]]
    assert weights == sorted(weights, reverse=True)
    assert {r["criterion"] for r in result["reasons"]} == {
        "industry", "size", "title", "country", "seniority", "department"}


def test_known_misfits_subtract_and_reasons_add_up_to_the_score() -> None:
    result = _score(position="VP Sales", country="US", industry="Fintech", size=2000)
    assert _reasons(result) == {
        "industry=Fintech": 0.3, "seniority=vp (from title)": 0.1,
        "country=US not in ICP": -0.1, "department=sales not in ICP (from title)": -0.1,
        "size 2000 > band 50-500": -0.2,
    }
    assert result["score"] == pytest.approx(sum(_reasons(result).values()))


def test_unknown_values_count_neither_way() -> None:
    result = _score(industry="Software")
    assert _reasons(result) == {"industry=Software": 0.3}
    assert result["score"] == pytest.approx(0.3)
    assert _score()["reasons"] == [] and _score()["score"] == 0.0


def test_the_score_is_clamped_at_zero() -> None:
    result = _score(position="Marketing Intern", country="US", industry="Media", size=3)
    assert result["score"] == 0.0
    assert _reasons(result)["title has excluded 'intern'"] == -0.2
    assert _reasons(result)["size 3 < band 50-500"] == -0.2
    assert _reasons(result)["industry=Media not in ICP"] == -0.3


def test_industry_and_title_keywords_match_whole_words_only() -> None:
    assert "industry=Softwareless not in ICP" in _reasons(_score(industry="Softwareless"))
    assert _reasons(_score(position="Head of IT Security"))["title has 'head of it'"] == 0.2
    assert not any("title has" in r for r in _reasons(_score(position="Hospitality lead")))


def test_the_stored_seniority_and_department_win_over_the_title() -> None:
    result = _score(position="CTO", seniority="Manager", department="Finance")
    assert _reasons(result)["seniority=manager not in ICP"] == -0.1
    assert _reasons(result)["department=finance not in ICP"] == -0.1


@pytest.mark.parametrize(("title", "seniority", "department"), [
    ("Генеральный директор", "c_suite", "executive"),
    ("Daglig leder", "c_suite", "executive"),
    ("Vice President of Engineering", "vp", "engineering"),
    ("Head of Growth", "head", "marketing"),
    ("Directrice marketing", "director", "marketing"),
    ("Business Development Manager", "manager", "sales"),
    ("Co-Founder", "founder", "executive"),
])
def test_titles_in_several_languages_classify(title: str, seniority: str, department: str) -> None:
    reasons = " ".join(_reasons(_score(position=title)))
    assert f"seniority={seniority}" in reasons and f"department={department}" in reasons


def test_size_bands_say_where_the_size_falls() -> None:
    icp = parse_icp({"name": "t", "company": {"size_bands": [
        {"min": 10, "max": 50}, {"min": 200, "max": 500}]}})
    assert _reasons(_score(icp, size=100)) == {"size 100 outside bands 10-50, 200-500": -1.0}
    assert _reasons(_score(icp, size=600)) == {"size 600 > band 200-500": -1.0}
    assert _reasons(_score(icp, size=30)) == {"size 30 in band 10-50": 1.0}
    open_ended = parse_icp({"name": "t", "company": {"size_bands": [{"min": 1000}]}})
    assert _reasons(_score(open_ended, size=90000)) == {"size 90000 in band 1000+": 1.0}
    assert _reasons(_score(open_ended, size=9)) == {"size 9 < band 1000+": -1.0}


def test_company_insight_counts_only_where_present() -> None:
    # W grows by the insight weight (0.5) for this contact only: 0.3 / 1.5 and 0.5 * 0.6 / 1.5.
    result = _score(industry="Fintech", insight_fit=0.8)
    assert _reasons(result) == {"industry=Fintech": 0.2, "company insight fit 0.8": 0.2}
    assert result["score"] == pytest.approx(0.4)
    assert _reasons(_score(insight_fit=0.1))["company insight fit 0.1"] == pytest.approx(-0.267)


@pytest.mark.parametrize(("fields", "reason"), [
    ({"client_status": "Client"}, "excluded: client_status=Client"),
    ({"company_domain": "rival.com"}, "excluded: domain rival.com"),
    ({"email_domain": "rival.com"}, "excluded: domain rival.com"),
    ({"industry": "Online Gambling"}, "excluded: industry=Online Gambling"),
    ({"country": "KP"}, "excluded: country=KP"),
])
def test_exclusions_score_zero_with_their_reason(fields: dict, reason: str) -> None:
    result = _score(**{"position": "CTO", "industry": "Fintech", "size": 100, "country": "NO",
                       **fields})
    assert result["score"] == 0.0 and result["excluded"]
    assert result["reasons"] == [{"weight": -1.0, "reason": reason, "criterion": "exclude"}]


def test_summary_counts_distribution_and_top_reasons() -> None:
    rows = [
        {"employee_id": "a", "industry": "Fintech", "country": "NO", "size": 100,
         "position": "CTO"},
        {"employee_id": "b", "industry": "Fintech"},
        {"employee_id": "c", "client_status": "client"},
    ]
    frame = pl.DataFrame([dict.fromkeys(CONTACT_SCHEMA) | r for r in rows], schema=CONTACT_SCHEMA)
    summary = summarize(score_frame(frame, ICP), ICP)
    assert summary["contacts"] == 3 and summary["matches"] == 1 and summary["excluded"] == 1
    # 0.3 falls in "0.3-0.4": a bucket includes its lower bound.
    assert summary["distribution"]["0.9-1.0"] == 1 and summary["distribution"]["0.3-0.4"] == 1
    assert summary["distribution"]["0.2-0.3"] == 0 and summary["distribution"]["0.0-0.1"] == 1
    assert summary["top_reasons"][0] == {"reason": "industry=Fintech", "contacts": 2}

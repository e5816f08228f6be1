"""`triage_L1`: a quick, explainable fit/priority per company from firmographics, and the
decision of who gets L2 research (the expensive stage)."""

from __future__ import annotations

from typing import Any

from gtm.enrich.waterfall import Answer, Stage

STAGE = "triage_L1"
TARGET_INDUSTRIES = {"software", "fintech", "financial_services", "logistics", "manufacturing",
                     "retail", "consulting"}
SWEET_SPOT_SIZES = {"11-50", "51-200", "201-500", "501-1000", "1001-5000"}
DECISION_MAKERS = {"owner", "founder", "c_suite", "vp", "head", "director"}


def triage(company: dict[str, Any]) -> dict[str, Any]:
    """Score 0-100 with the reason for every point; priority A/B/C; `gets_l2`."""
    facts = {k: v["value"] for k, v in (company.get("facts") or {}).items()}
    reasons: list[dict[str, Any]] = []

    def add(points: int, reason: str) -> None:
        reasons.append({"points": points, "reason": reason})

    if facts.get("industry_normalized") in TARGET_INDUSTRIES:
        add(25, f"target industry: {facts['industry_normalized']}")
    if facts.get("size_band") in SWEET_SPOT_SIZES:
        add(25, f"size band {facts['size_band']} in sweet spot")
    elif facts.get("size_band"):
        add(5, f"size band {facts['size_band']} outside sweet spot")
    if facts.get("domain"):
        add(15, "has a website domain (researchable)")
    seniorities = set(company.get("contact_seniorities") or [])
    if seniorities & DECISION_MAKERS:
        add(20, "has a decision-maker contact")
    elif seniorities:
        add(5, "has contacts, none senior")
    if facts.get("country"):
        add(10, f"country known: {facts['country']}")
    score = min(100, sum(r["points"] for r in reasons))
    priority = "A" if score >= 60 else "B" if score >= 40 else "C"
    gets_l2 = priority in ("A", "B") and bool(facts.get("domain"))
    if not gets_l2:
        why = "no domain to research" if not facts.get("domain") else f"priority {priority}"
        reasons.append({"points": 0, "reason": f"no L2 research: {why}"})
    return {"fit_score": score, "priority": priority, "gets_l2": gets_l2, "reasons": reasons}


class TriageRules:
    name = "rules"

    def lookup(self, entity: dict[str, Any]) -> Answer:
        return Answer(triage(entity), self.name)


def triage_inputs(company: dict[str, Any]) -> dict[str, Any]:
    return {"facts": {k: v["value"] for k, v in (company.get("facts") or {}).items()},
            "seniorities": sorted(set(company.get("contact_seniorities") or []))}


TRIAGE_STAGE = Stage(STAGE, "company", triage_inputs, [TriageRules()], ttl=None)

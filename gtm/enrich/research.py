"""`research_L2`: web research for the companies triage selected, through a
`ResearchProvider`. With no provider configured every company is recorded as skipped with
the reason "research skipped: no key" - nothing is invented in its place."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gtm.enrich.waterfall import Answer, Stage
from gtm.providers.research import ResearchProvider

STAGE = "research_L2"
NO_KEY = "research skipped: no key (set EXA_API_KEY)"
MAX_TEXT = 4000
# Searches in flight at once. No setting: the rate limit that matters (Exa's default, 10 searches
# a second) is enforced by the provider itself (`ExaResearch(min_interval=...)`); this only
# bounds the threads, and at 0.3 s a search four already reach that pace.
WORKERS = 4


class ResearchLookup:
    def __init__(self, provider: ResearchProvider) -> None:
        self.provider = provider
        self.name = provider.name

    def lookup(self, entity: dict[str, Any]) -> Answer | None:
        domain = entity.get("domain")
        query = f"{entity.get('name')} news funding hiring expansion"
        documents = self.provider.search(query, domain=domain)
        if not documents:
            return None
        return Answer({"documents": [
            d.to_json() | {"text": d.text[:MAX_TEXT]} for d in documents]}, self.name,
            url=documents[0].url)


def research_only_if(provider: ResearchProvider | None):
    def only_if(entity: dict[str, Any]) -> str | None:
        if provider is None:
            return NO_KEY
        triage = entity.get("triage") or {}
        if not triage.get("gets_l2"):
            return "triage: not selected for L2"
        if not entity.get("domain"):
            return "no domain"
        return None
    return only_if


def research_stage(provider: ResearchProvider | None) -> Stage:
    return Stage(STAGE, "company",
                 lambda e: {"name": e.get("name"), "domain": e.get("domain"),
                            "provider": provider.name if provider else None,
                            "selected": bool((e.get("triage") or {}).get("gets_l2"))},
                 [ResearchLookup(provider)] if provider else [],
                 only_if=research_only_if(provider), ttl=timedelta(days=14), workers=WORKERS)

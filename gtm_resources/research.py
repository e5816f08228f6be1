"""Web research and public registries as Dagster resources.

`ResearchResource`: Exa when EXA_API_KEY is set (the key stays an `EnvVar`), recorded documents
when `recorded_dir` is set (demos), otherwise no provider - research_L2 then records every
company as "research skipped: no key". `RegistriesResource`: BRREG, ARES, PRH and
recherche-entreprises over HTTP, off unless GTM_REGISTRIES_ENABLED=1 (the default install
makes no network calls).
"""

import os
from pathlib import Path

import dagster as dg

from gtm.providers.registries import (
    AresClient,
    BrregClient,
    PrhClient,
    RechercheEntreprisesClient,
)
from gtm.providers.research import ExaResearch, RecordedResearch, ResearchProvider


class ResearchResource(dg.ConfigurableResource):
    api_key: str | None = None
    exa_base_url: str | None = None  # another Exa endpoint (a recorded server), else api.exa.ai
    recorded_dir: str | None = None

    def provider(self) -> ResearchProvider | None:
        if self.api_key:
            return ExaResearch(self.api_key, base_url=self.exa_base_url)
        if self.recorded_dir:
            return RecordedResearch(Path(self.recorded_dir))
        return None


class RegistriesResource(dg.ConfigurableResource):
    enabled: bool = False
    min_interval_seconds: float = 0.5

    def clients(self) -> list:
        if not self.enabled:
            return []
        return [BrregClient(min_interval=self.min_interval_seconds),
                AresClient(min_interval=self.min_interval_seconds),
                PrhClient(min_interval=self.min_interval_seconds),
                RechercheEntreprisesClient(min_interval=self.min_interval_seconds)]


def research_resource_from_env() -> ResearchResource:
    if os.environ.get("EXA_API_KEY"):
        return ResearchResource(api_key=dg.EnvVar("EXA_API_KEY"))
    return ResearchResource(recorded_dir=os.environ.get("GTM_RESEARCH_RECORDED_DIR") or None)


def registries_resource_from_env() -> RegistriesResource:
    return RegistriesResource(enabled=os.environ.get("GTM_REGISTRIES_ENABLED", "") in
                              ("1", "true", "yes", "on"))

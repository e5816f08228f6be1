"""`registry_checks`: the company as its national register knows it (BRREG for Norway, ARES
for Czechia, PRH for Finland, recherche-entreprises for France). Runs only for companies with
a country a registry covers and a number to look up; the first registry that answers wins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gtm.enrich.waterfall import Answer, Stage
from gtm.providers.registries import (
    AresClient,
    BrregClient,
    PrhClient,
    RechercheEntreprisesClient,
)

STAGE = "registry_checks"
# Lookups in flight at once. Politeness stays each client's own `MinInterval` (one request per
# 0.5 s per registry, shared by every thread): the pool lets different registries, and a slow
# answer, overlap without any registry being asked more often.
WORKERS = 4


class RegistryProvider:
    """Adapts a registry client (`lookup(number)`) to the waterfall: a company in another
    country is "no answer", not an error."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.name = client.name

    def lookup(self, entity: dict[str, Any]) -> Answer | None:
        if entity.get("country") != self.client.country:
            return None
        number = entity.get("registration_number") or entity.get("tin")
        record = self.client.lookup(number or "")
        if record is None:
            return None
        return Answer({"record": record.to_json()}, self.name, url=record.source_url)


def registry_only_if(countries: set[str]):
    def only_if(entity: dict[str, Any]) -> str | None:
        if entity.get("country") not in countries:
            return f"no registry for country {entity.get('country') or 'unknown'}"
        if not (entity.get("registration_number") or entity.get("tin")):
            return "no registration number"
        return None
    return only_if


OFF = "registry checks off (set GTM_REGISTRIES_ENABLED=1 to query public registries)"


def registry_stage(clients: list[Any] | None = None) -> Stage:
    """`clients=None`: the live registries; `[]`: checks off, every company skipped saying so."""
    clients = clients if clients is not None else [BrregClient(), AresClient(), PrhClient(),
                                                 RechercheEntreprisesClient()]
    providers = [RegistryProvider(c) for c in clients]
    only_if = registry_only_if({c.country for c in clients}) if clients else (lambda e: OFF)
    return Stage(STAGE, "company",
                 lambda e: {k: e.get(k) for k in ("country", "registration_number", "tin")}
                 | {"registries": sorted(c.name for c in clients)},
                 providers, only_if=only_if, ttl=timedelta(days=30), workers=WORKERS)

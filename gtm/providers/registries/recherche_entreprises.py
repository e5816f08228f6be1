"""France's API Recherche d'entreprises (api.gouv.fr), one company by SIREN.

GET https://recherche-entreprises.api.gouv.fr/search?q={siren} -> {"results": [...],
"total_results", "page", "per_page", "total_pages"}. No key; the service allows about 7
requests per second.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from gtm.providers.registries.base import MinInterval, RegistryRecord, get_json

BASE_URL = "https://recherche-entreprises.api.gouv.fr/search"


def parse_recherche_entreprises(result: dict[str, Any], url: str) -> RegistryRecord:
    seat = result.get("siege") or {}
    return RegistryRecord(
        registry="recherche_entreprises", country="FR", registration_number=result["siren"],
        name=result.get("nom_complet") or result.get("nom_raison_sociale") or "",
        source_url=url, legal_form=result.get("nature_juridique"),
        industry_code=result.get("activite_principale"), founded=result.get("date_creation"),
        city=seat.get("libelle_commune"), address=seat.get("adresse"),
        active=result.get("etat_administratif", "A") == "A",
        flags={"headcount_band_code": bool(result.get("tranche_effectif_salarie"))},
    )


class RechercheEntreprisesClient:
    name = "recherche_entreprises"
    country = "FR"

    def __init__(self, client: httpx.Client | None = None, min_interval: float = 0.15) -> None:
        self.client = client or httpx.Client(timeout=10.0)
        self.limiter = MinInterval(min_interval)

    def lookup(self, number: str) -> RegistryRecord | None:
        digits = re.sub(r"\D", "", number or "")
        siren = digits[:9] if len(digits) in (9, 14) else ""  # a SIRET starts with the SIREN
        if not siren:
            return None
        url = f"{BASE_URL}?q={siren}&page=1&per_page=1"
        payload = get_json(self.client, url, self.limiter)
        for result in (payload or {}).get("results") or []:
            if result.get("siren") == siren:
                return parse_recherche_entreprises(result, url)
        return None

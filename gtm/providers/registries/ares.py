"""Czech ARES (Administrativní registr ekonomických subjektů) REST API, one subject by IČO.

GET https://ares.gov.cz/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/{ico} -> JSON
(404 when unknown). No key. Field names are the API's (Czech).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from gtm.providers.registries.base import MinInterval, RegistryRecord, get_json

BASE_URL = "https://ares.gov.cz/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty"


def parse_ares(payload: dict[str, Any], url: str) -> RegistryRecord:
    seat = payload.get("sidlo") or {}
    nace = payload.get("czNace") or []
    return RegistryRecord(
        registry="ares", country="CZ", registration_number=str(payload["ico"]),
        name=payload.get("obchodniJmeno", ""), source_url=url,
        legal_form=payload.get("pravniForma"), industry_code=nace[0] if nace else None,
        founded=payload.get("datumVzniku"), city=seat.get("nazevObce"),
        address=seat.get("textovaAdresa"), active=not payload.get("datumZaniku"),
        flags={"vat_registered": bool(payload.get("dic"))},
    )


class AresClient:
    name = "ares"
    country = "CZ"

    def __init__(self, client: httpx.Client | None = None, min_interval: float = 0.2) -> None:
        self.client = client or httpx.Client(timeout=10.0)
        self.limiter = MinInterval(min_interval)

    def lookup(self, number: str) -> RegistryRecord | None:
        ico = re.sub(r"\D", "", number or "")
        if not 1 <= len(ico) <= 8:
            return None
        url = f"{BASE_URL}/{ico.zfill(8)}"
        payload = get_json(self.client, url, self.limiter)
        return parse_ares(payload, url) if payload else None

"""Norway's Enhetsregisteret (BRREG) open API: one entity by organisation number.

GET https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr} -> JSON (404 when unknown,
410 when deleted). No key. Field names are the API's (Norwegian).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from gtm.providers.registries.base import MinInterval, RegistryRecord, get_json

BASE_URL = "https://data.brreg.no/enhetsregisteret/api/enheter"


def parse_brreg(payload: dict[str, Any], url: str) -> RegistryRecord:
    form = payload.get("organisasjonsform") or {}
    nace = payload.get("naeringskode1") or {}
    address = payload.get("forretningsadresse") or payload.get("postadresse") or {}
    flags = {
        "bankrupt": bool(payload.get("konkurs")),
        "under_liquidation": bool(payload.get("underAvvikling")),
        "forced_liquidation": bool(payload.get("underTvangsavviklingEllerTvangsopplosning")),
        "vat_registered": bool(payload.get("registrertIMvaregisteret")),
    }
    website = payload.get("hjemmeside")
    # Address lines come padded with nulls and empty strings (["Tyvholmen 1", null, null, ""]).
    lines = [line for line in address.get("adresse") or [] if line]
    return RegistryRecord(
        registry="brreg", country="NO", registration_number=str(payload["organisasjonsnummer"]),
        name=payload.get("navn", ""), source_url=url, legal_form=form.get("kode"),
        industry_code=nace.get("kode"), industry=nace.get("beskrivelse"),
        employees=payload.get("antallAnsatte"), founded=payload.get("stiftelsesdato"),
        city=address.get("poststed"), address=", ".join(lines) or None,
        website=website, active=not (payload.get("slettedato") or any(
            flags[k] for k in ("bankrupt", "under_liquidation", "forced_liquidation"))),
        flags=flags,
    )


class BrregClient:
    name = "brreg"
    country = "NO"

    def __init__(self, client: httpx.Client | None = None, min_interval: float = 0.2) -> None:
        self.client = client or httpx.Client(timeout=10.0)
        self.limiter = MinInterval(min_interval)

    def lookup(self, number: str) -> RegistryRecord | None:
        orgnr = re.sub(r"\D", "", number or "")
        if len(orgnr) != 9:
            return None
        url = f"{BASE_URL}/{orgnr}"
        payload = get_json(self.client, url, self.limiter)
        return parse_brreg(payload, url) if payload else None

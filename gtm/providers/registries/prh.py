"""Finland's PRH open data (YTJ) API v3, one company by business ID (Y-tunnus).

GET https://avoindata.prh.fi/opendata-ytj-api/v3/companies?businessId=NNNNNNN-N ->
{"totalResults": n, "companies": [...]}. No key. Descriptions carry `languageCode`
("1" Finnish, "2" Swedish, "3" English); the English one is preferred.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from gtm.providers.registries.base import MinInterval, RegistryRecord, get_json

BASE_URL = "https://avoindata.prh.fi/opendata-ytj-api/v3/companies"


def _description(item: dict[str, Any] | None) -> str | None:
    descriptions = (item or {}).get("descriptions") or []
    by_language = {d.get("languageCode"): d.get("description") for d in descriptions}
    return by_language.get("3") or by_language.get("1") or next(iter(by_language.values()), None)


def parse_prh(company: dict[str, Any], url: str) -> RegistryRecord:
    business_id = company.get("businessId") or {}
    names = [n for n in company.get("names") or [] if not n.get("endDate")]
    forms = company.get("companyForms") or []
    line = company.get("mainBusinessLine") or {}
    address = (company.get("addresses") or [{}])[0]
    offices = address.get("postOffices") or [{}]
    return RegistryRecord(
        registry="prh", country="FI", registration_number=business_id.get("value", ""),
        name=(names[0] if names else {}).get("name", ""), source_url=url,
        legal_form=_description(forms[0]) if forms else None,
        industry_code=line.get("type"), industry=_description(line),
        founded=business_id.get("registrationDate"), city=offices[0].get("city"),
        address=" ".join(p for p in (address.get("street"), address.get("postCode")) if p)
        or None, website=(company.get("website") or {}).get("url"),
        active=not company.get("endDate"),
    )


class PrhClient:
    name = "prh"
    country = "FI"

    def __init__(self, client: httpx.Client | None = None, min_interval: float = 0.3) -> None:
        self.client = client or httpx.Client(timeout=10.0)
        self.limiter = MinInterval(min_interval)

    def lookup(self, number: str) -> RegistryRecord | None:
        match = re.fullmatch(r"(?:FI)?(\d{7})-?(\d)", (number or "").replace(" ", ""))
        if not match:
            return None
        business_id = f"{match.group(1)}-{match.group(2)}"
        url = f"{BASE_URL}?businessId={business_id}"
        payload = get_json(self.client, url, self.limiter)
        for company in (payload or {}).get("companies") or []:
            if (company.get("businessId") or {}).get("value") == business_id:
                return parse_prh(company, url)
        return None

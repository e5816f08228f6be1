"""Time zone and language from country (and city), from data shipped with Python packages:
the IANA `zone.tab` of the `tzdata` wheel (no download) and a country -> language table."""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

# Where a country spans several zones and the city does not say which, the zone most of its
# businesses use (zone.tab lists zones alphabetically-ish, not by population).
_PRIMARY_ZONE = {
    "RU": "Europe/Moscow", "US": "America/New_York", "CA": "America/Toronto",
    "AU": "Australia/Sydney", "BR": "America/Sao_Paulo", "MX": "America/Mexico_City",
    "KZ": "Asia/Almaty", "ES": "Europe/Madrid", "PT": "Europe/Lisbon", "DE": "Europe/Berlin",
    "UA": "Europe/Kyiv", "ID": "Asia/Jakarta", "CN": "Asia/Shanghai",
    "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago", "NZ": "Pacific/Auckland", "GB": "Europe/London",
}

# Primary business language by ISO country (ISO 639-1).
COUNTRY_LANGUAGE = {
    "NO": "no", "SE": "sv", "DK": "da", "FI": "fi", "IS": "is", "EE": "et", "LV": "lv",
    "LT": "lt", "PL": "pl", "CZ": "cs", "SK": "sk", "HU": "hu", "RO": "ro", "BG": "bg",
    "RS": "sr", "HR": "hr", "SI": "sl", "GR": "el", "TR": "tr", "RU": "ru", "BY": "ru",
    "KZ": "ru", "KG": "ru", "UA": "uk", "AM": "hy", "GE": "ka", "AZ": "az", "UZ": "uz",
    "DE": "de", "AT": "de", "CH": "de", "LI": "de", "FR": "fr", "BE": "fr", "LU": "fr",
    "MC": "fr", "NL": "nl", "IT": "it", "ES": "es", "PT": "pt", "BR": "pt", "MX": "es",
    "AR": "es", "CL": "es", "CO": "es", "PE": "es", "GB": "en", "IE": "en", "US": "en",
    "CA": "en", "AU": "en", "NZ": "en", "ZA": "en", "IN": "en", "SG": "en", "IL": "he",
    "AE": "ar", "SA": "ar", "EG": "ar", "CN": "zh", "TW": "zh", "HK": "zh", "JP": "ja",
    "KR": "ko", "VN": "vi", "TH": "th", "ID": "id", "MY": "ms", "PH": "en", "CY": "el",
    "MT": "en",
}

# Russian and local city spellings that do not appear in zone names.
_CITY_ALIASES = {
    "москва": "moscow", "санкт петербург": "moscow", "saint petersburg": "moscow",
    "st petersburg": "moscow", "новосибирск": "novosibirsk", "екатеринбург": "yekaterinburg",
    "ekaterinburg": "yekaterinburg", "владивосток": "vladivostok", "калининград": "kaliningrad",
    "самара": "samara", "омск": "omsk", "красноярск": "krasnoyarsk", "иркутск": "irkutsk",
    "якутск": "yakutsk", "хабаровск": "vladivostok", "киев": "kyiv", "kiev": "kyiv",
    "алматы": "almaty", "астана": "almaty", "san francisco": "los angeles",
    "seattle": "los angeles", "boston": "new york", "austin": "chicago", "dallas": "chicago",
    "houston": "chicago", "miami": "new york", "atlanta": "new york", "washington": "new york",
    "vancouver": "vancouver", "montreal": "toronto", "calgary": "edmonton", "perth": "perth",
    "melbourne": "melbourne", "brisbane": "brisbane", "adelaide": "adelaide",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("-", " ").replace(".", " ").split())


@cache
def _zones_by_country() -> dict[str, list[str]]:
    try:  # the tzdata wheel (pulled in by pandas/dagster) ...
        text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except ModuleNotFoundError:  # ... or the system's IANA database
        text = Path("/usr/share/zoneinfo/zone.tab").read_text("utf-8")
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        codes, _coords, zone = line.split("\t")[:3]
        for code in codes.split(","):
            zones.setdefault(code, []).append(zone)
    return zones


@lru_cache(maxsize=16384)
def timezone_for(country: str | None, city: str | None = None) -> str | None:
    """IANA zone for a country, refined by city when the country has several zones."""
    if not country:
        return None
    zones = _zones_by_country().get(country.upper())
    if not zones:
        return None
    if len(zones) == 1:
        return zones[0]
    if city:
        key = _fold(city)
        key = _CITY_ALIASES.get(key, key)
        for zone in zones:
            if _fold(zone.rsplit("/", 1)[-1].replace("_", " ")) == key:
                return zone
    return _PRIMARY_ZONE.get(country.upper(), zones[0])


def language_for(country: str | None) -> str | None:
    return COUNTRY_LANGUAGE.get(country.upper()) if country else None

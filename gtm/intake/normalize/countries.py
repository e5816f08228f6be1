"""Country values to ISO 3166-1 alpha-2 codes.

Sources, first claim wins: an explicit alias table (UK, USA, «США», «РФ», Holland ...), ISO
alpha-2 and alpha-3 codes, English names from pycountry (short, official and common), then the
country names pycountry ships translated into the languages our users' exports come in
(Russian first). Matching folds case, accents, ё/е and punctuation. A location such as
"Oslo, Norway" falls back to its comma-separated parts, last first.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache, lru_cache

import pycountry

_TRANSLATION_LANGUAGES = (
    "ru", "uk", "be", "de", "fr", "nb_NO", "nn", "fi", "sv", "da", "cs", "sk", "pl", "es", "it",
    "nl", "pt",
)  # fmt: skip

_ALIASES = {
    "GB": "uk, u.k., great britain, britain, england, scotland, wales, northern ireland, "
    "великобритания, британия, англия, соединенное королевство",
    "US": "usa, u.s.a., us, u.s., america, united states of america, сша, америка, "
    "соединенные штаты, соединенные штаты америки",
    "RU": "russia, russian federation, россия, рф, российская федерация",
    "CZ": "czech republic, czechia, чехия, чешская республика, cesko, ceska republika",
    "NL": "holland, the netherlands, голландия",
    "KR": "south korea, korea, republic of korea, корея, южная корея",
    "KP": "north korea, северная корея, кндр",
    "AE": "uae, emirates, оаэ, эмираты",
    "BY": "belarus, белоруссия, беларусь",
    "MD": "moldova, молдавия, молдова",
    "KG": "kyrgyzstan, kirghizia, киргизия, киргизстан, кыргызстан",
    "IR": "iran, иран",
    "SY": "syria, сирия",
    "VN": "vietnam, вьетнам",
    "LA": "laos, лаос",
    "TW": "taiwan, тайвань",
    "BO": "bolivia, боливия",
    "VE": "venezuela, венесуэла",
    "TZ": "tanzania, танзания",
    "MK": "macedonia, north macedonia, македония, северная македония",
    "TR": "turkey, turkiye, турция",
    "CI": "ivory coast, cote d'ivoire, кот д'ивуар",
    "VA": "vatican, ватикан",
    "PS": "palestine, палестина",
    "HK": "hong kong, гонконг",
    "MO": "macau, macao, макао",
    "CV": "cape verde, кабо верде",
    "SZ": "swaziland, eswatini, свазиленд",
    "MM": "burma, myanmar, мьянма, бирма",
    "CH": "schweiz, suisse, svizzera, швейцария",
    "AT": "osterreich, австрия",
    "ES": "espana, испания",
}


def fold_country(value: str) -> str:
    """Comparison key: casefold, no accents, ё->е, letters and digits separated by one space."""
    text = unicodedata.normalize("NFKD", value.casefold().replace("ё", "е"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace(".", "")  # "U.S.A." is "usa", not "u s a"
    return " ".join(re.findall(r"\w+", text))


@lru_cache(maxsize=4096)
def to_iso_country(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name, code or alias in English or Russian."""
    if not value or not value.strip():
        return None
    table = _country_table()
    code = table.get(fold_country(value))
    if code:
        return code
    parts = [p for p in re.split(r"[,;/|()]", value) if p.strip()]
    if len(parts) < 2:
        return None
    for part in reversed(parts):
        code = table.get(fold_country(part))
        if code:
            return code
    return None


@cache
def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(name: str | None, code: str) -> None:
        if name:
            table.setdefault(fold_country(name), code)

    for code, aliases in _ALIASES.items():
        for alias in aliases.split(","):
            add(alias, code)
    countries = list(pycountry.countries)
    for country in countries:
        add(country.alpha_2, country.alpha_2)
        add(country.alpha_3, country.alpha_2)
    names = {c.alpha_2: _english_names(c) for c in countries}
    for code, english in names.items():
        for name in english:
            add(name, code)
    for language in _TRANSLATION_LANGUAGES:
        translate = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
        ).gettext
        for code, english in names.items():
            for name in english:
                add(translate(name), code)
    # "Iran, Islamic Republic of" -> "Iran", after all full names so that "Congo" stays CG.
    for code, english in names.items():
        for name in english:
            if ", " in name:
                add(name.split(",")[0], code)
    return table


def _english_names(country: object) -> list[str]:
    names = [getattr(country, a, None) for a in ("name", "official_name", "common_name")]
    return [n for n in names if n]

"""Company names: legal forms, a matching key, and a tidy display name.

`normalize_company_name` is the dedupe key: legal forms stripped from both ends (repeatedly, so
"Oy Karl Fazer Ab" and "Acme Holding GmbH & Co. KG" lose all of theirs), quotes removed,
casefolded, accents removed, ё -> е, `&` -> "and", punctuation and whitespace collapsed.
A name that consists only of a legal form keeps it rather than becoming empty.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# (display form, regex, may be a prefix). Dots and spaces between the letters of an
# abbreviation are optional, so one entry covers "S.r.l.", "S.R.L", "srl" and "s r l".
_LEGAL_FORMS: list[tuple[str, str, bool]] = []


def _abbreviation(letters: str) -> str:
    return r"[.\s]*".join(re.escape(ch) for ch in letters) + r"\.?"


def _add(display: str, *patterns: str, prefix: bool = False) -> None:
    _LEGAL_FORMS.append((display, "|".join(patterns), prefix))


# Longest first where one form starts like another: the first alternative that fits wins.
_add("GmbH & Co. KG", r"gmbh\s*(?:&|und|and|\+)\s*co\.?\s*kg")
_add("AG & Co. KG", r"ag\s*(?:&|und|and|\+)\s*co\.?\s*kg")
_add("Sp. z o.o.", r"sp\.?\s*z\s*o\.?\s*o\.?", "spółka z ograniczoną odpowiedzialnością")
_add("spol. s r.o.", r"spol\.?\s*s\s*r\.?\s*o\.?")
_add("s.r.o.", _abbreviation("sro"))
_add("a.s.", r"a\.\s*s\.?")  # Czech/Slovak; the undotted "AS" is Norwegian/Estonian
_add("Pty Ltd", r"pty\.?\s*ltd\.?")
_add("Pvt Ltd", r"pvt\.?\s*ltd\.?", "private limited")
_add("LLC", _abbreviation("llc"), "limited liability company")
_add("PLC", _abbreviation("plc"), "public limited company")
_add("Inc", r"inc\.?", "incorporated")
_add("LLP", _abbreviation("llp"))
_add("Ltd", r"ltd\.?", "limited")
_add("Corp", r"corp\.?", "corporation")
_add("Co", r"(?:(?:&|and|\+)\s*)?co\.?", "company")
_add("LP", _abbreviation("lp"))
_add("GmbH", "gmbh")
_add("KGaA", "kgaa")
_add("AG", _abbreviation("ag"))
_add("KG", _abbreviation("kg"))
_add("OHG", "ohg")
_add("UG", r"ug(?:\s*\(haftungsbeschränkt\))?")
_add("e.V.", r"e\.\s*v\.?")  # undotted "EV" is too often a product ("Charge EV")
_add("SE", _abbreviation("se"))
_add("SASU", "sasu")
_add("SAS", _abbreviation("sas"))
_add("SARL", _abbreviation("sarl"))
_add("EURL", "eurl")
_add("SNC", "snc")
_add("SpA", r"s\.\s*p\.\s*a\.?", "(?-i:SpA|SPA)")  # not "Day Spa"
_add("S.r.l.", _abbreviation("srl"))
_add("S.L.", _abbreviation("slu"), _abbreviation("sl"))
_add("S.A.", _abbreviation("sa"))
_add("B.V.", _abbreviation("bv"))
_add("N.V.", _abbreviation("nv"))
_add("ASA", "asa")
_add("AS", "as", prefix=True)
_add("A/S", r"a\s*/\s*s")
_add("ApS", "aps")
_add("Oyj", "oyj", prefix=True)
_add("Oy", "oy", prefix=True)
_add("AB", "ab", prefix=True)
_add("Kft.", r"kft\.?")
_add("Zrt.", r"zrt\.?")
_add("d.o.o.", _abbreviation("doo"))
_add("UAB", "uab", prefix=True)
_add("SIA", "sia", prefix=True)
_add("OÜ", "oü")
# Russian-speaking countries put the form first; people also type it in Latin letters.
_add("ООО", "ооо", "ooo", "общество с ограниченной ответственностью", prefix=True)
_add("ОАО", "оао", "oao", "открытое акционерное общество", prefix=True)
_add("ЗАО", "зао", "zao", "закрытое акционерное общество", prefix=True)
_add("ПАО", "пао", "pao", "публичное акционерное общество", prefix=True)
_add("НАО", "нао", "непубличное акционерное общество", prefix=True)
_add("АО", "ао", "ao", "акционерное общество", prefix=True)
_add("ИП", "ип", "индивидуальный предприниматель", prefix=True)
_add("ТОО", "тоо", "товарищество с ограниченной ответственностью", prefix=True)
_add("ОДО", "одо", prefix=True)
_add("ФГУП", "фгуп", prefix=True)
_add("ГУП", "гуп", prefix=True)
_add("МУП", "муп", prefix=True)
_add("АНО", "ано", prefix=True)
_add("НКО", "нко", prefix=True)


def _alternation(prefix_only: bool) -> str:
    return "|".join(
        f"(?P<f{i}>{pattern})"
        for i, (_, pattern, prefix) in enumerate(_LEGAL_FORMS)
        if prefix or not prefix_only
    )


_SUFFIX = re.compile(rf"(?:^|[\s,]+)(?:{_alternation(False)})\s*$", re.IGNORECASE)
_PREFIX = re.compile(rf"^(?:{_alternation(True)})(?:[\s,]+|$)", re.IGNORECASE)
_SEPARATOR_RUN = re.compile(r"(?<![\s,])[\s,]")
_SEPARATOR_PAIR = re.compile(r"[\s,]{2}")
_QUOTES = "\"'«»“”„‟‘’‚‹›`"
_QUOTE_TABLE = dict.fromkeys(map(ord, _QUOTES), " ")
# Compiled once: `re.sub` with a pattern string looks it up in re's cache on every call.
_SPACE_AFTER_GUILLEMET = re.compile(r"«\s+")
_SPACE_BEFORE_GUILLEMET = re.compile(r"\s+»")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:])")
_WORD = re.compile(r"[^\W_]+")


def legal_form(name: str | None) -> str | None:
    """The legal form a company name carries, checking the start then the end ("ООО", "GmbH")."""
    if not name:
        return None
    text = _unquote(name)
    for suffix in (False, True):
        match = _search(suffix, text)
        if match and match.group(0).strip() != text:
            return _display(match)
    return None


@lru_cache(maxsize=65536)
def normalize_company_name(name: str | None) -> str:
    """Matching key of a company name: "ООО «Ромашка»" -> "ромашка", "Acme, Inc." -> "acme"."""
    if not name:
        return ""
    text = _strip_legal_forms(_unquote(name)).casefold()
    if not text.isascii():  # ASCII has nothing to decompose
        text = unicodedata.normalize("NFKD", text.replace("ё", "е"))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ").replace("+", " and ")
    words = _WORD.findall(text)
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def clean_company_display_name(name: str | None) -> str | None:
    """A tidy name for display that keeps the legal form: whitespace and quotes fixed.

    `  "Acme  Inc" ` -> `Acme Inc`; `ООО ""Ромашка""` -> `ООО "Ромашка"`;
    `ООО « Ромашка »` -> `ООО «Ромашка»`; `Acme , Inc` -> `Acme, Inc`.
    """
    if name is None:
        return None
    text = " ".join(unicodedata.normalize("NFKC", name).split())
    text = text.replace('""', '"')
    while len(text) >= 2 and text[0] in _QUOTES and _closes(text[0], text[-1]):
        text = text[1:-1].strip()
    if text.count('"') % 2:
        text = text.replace('"', "")
    text = _SPACE_AFTER_GUILLEMET.sub("«", _SPACE_BEFORE_GUILLEMET.sub("»", text))
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    return " ".join(text.split()) or None


def _strip_legal_forms(text: str) -> str:
    """Remove legal forms from both ends until none is left, never emptying the name."""
    while True:
        stripped = _cut(False, text).strip(" ,")
        stripped = _cut(True, stripped).strip(" ,")
        if not stripped or stripped == text:
            return text
        text = stripped


# `legal_form` and `normalize_company_name` of one name search the same texts: the legal-form
# regexes are the costly part of both, so each search is done once. The cache is keyed by a
# flag, not by the pattern: hashing a compiled pattern hashes its whole program, and these are
# large alternations (3 µs a hash, as long as half a search).
@lru_cache(maxsize=16384)
def _search(suffix: bool, text: str) -> re.Match[str] | None:
    """`_SUFFIX.search(text)` if `suffix`, else `_PREFIX.search(text)`."""
    if not suffix:
        return _PREFIX.search(text)
    if not _SEPARATOR_PAIR.search(text):
        return _SUFFIX.search(text)
    # A suffix match can only start at the text's start or where a run of separators starts
    # (from inside a run it could have started at the run's start), so `search`, which tries
    # every position in turn, gives the same match as trying just those. Within a long run
    # `search` would retry the whole alternation at each position (quadratic), hence this loop;
    # without a run of two it is the same positions, and `search` tries them in C, twice as fast.
    for start in (0, *(m.start() for m in _SEPARATOR_RUN.finditer(text, 1))):
        if match := _SUFFIX.match(text, start):
            return match
    return None


def _cut(suffix: bool, text: str) -> str:
    """`pattern.sub("", text, count=1)` for `_SUFFIX` if `suffix`, else `_PREFIX`."""
    match = _search(suffix, text)
    return text if match is None else text[: match.start()] + text[match.end() :]


def _unquote(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).translate(_QUOTE_TABLE).split())


def _display(match: re.Match[str]) -> str:
    # The alternatives are the only capturing groups and exactly one of them matched.
    return _LEGAL_FORMS[int(match.lastgroup[1:])][0]


def _closes(opening: str, closing: str) -> bool:
    pairs = {"«": "»", "“": "”", "„": "“", "‘": "’", "‹": "›"}
    return pairs.get(opening, opening) == closing

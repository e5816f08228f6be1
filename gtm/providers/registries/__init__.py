"""Public business registries behind one shape (`RegistryRecord`): BRREG (NO), ARES (CZ),
PRH/YTJ (FI), recherche-entreprises (FR)."""

from gtm.providers.registries.ares import AresClient, parse_ares
from gtm.providers.registries.base import RegistryRecord
from gtm.providers.registries.brreg import BrregClient, parse_brreg
from gtm.providers.registries.prh import PrhClient, parse_prh
from gtm.providers.registries.recherche_entreprises import (
    RechercheEntreprisesClient,
    parse_recherche_entreprises,
)

__all__ = ["AresClient", "BrregClient", "PrhClient", "RechercheEntreprisesClient",
           "RegistryRecord", "parse_ares", "parse_brreg", "parse_prh",
           "parse_recherche_entreprises"]

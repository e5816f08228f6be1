"""Web research providers (see `base`)."""

from gtm.providers.research.base import (
    ExaResearch,
    RecordedResearch,
    ResearchDocument,
    ResearchProvider,
)

__all__ = ["ExaResearch", "RecordedResearch", "ResearchDocument", "ResearchProvider"]

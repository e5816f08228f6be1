"""Web research behind one interface: `search(query, domain)` -> documents with URL and text.

Implementations: `ExaResearch` (exa-py, needs EXA_API_KEY and the package) and
`RecordedResearch` (documents from JSON files, for tests and demos). No implementation
configured means research is skipped, and the stage says so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from gtm.errors import ConfigError


@dataclass
class ResearchDocument:
    url: str
    title: str
    text: str
    published: str | None = None
    retrieved_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ResearchProvider(Protocol):
    name: str

    def search(self, query: str, *, domain: str | None = None,
               limit: int = 5) -> list[ResearchDocument]: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RecordedResearch:
    """Documents recorded earlier, one JSON file per domain (`<domain>.json`: a list of
    {url, title, text, published}). Unknown domains return nothing."""

    name = "recorded"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def search(self, query: str, *, domain: str | None = None,
               limit: int = 5) -> list[ResearchDocument]:
        path = self.directory / f"{domain}.json"
        if not domain or not path.exists():
            return []
        items = json.loads(path.read_text(encoding="utf-8"))
        return [ResearchDocument(retrieved_at=item.pop("retrieved_at", None) or _now(), **item)
                for item in items[:limit]]


class ExaResearch:
    """Exa search + contents through `exa-py` (imported on first use: optional dependency)."""

    name = "exa"

    def __init__(self, api_key: str) -> None:
        try:
            from exa_py import Exa
        except ImportError as exc:
            raise ConfigError("EXA_API_KEY is set but exa-py is not installed: "
                              "pip install exa-py") from exc
        self._exa = Exa(api_key)

    def search(self, query: str, *, domain: str | None = None,
               limit: int = 5) -> list[ResearchDocument]:
        response = self._exa.search_and_contents(
            query, num_results=limit, include_domains=[domain] if domain else None,
            text={"max_characters": 4000})
        return [ResearchDocument(url=r.url, title=r.title or "", text=r.text or "",
                                 published=getattr(r, "published_date", None),
                                 retrieved_at=_now()) for r in response.results]

"""Web research behind one interface: `search(query, domain)` -> documents with URL and text.

Implementations: `ExaResearch` (the `exa-py` client, needs EXA_API_KEY) and
`RecordedResearch` (documents from JSON files, for tests and demos). No implementation
configured means research is skipped, and the stage says so.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from gtm.providers.registries.base import MinInterval


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
    """Exa search with page contents in one call (`POST /search` with `contents.text`) through
    the `exa-py` client. `base_url` points it elsewhere than https://api.exa.ai (a recorded
    server in tests and benchmarks). `calls` and `cost_usd` add up what Exa reported
    (`costDollars.total`), for the run's report.

    Safe to call from several threads (research_L2 runs searches concurrently): exa-py posts
    each search with a fresh `requests` call, searches start at most every `min_interval`
    seconds (Exa's default limit is 10 searches a second) and the totals are kept under a lock.
    """

    name = "exa"
    MAX_CHARACTERS = 4000

    def __init__(self, api_key: str, base_url: str | None = None,
                 min_interval: float = 0.1) -> None:
        # Imported here, not at module load: it takes ~2 s and only research runs need it.
        from exa_py import Exa

        self._exa = Exa(api_key=api_key, **({"base_url": base_url} if base_url else {}))
        self._pace = MinInterval(min_interval)
        self._lock = threading.Lock()
        self.calls = 0
        self.cost_usd = 0.0

    def search(self, query: str, *, domain: str | None = None,
               limit: int = 5) -> list[ResearchDocument]:
        self._pace.wait()
        response = self._exa.search(
            query, num_results=limit, include_domains=[domain] if domain else None,
            contents={"text": {"max_characters": self.MAX_CHARACTERS}})
        with self._lock:
            self.calls += 1
            if response.cost_dollars is not None:
                self.cost_usd += response.cost_dollars.total
        return [ResearchDocument(url=r.url, title=r.title or "", text=r.text or "",
                                 published=r.published_date, retrieved_at=_now())
                for r in response.results]

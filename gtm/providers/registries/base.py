"""What every business-registry client returns, and the politeness they share."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from gtm.errors import TransientError

USER_AGENT = "gtm-enrichment/0.1 (+https://github.com/; open-source GTM)"


@dataclass
class RegistryRecord:
    registry: str  # brreg | ares | ...
    country: str
    registration_number: str
    name: str
    source_url: str
    legal_form: str | None = None
    industry_code: str | None = None
    industry: str | None = None
    employees: int | None = None
    founded: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    active: bool = True
    flags: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class MinInterval:
    """At most one request per `seconds` per client: the public registries ask for restraint
    (BRREG and ARES throttle bursts), and one enrichment run must not get the IP blocked."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            delay = self._next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._next = time.monotonic() + self.seconds


def get_json(client: httpx.Client, url: str, limiter: MinInterval) -> dict[str, Any] | None:
    """GET a JSON document; None on 404 (the registry does not know the number), a
    TransientError on 429/5xx/network errors so the stage records and retries it."""
    limiter.wait()
    try:
        response = client.get(url, headers={"Accept": "application/json",
                                            "User-Agent": USER_AGENT})
    except httpx.HTTPError as exc:
        raise TransientError(f"{url}: {type(exc).__name__}") from exc
    if response.status_code in (400, 404, 410):
        return None
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"{url}: HTTP {response.status_code}")
    response.raise_for_status()
    return response.json()

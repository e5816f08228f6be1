"""Research providers: the Exa adapter maps exa-py results (a stand-in module, no network),
a key without the package is one clear error, recordings load by domain; registry politeness."""

import sys
import time
import types
from pathlib import Path

import pytest

from gtm.errors import ConfigError
from gtm.providers.registries.base import MinInterval
from gtm.providers.research import ExaResearch, RecordedResearch


def test_exa_adapter_maps_search_and_contents(monkeypatch):
    calls = {}

    class FakeExa:
        def __init__(self, key):
            calls["key"] = key

        def search_and_contents(self, query, **kwargs):
            calls["query"], calls["kwargs"] = query, kwargs
            result = types.SimpleNamespace(url="https://acme.com/news", title="Acme raises",
                                           text="Acme raised 5M", published_date="2026-01-02")
            return types.SimpleNamespace(results=[result])

    monkeypatch.setitem(sys.modules, "exa_py", types.SimpleNamespace(Exa=FakeExa))
    documents = ExaResearch("k-123").search("Acme funding", domain="acme.com", limit=3)
    assert calls["key"] == "k-123"
    assert calls["kwargs"]["include_domains"] == ["acme.com"]
    assert calls["kwargs"]["num_results"] == 3
    assert documents[0].url == "https://acme.com/news"
    assert documents[0].published == "2026-01-02" and documents[0].retrieved_at


def test_exa_key_without_package_is_a_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "exa_py", None)
    with pytest.raises(ConfigError, match="exa-py"):
        ExaResearch("k")


def test_recorded_research_by_domain():
    recorded = RecordedResearch(Path(__file__).parent / "fixtures" / "research")
    assert len(recorded.search("q", domain="equinor.com")) == 2
    assert recorded.search("q", domain="unknown.example") == []
    assert recorded.search("q", domain=None) == []


def test_min_interval_spaces_requests():
    limiter = MinInterval(0.05)
    started = time.monotonic()
    for _ in range(3):
        limiter.wait()
    assert time.monotonic() - started >= 0.1

"""Fixtures for the LLM layer: the loopback OpenAI-compatible server and clients pointed at it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.openai_server import DUMMY_KEY, OpenAITestServer

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.observability import Interaction
from gtm.providers.llm import LLMClient
from gtm.settings import Settings, load_settings


class MemoryRecorder:
    """Collects interactions in memory, for tests that are not about the database."""

    def __init__(self) -> None:
        self.rows: list[Interaction] = []

    def record(self, interaction: Interaction) -> None:
        self.rows.append(interaction)


@pytest.fixture
def openai_server() -> Iterator[OpenAITestServer]:
    """A fresh server per test (echo answers, no latency, no errors); reconfigure its fields."""
    with OpenAITestServer() as server:
        yield server


@pytest.fixture
def llm_settings_for(gtm_home, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a client of `server`: test model, dummy key, fast backoff, private cache."""

    def build(server: OpenAITestServer, **overrides) -> Settings:
        values = dict(llm_model="openai/test-model", llm_api_base=server.base_url,
                      llm_api_key=DUMMY_KEY, paths_cache=tmp_path / "cache",
                      llm_retry_base_seconds=0.001, llm_retry_max_seconds=0.005,
                      llm_max_retries=2)
        return load_settings(**{**values, **overrides})

    return build


@pytest.fixture
def recorder() -> MemoryRecorder:
    return MemoryRecorder()


@pytest.fixture
def make_client(llm_settings_for, openai_server, recorder) -> Iterator[Callable[..., LLMClient]]:
    """`make_client(**setting_overrides, clock=...)`: clients closed after the test."""
    clients: list[LLMClient] = []

    def make(clock=None, **overrides) -> LLMClient:
        extra = {"clock": clock} if clock else {}
        client = LLMClient(llm_settings_for(openai_server, **overrides), recorder=recorder,
                           **extra)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> LLMClient:
    return make_client()


@pytest.fixture
def workspace(migrated) -> tuple[Callable, str]:
    """(connection factory, workspace id) of a fresh workspace in the session database."""
    with connect(migrated, autocommit=True) as conn:
        workspace_id = ensure_workspace(conn, f"llm-{uuid.uuid4().hex[:10]}")
    return (lambda: connect(migrated)), workspace_id

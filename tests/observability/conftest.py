"""Fixtures for the AI log: a fresh workspace in the session database."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace


@pytest.fixture
def workspace_slug() -> str:
    return f"obs-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def workspace(migrated, workspace_slug) -> tuple[Callable, str]:
    """(connection factory, workspace id)."""
    with connect(migrated, autocommit=True) as conn:
        workspace_id = ensure_workspace(conn, workspace_slug)
    return (lambda: connect(migrated)), workspace_id

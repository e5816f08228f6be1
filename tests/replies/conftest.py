"""Fixtures for reply tests."""

from __future__ import annotations

import pytest
from reply_world import World, build_world


@pytest.fixture
def world(migrated, tmp_path) -> World:
    settings = migrated.model_copy(update={"paths_mail": tmp_path / "mail"})
    w = build_world(settings)
    w.settings = settings.model_copy(update={"workspace": w.workspace})
    return w

"""Running one library call in the workspace the CLI acts in (GTM_WORKSPACE)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.settings import load_settings


def in_workspace(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`call(conn, workspace_id, *args, **kwargs)` in one transaction, committed on success."""
    settings = load_settings()
    with connect(settings) as conn:
        return call(conn, ensure_workspace(conn, settings.workspace), *args, **kwargs)

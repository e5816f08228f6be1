"""The Dagster instance directory ($DAGSTER_HOME) of a GTM_HOME.

The repository's `dagster.yaml` is the embedded default; with `GTM_DAGSTER_PG_URL` set, Postgres
storage is added that *reads the variable at run time*, so the DSN never lands on disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from gtm.settings import Settings

_PG_STORAGE = """
# Added by gtm because GTM_DAGSTER_PG_URL is set.
storage:
  postgres:
    postgres_url:
      env: GTM_DAGSTER_PG_URL
"""


def repo_dagster_yaml() -> Path:
    return Path(__file__).resolve().parents[1] / "dagster.yaml"


def prepare_dagster_home(settings: Settings) -> Path:
    """Write `$GTM_HOME/dagster/dagster.yaml`, export DAGSTER_HOME, and return the directory."""
    home = settings.dagster_dir
    home.mkdir(parents=True, exist_ok=True)
    config = repo_dagster_yaml().read_text(encoding="utf-8")
    if settings.dagster_pg_url is not None:
        config += _PG_STORAGE
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text(encoding="utf-8") != config:
        target.write_text(config, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home

"""The database as a Dagster resource: Supabase is Postgres, so this is a typed DSN + workspace."""


import os

import dagster as dg
import psycopg

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.settings import Settings, load_settings


class SupabaseResource(dg.ConfigurableResource):
    """Connections to the GTM database for assets.

    `database_url` unset means the embedded PostgreSQL under `$GTM_HOME/pg`; set it (through
    `EnvVar`, never a literal) to use Supabase or any Postgres.
    """

    database_url: str | None = None
    workspace: str | None = None  # unset: GTM_WORKSPACE as the run sees it, else "default"

    def settings(self) -> Settings:
        overrides = {"database_url": self.database_url, "workspace": self.workspace}
        return load_settings(**{k: v for k, v in overrides.items() if v})

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection:
        return connect(self.settings(), autocommit=autocommit)

    def workspace_id(self, conn: psycopg.Connection) -> str:
        return ensure_workspace(conn, self.settings().workspace)


def supabase_resource_from_env() -> SupabaseResource:
    """The resource as the code location builds it.

    Secrets stay `EnvVar`s, shown masked in the UI.
    """
    for var in ("GTM_DATABASE_URL", "SUPABASE_DB_URL"):
        if os.environ.get(var):
            return SupabaseResource(database_url=dg.EnvVar(var))
    return SupabaseResource()

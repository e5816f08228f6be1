"""Connections to the one database: `GTM_DATABASE_URL` / `SUPABASE_DB_URL`, else embedded."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from gtm.db.embedded import embedded_url
from gtm.errors import TransientError
from gtm.settings import Settings, load_settings


def database_url(settings: Settings | None = None) -> str:
    """The DSN in force, starting the embedded server on first use."""
    settings = settings or load_settings()
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return embedded_url(settings.pg_dir)


def connect(settings: Settings | None = None, *, autocommit: bool = False) -> psycopg.Connection:
    """Open a connection with dict rows (every `gtm.db` query function expects them).

    Use it as a context manager: it commits on success and rolls back on an exception.
    """
    settings = settings or load_settings()
    url = database_url(settings)
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            row_factory=dict_row,
            connect_timeout=settings.database_connect_timeout,
            application_name="gtm",
        )
    except psycopg.OperationalError as exc:
        # The DSN may hold a password: report the host only.
        host = psycopg.conninfo.conninfo_to_dict(url).get("host", "?")
        reason = " ".join(str(exc).split())  # psycopg messages span lines; the CLI prints one
        raise TransientError(f"cannot connect to the database at host {host}: {reason}") from exc

"""The embedded PostgreSQL 16 (from the `pgserver` wheel) that backs a GTM_HOME with no URL.

pgserver serialises start-up with an inter-process lock and reuses a running postmaster found in
the data directory, so the CLI, the web app and Dagster run workers in other processes share one
server. We start it with `cleanup_mode=None`: the server outlives the process that started it
(a CLI call should not stop the server a running web app uses); `gtm db:stop` stops it.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path

from gtm.errors import TransientError

APP_DATABASE = "gtm"
_CREATE_DB_LOCK = 7_134_226_000
_log = logging.getLogger(__name__)


def _server(pg_dir: Path):
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on headless machines; harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        pg_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            return pgserver.get_server(pg_dir, cleanup_mode=None)
        except (subprocess.SubprocessError, AssertionError, OSError) as exc:
            raise TransientError(
                f"embedded PostgreSQL in {pg_dir} failed to start ({exc}); see {pg_dir / 'log'}"
            ) from exc


def embedded_url(pg_dir: Path) -> str:
    """Start (or join) the embedded server and return a DSN for the application database."""
    server = _server(pg_dir)
    _ensure_app_database(server.get_uri())
    return server.get_uri(APP_DATABASE)


def _ensure_app_database(maintenance_uri: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        # Processes starting together race here; CREATE DATABASE can't be made conditional, so
        # serialise the check-and-create (the lock is released when the connection closes).
        conn.execute("select pg_advisory_lock(%s)", (_CREATE_DB_LOCK,))
        if not conn.execute("select 1 from pg_database where datname = %s", (APP_DATABASE,)).fetchone():
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(APP_DATABASE)))


def stop(pg_dir: Path) -> bool:
    """Stop the embedded server for this data directory; False when it was not running."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import pg_ctl
        from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pg_dir) if (pg_dir / "PG_VERSION").exists() else None
    if info is None or not info.is_running():
        return False
    user = "pgserver" if _running_as_root() else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pg_dir, user=user)
    return True


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0

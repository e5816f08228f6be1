"""The embedded PostgreSQL 16 (from the `pgserver` wheel) that backs a GTM_HOME with no URL.

pgserver serialises start-up with an inter-process lock and reuses a running postmaster found in
the data directory, so the CLI, the web app and Dagster run workers in other processes share one
server. We start it with `cleanup_mode=None`: the server outlives the process that started it
(a CLI call should not stop the server a running web app uses); `gtm db:stop` stops it.

Joining a server that is already up skips pgserver: importing it (with psutil) and taking its
lock cost ~30 ms, against ~5 ms for reading the pid file, in every CLI call. Whenever the server
is not up and ready, pgserver decides under its lock, so only pgserver ever starts a server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from functools import cache
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
    socket_dir = _running_socket_dir(pg_dir)
    if socket_dir is None:
        server = _server(pg_dir)
        maintenance_uri, app_uri = server.get_uri(), server.get_uri(APP_DATABASE)
    else:
        maintenance_uri = _socket_uri(socket_dir, "postgres")
        app_uri = _socket_uri(socket_dir, APP_DATABASE)
    _ensure_app_database(maintenance_uri)
    return app_uri


def _running_socket_dir(pg_dir: Path) -> str | None:
    """The socket directory of a live, ready postmaster for `pg_dir`, read from its pid file.

    None means "ask pgserver": no pid file, a dead pid, a server starting or stopping, one
    listening on TCP only, or a pid file copied from another data directory. The socket file's
    presence guards against a recycled pid.
    """
    try:
        lines = (pg_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    # Lines: pid, data dir, start time, port, socket dir, listen address, shared memory, status.
    if (len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip()
            or Path(lines[1]) != pg_dir.resolve()):
        return None
    try:
        os.kill(int(lines[0]), 0)
    except PermissionError:
        pass  # alive, owned by another user (the `pgserver` user when running as root)
    except (ProcessLookupError, ValueError):
        return None
    socket_dir = lines[4].strip()
    return socket_dir if Path(socket_dir, f".s.PGSQL.{lines[3].strip()}").exists() else None


def _socket_uri(socket_dir: str, database: str) -> str:
    # The form pgserver's PostmasterInfo.get_uri gives, so either path yields the same DSN.
    return f"postgresql://postgres:@/{database}?host={socket_dir}"


@cache
def _ensure_app_database(maintenance_uri: str) -> None:
    # Cached: once created in a server the database stays, and a command connects several times.
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        # Processes starting together race here; CREATE DATABASE can't be made conditional, so
        # serialise the check-and-create (the lock is released when the connection closes).
        conn.execute("select pg_advisory_lock(%s)", (_CREATE_DB_LOCK,))
        exists = conn.execute("select 1 from pg_database where datname = %s", (APP_DATABASE,))
        if not exists.fetchone():
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
    return hasattr(os, "geteuid") and os.geteuid() == 0

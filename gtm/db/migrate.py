"""Applies `migrations/YYYYMMDDHHMMSS_name.sql` in order, each in its own transaction.

The ledger `gtm_meta.schema_migrations` records each applied file with its sha256. An applied
file that was edited (or deleted) afterwards is an error, never silently skipped: the database
would otherwise drift from what the files say. An advisory lock makes concurrent runs safe.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from gtm.errors import MigrationError

_FILE_NAME = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_134_226_001  # arbitrary constant shared by every gtm process
LEDGER = "gtm_meta.schema_migrations"


def default_migrations_dir() -> Path:
    """`migrations/` beside the `gtm` package (the repository root for an editable install)."""
    return Path(__file__).resolve().parents[2] / "migrations"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    checksum: str

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class MigrationState:
    version: str
    name: str
    state: str  # applied | pending | modified | missing
    applied_at: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"version": self.version, "name": self.name, "state": self.state,
                "applied_at": self.applied_at}


def discover(directory: Path | None = None) -> list[Migration]:
    """The migration files in version order; a stray or misnamed `.sql` file is an error."""
    directory = directory or default_migrations_dir()
    if not directory.is_dir():
        raise MigrationError(f"migrations directory not found: {directory}")
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(
                f"{path.name}: migration files must be named YYYYMMDDHHMMSS_name.sql"
            )
        version = match["version"]
        if version in found:
            raise MigrationError(
                f"{path.name}: version {version} also used by {found[version].filename}"
            )
        found[version] = Migration(version, match["name"], path, _checksum(path))
    return [found[v] for v in sorted(found)]


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _applied(conn: psycopg.Connection) -> dict[str, dict]:
    cur = conn.cursor(row_factory=dict_row)
    present = cur.execute(
        "select to_regclass(%s) is not null as present", (LEDGER,)
    ).fetchone()["present"]
    if not present:
        return {}
    rows = cur.execute(
        "select version, name, checksum, applied_at from gtm_meta.schema_migrations"
        " order by version"
    ).fetchall()
    return {r["version"]: r for r in rows}


def status(conn: psycopg.Connection,
           migrations: list[Migration] | None = None) -> list[MigrationState]:
    """Applied / pending / modified / missing for every known version. Never writes."""
    migrations = discover() if migrations is None else migrations
    applied = _applied(conn)
    states = []
    for m in migrations:
        rec = applied.get(m.version)
        if rec is None:
            states.append(MigrationState(m.version, m.name, "pending"))
        else:
            state = "applied" if rec["checksum"] == m.checksum else "modified"
            states.append(MigrationState(m.version, m.name, state, rec["applied_at"].isoformat()))
    known = {m.version for m in migrations}
    for version, rec in applied.items():
        if version not in known:
            states.append(MigrationState(version, rec["name"], "missing",
                                         rec["applied_at"].isoformat()))
    return sorted(states, key=lambda s: s.version)


def _refuse_drift(states: list[MigrationState]) -> None:
    for s in states:
        if s.state == "modified":
            raise MigrationError(
                f"migration {s.version}_{s.name}.sql was edited after it was applied; "
                "restore the original and add a new migration instead"
            )
        if s.state == "missing":
            raise MigrationError(
                f"migration {s.version}_{s.name} is recorded as applied but its file is gone"
            )


def migrate(conn: psycopg.Connection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply every pending migration; returns those applied (empty when up to date).

    `conn` must be in autocommit mode: each migration opens its own transaction, so a failure
    rolls back that migration only and leaves the earlier ones recorded.
    """
    if not conn.autocommit:
        raise MigrationError("migrate() needs an autocommit connection")
    migrations = discover() if migrations is None else migrations
    conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        _ensure_ledger(conn)
        states = status(conn, migrations)
        _refuse_drift(states)
        pending = {s.version for s in states if s.state == "pending"}
        done = []
        for m in migrations:
            if m.version in pending:
                _apply(conn, m)
                done.append(m)
        return done
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _ensure_ledger(conn: psycopg.Connection) -> None:
    conn.execute(
        """
        create schema if not exists gtm_meta;
        create table if not exists gtm_meta.schema_migrations (
            version text primary key,
            name text not null,
            checksum text not null,
            applied_at timestamptz not null default now(),
            duration_ms integer not null
        );
        """
    )


def _apply(conn: psycopg.Connection, m: Migration) -> None:
    started = time.perf_counter()
    try:
        with conn.transaction():
            conn.execute(m.path.read_text(encoding="utf-8"))
            conn.execute(
                "insert into gtm_meta.schema_migrations (version, name, checksum, duration_ms)"
                " values (%s, %s, %s, %s)",
                (m.version, m.name, m.checksum, int((time.perf_counter() - started) * 1000)),
            )
    except psycopg.Error as exc:
        raise MigrationError(f"migration {m.filename} failed and was rolled back: {exc}") from exc

"""Shared fixtures: one throw-away GTM_HOME with one embedded PostgreSQL for the whole session.

Tests that need a pristine database get their own database on that server (`empty_database_url`),
so no test depends on another's leftovers and the server starts once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from gtm.db import connect, database_url
from gtm.db.embedded import stop
from gtm.db.migrate import migrate
from gtm.settings import Settings, load_settings


@pytest.fixture(scope="session")
def gtm_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A GTM_HOME for the session, exported so subprocesses and the CLI use it too."""
    home = tmp_path_factory.mktemp("gtm-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("GTM_HOME", str(home))
    for var in ("GTM_DATABASE_URL", "SUPABASE_DB_URL", "GTM_DAGSTER_PG_URL", "GTM_CONFIG"):
        mp.delenv(var, raising=False)
    mp.chdir(home)  # keeps any stray ./gtm.toml of the developer out of the tests
    yield home
    stop(home / "pg")
    mp.undo()


@pytest.fixture(scope="session")
def settings(gtm_home) -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> Settings:
    """The session database with every migration applied."""
    with connect(settings, autocommit=True) as conn:
        migrate(conn)
    return settings


@pytest.fixture
def db(migrated: Settings) -> Iterator[psycopg.Connection]:
    """An admin (superuser) connection to the migrated database, rolled back after the test."""
    with connect(migrated) as conn:
        yield conn
        conn.rollback()


@pytest.fixture
def empty_database_url(settings: Settings) -> Iterator[str]:
    """A brand-new empty database on the session server, dropped afterwards."""
    admin_url = database_url(settings)
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    params = conninfo_to_dict(admin_url)
    params["dbname"] = name
    yield make_conninfo(**params)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))


@pytest.fixture
def empty_db(empty_database_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to a brand-new empty database."""
    with psycopg.connect(empty_database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn

"""`gtm db:*` — where the database is, and its migrations."""

from __future__ import annotations

import typer

from gtm.cli.output import console, print_json, print_table
from gtm.db import connect, database_url
from gtm.db.embedded import stop
from gtm.db.migrate import discover, migrate, status
from gtm.settings import load_settings


def db_url() -> None:
    """Print the database DSN, e.g. for psql.

    Example: psql "$(gtm db:url)"
    """
    print(database_url(load_settings()))


def db_migrate(json_output: bool = typer.Option(False, "--json",
                                                help="Machine-readable output.")) -> None:
    """Apply pending migrations, each in its own transaction.

    Example: gtm db:migrate
    """
    with connect(load_settings(), autocommit=True) as conn:
        applied = migrate(conn, discover())
    if json_output:
        print_json({"applied": [m.filename for m in applied]})
    elif applied:
        for m in applied:
            console.print(f"applied [bold]{m.filename}[/]")
    else:
        console.print("database is up to date")


def db_status(json_output: bool = typer.Option(False, "--json",
                                               help="Machine-readable output.")) -> None:
    """List applied and pending migrations. Never writes.

    Example: gtm db:status --json
    """
    with connect(load_settings(), autocommit=True) as conn:
        states = status(conn, discover())
    if json_output:
        print_json([s.as_dict() for s in states])
        return
    print_table("migrations", ("version", "name", "state", "applied at"),
                ((s.version, s.name, s.state, s.applied_at or "") for s in states))


def db_stop() -> None:
    """Stop the embedded PostgreSQL server of this GTM_HOME (it restarts on next use).

    Example: gtm db:stop
    """
    settings = load_settings()
    if not settings.uses_embedded_database:
        console.print("a database URL is configured; there is no embedded server to stop")
        return
    console.print("stopped" if stop(settings.pg_dir) else "not running")

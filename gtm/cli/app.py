"""The `gtm` application: command registry and the one place errors become exit codes."""

from __future__ import annotations

import click
import psycopg
import typer
from typer.core import TyperGroup

from gtm.cli import db_commands, intake_commands, platform_commands
from gtm.cli.output import err_console
from gtm.errors import GtmError


class _GtmGroup(TyperGroup):
    """Turns any `GtmError` into one line on stderr and exit code 1 (2 is click's usage error)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GtmError as exc:
            _fail(str(exc))
        except psycopg.Error as exc:
            # A database error we did not anticipate: still one line, with the server's words.
            _fail(f"database error: {' '.join(str(exc).split())}")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super().list_commands(ctx))


def _fail(message: str):
    err_console.print(f"[red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(1) from None


app = typer.Typer(
    cls=_GtmGroup,
    help="GTM: from a messy CSV to researched prospects, reviewed emails and learning campaigns.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("db:url")(db_commands.db_url)
app.command("db:migrate")(db_commands.db_migrate)
app.command("db:status")(db_commands.db_status)
app.command("db:stop")(db_commands.db_stop)
app.command("contacts:import")(intake_commands.contacts_import)
app.command("company:import")(intake_commands.company_import)
app.command("employee:import")(intake_commands.employee_import)
app.command("company:list")(intake_commands.company_list)
app.command("company:inspect")(intake_commands.company_inspect)
app.command("employee:list")(intake_commands.employee_list)
app.command("employee:export")(intake_commands.employee_export)
app.command("demo")(platform_commands.demo)
app.command("up")(platform_commands.up)


def main() -> None:
    app()

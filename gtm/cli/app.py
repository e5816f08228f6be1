"""The `gtm` application: command registry and the one place errors become exit codes.

Commands load lazily. Several command modules pull in DSPy, Dagster or polars (seconds of
imports), so a command's module is imported only when that command runs or shows its own help;
`gtm --help` reads each command's docstring from the module's source instead of importing it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import click
import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from gtm.cli.output import err_console
from gtm.errors import GtmError

# command name -> "module:function" in gtm.cli; the function's docstring is the command's help.
COMMANDS: dict[str, str] = {
    "db:url": "db_commands:db_url",
    "db:migrate": "db_commands:db_migrate",
    "db:status": "db_commands:db_status",
    "db:stop": "db_commands:db_stop",
    "user:add": "web_commands:user_add",
    "web": "web_commands:web",
    "contacts:import": "intake_commands:contacts_import",
    "company:import": "intake_commands:company_import",
    "employee:import": "intake_commands:employee_import",
    "company:list": "intake_commands:company_list",
    "company:inspect": "intake_commands:company_inspect",
    "employee:list": "intake_commands:employee_list",
    "employee:export": "intake_commands:employee_export",
    "segment:create": "segment_commands:segment_create",
    "segment:preview": "segment_commands:segment_preview",
    "segment:list": "segment_commands:segment_list",
    "segment:show": "segment_commands:segment_show",
    "icp:show": "icp_commands:icp_show",
    "icp:set": "icp_commands:icp_set",
    "ai:log": "ai_commands:ai_log",
    "pack:list": "pack_commands:pack_list",
    "pack:lint": "pack_commands:pack_lint",
    "pack:simulate": "pack_commands:pack_simulate",
    "pack:optimize": "draft_commands:pack_optimize",
    "campaign:create": "campaign_commands:campaign_create",
    "campaign:list": "campaign_commands:campaign_list",
    "campaign:status": "campaign_commands:campaign_status_command",
    "campaign:approve": "campaign_commands:campaign_approve",
    "campaign:ready": "campaign_commands:campaign_ready",
    "campaign:pause": "campaign_commands:campaign_pause",
    "campaign:resume": "campaign_commands:campaign_resume",
    "campaign:complete": "campaign_commands:campaign_complete",
    "campaign:archive": "campaign_commands:campaign_archive",
    "campaign:queue": "send_commands:campaign_queue",
    "campaign:send": "send_commands:campaign_send",
    "campaign:generate-drafts": "draft_commands:campaign_generate_drafts",
    "sender:add": "campaign_commands:sender_add",
    "sender:list": "campaign_commands:sender_list",
    "sender:offer": "draft_commands:sender_offer",
    "outbox:list": "send_commands:outbox_list",
    "outbox:held": "send_commands:outbox_held",
    "outbox:resolve": "send_commands:outbox_resolve",
    "outbox:export": "send_commands:outbox_export",
    "reply:sync": "reply_commands:reply_sync",
    "reply:classify": "reply_commands:reply_classify",
    "bounce:parse": "reply_commands:bounce_parse",
    "metrics": "reply_commands:metrics",
    "draft:list": "draft_commands:draft_list",
    "draft:show": "draft_commands:draft_show",
    "draft:regenerate": "draft_commands:draft_regenerate",
    "benchmark:run": "draft_commands:benchmark_run",
    "demo": "demo_command:demo",
    "enrich:run": "enrich_commands:enrich_run",
    "up": "platform_commands:up",
}

# Set in the group context's meta while `gtm --help` renders the command list.
_LISTING = "gtm.listing"


@cache
def _docstrings(module: str) -> dict[str, str | None]:
    """Function name -> docstring of a gtm.cli module, read from its source without running it."""
    import ast  # only `--help` parses; commands skip the import

    tree = ast.parse(Path(__file__).with_name(f"{module}.py").read_text(encoding="utf-8"))
    return {node.name: ast.get_docstring(node) for node in tree.body
            if isinstance(node, ast.FunctionDef)}


def command_help(name: str) -> str | None:
    """The help of a registered command, as `gtm --help` lists it."""
    module, function = COMMANDS[name].split(":")
    return _docstrings(module)[function]


class _LazyCommands(Mapping[str, click.Command]):
    """Command name -> click command, importing the command's module on first access."""

    def __init__(self, rich_markup_mode) -> None:
        self._rich_markup_mode = rich_markup_mode
        self._built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            module, function = COMMANDS[name].split(":")
            callback = getattr(importlib.import_module(f"gtm.cli.{module}"), function)
            self._built[name] = get_command_from_info(
                CommandInfo(name=name, callback=callback),
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=self._rich_markup_mode,
            )
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class _GtmGroup(TyperGroup):
    """Turns any `GtmError` into one line on stderr and exit code 1 (2 is click's usage error)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # TyperGroup looks commands up (and suggests close names) through this mapping.
        self.commands = _LazyCommands(self.rich_markup_mode)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GtmError as exc:
            _fail(str(exc))
        except Exception as exc:
            # Only a command that used the database loaded psycopg; importing it here would
            # slow every other command down.
            psycopg = sys.modules.get("psycopg")
            if psycopg is None or not isinstance(exc, psycopg.Error):
                raise
            # A database error we did not anticipate: still one line, with the server's words.
            _fail(f"database error: {' '.join(str(exc).split())}")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if ctx.meta.get(_LISTING) and cmd_name in COMMANDS:
            # The list needs a name and a help text only: a stand-in spares the import.
            return click.Command(cmd_name, help=command_help(cmd_name))
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta[_LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            del ctx.meta[_LISTING]


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


@app.callback()
def _root() -> None:
    # Typer builds a group (rather than refusing an app with no registered command) only for
    # an app with a callback; the commands themselves come from COMMANDS.
    pass


def main() -> None:
    app()

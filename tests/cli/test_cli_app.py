"""The command registry: lazy loading, the help listing, and errors as one line."""

import json
import re
import subprocess
import sys

import click
import psycopg
import pytest
import typer
from typer.testing import CliRunner

from gtm.cli.app import COMMANDS, app, command_help

runner = CliRunner()

# What the slow commands pull in: none of it may load to list commands or to show one's options.
HEAVY = ("dspy", "litellm", "dagster", "polars", "gtm_assets")

# Runs the CLI in a fresh interpreter and reports its output and which modules it loaded.
_PROBE = """
import json, sys
from typer.testing import CliRunner
from gtm.cli.app import app
result = CliRunner().invoke(app, sys.argv[1:], terminal_width=200)
print(json.dumps({"exit_code": result.exit_code, "output": result.output,
                  "modules": sorted(m for m in sys.modules if m.startswith(("gtm", *%r)))}))
"""


def _probe(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,), *args], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def _loaded_heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_help_lists_every_command_without_importing_command_modules() -> None:
    probe = _probe("--help")
    assert probe["exit_code"] == 0
    # The commands panel: one row per command, its name in the first column.
    listed = re.findall(r"^│ ([a-z][\w:-]*) {2,}\S", probe["output"], flags=re.M)
    assert listed == sorted(COMMANDS)
    assert _loaded_heavy(probe["modules"]) == []
    assert [m for m in probe["modules"] if m.endswith(("_commands", "_command"))] == []


def test_a_command_help_loads_only_its_own_module() -> None:
    probe = _probe("contacts:import", "--help")
    assert probe["exit_code"] == 0 and "--force" in probe["output"]
    assert [m for m in probe["modules"] if m.endswith(("_commands", "_command"))] == [
        "gtm.cli.intake_commands"]
    assert _loaded_heavy(probe["modules"]) == []


def test_listed_help_is_each_loaded_command_help() -> None:
    group = typer.main.get_command(app)
    ctx = click.Context(group)
    for name in COMMANDS:
        command = group.get_command(ctx, name)
        assert command is not None and command.callback is not None, name
        assert command.help == command_help(name), name


def test_unknown_command_suggests_close_names() -> None:
    result = runner.invoke(app, ["contacts:imprt"])
    assert result.exit_code == 2
    assert "No such command 'contacts:imprt'" in result.output
    assert "contacts:import" in result.output


def test_unanticipated_database_error_is_one_line_and_exit_1(
        empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A schema with workspaces but no companies: the listing query fails in the server.
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute("create table workspaces (id uuid primary key default gen_random_uuid(),"
                     " slug text unique, name text)")
    monkeypatch.setenv("GTM_DATABASE_URL", empty_database_url)
    result = runner.invoke(app, ["company:list"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: database error:")
    assert "companies" in lines[0]

"""`gtm contacts:import` and friends, through the CLI on the project's Dagster instance."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.db import connect

runner = CliRunner()


@pytest.fixture
def workspace_env(migrated, monkeypatch, request) -> str:
    slug = f"cli-{request.node.name[:30].lower().replace('_', '-')}"
    monkeypatch.setenv("GTM_WORKSPACE", slug)
    return slug


def _row_counts(slug: str) -> dict[str, int]:
    """Rows the import writes, in the workspace `slug`."""
    with connect() as conn:
        return {table: conn.execute(
            sql.SQL("select count(*) as n from {} t join workspaces w on w.id = t.workspace_id"
                    " where w.slug = %s").format(sql.Identifier(table)), (slug,)).fetchone()["n"]
            for table in ("companies", "employees", "import_batches", "import_rejects")}


def test_import_then_noop_then_force_then_list_and_export(workspace_env, tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "First Name;Last Name;Email;Job Title;Company Name;Website URL;Country/Region\n"
        "Ann;Lee;ann@acme.com;=HYPERLINK(\"x\");Acme;acme.com;US\n"
        "Bob;Ray;bob@acme.com;CTO;Acme;acme.com;US\n", encoding="utf-8")
    first = runner.invoke(app, ["contacts:import", str(path), "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["status"] == "applied" and report["employees"]["inserted"] == 2
    assert report["summary"].startswith("2 rows -> 2 unique contacts")
    run = dg.DagsterInstance.get().get_run_by_id(report["dagster_run_id"])
    assert run is not None and run.tags["gtm/command"] == "contacts:import"

    # The no-op through the real CLI, a process of its own as a user runs it.
    before = _row_counts(workspace_env)
    second = subprocess.run([sys.executable, "-m", "gtm.cli", "contacts:import", str(path),
                             "--json"], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(second.stdout)["status"] == "already_applied"
    assert json.loads(second.stdout)["dagster_run_id"] is None  # no run launched for a no-op
    assert _row_counts(workspace_env) == before

    forced = runner.invoke(app, ["contacts:import", str(path), "--force", "--json"])
    forced = json.loads(forced.output)
    assert forced["employees"]["inserted"] == 0 and forced["employees"]["duplicates_existing"] == 2

    listed = json.loads(runner.invoke(app, ["employee:list", "--json"]).output)
    assert sorted(r["email"] for r in listed) == ["ann@acme.com", "bob@acme.com"]
    inspected = json.loads(runner.invoke(app, ["company:inspect", "acme.com", "--json"]).output)
    assert inspected["name"] == "Acme" and len(inspected["employees"]) == 2

    exported = runner.invoke(app, ["employee:export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    ann = next(r for r in rows if r["email"] == "ann@acme.com")
    assert ann["position"].startswith("'=")  # formula neutralised for spreadsheets


def test_map_override_and_bad_override(workspace_env, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Contact,Org\nzoe@zeta.io,Zeta\n", encoding="utf-8")
    ok = runner.invoke(app, ["contacts:import", str(path), "--json",
                             "--map", "Contact=email", "--map", "Org=company_name"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["employees"]["inserted"] == 1
    bad = runner.invoke(app, ["contacts:import", str(path), "--map", "Contact=emial"])
    assert bad.exit_code == 1 and "emial" in bad.output


def test_garbage_file_is_one_clear_error(workspace_env, tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00\x01\x02\xff\xfe" * 100)
    result = runner.invoke(app, ["contacts:import", str(path)])
    assert result.exit_code == 1
    assert "garbage.csv" in result.output and "Traceback" not in result.output

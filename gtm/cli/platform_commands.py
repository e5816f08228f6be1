"""`gtm demo` and `gtm up` — the whole loop on embedded defaults, and the UIs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from gtm.cli.intake_commands import import_via_dagster
from gtm.cli.output import console, print_json, print_table
from gtm.dagster_home import prepare_dagster_home
from gtm.db import connect
from gtm.db.inventory import table_counts
from gtm.intake.reports import summary_line
from gtm.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_EXPORT = Path(__file__).resolve().parents[1] / "intake" / "samples" / "apollo_export.csv"


def demo(json_output: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Run the main job on embedded defaults and show what is there.

    Example: GTM_HOME=/tmp/gtm-demo gtm demo
    """
    # Imported here: Dagster is heavy and only the commands that run assets need it.
    from gtm_assets.launch import materialize_assets

    settings = load_settings()
    settings.ensure_dirs()
    result = materialize_assets(settings, ["database_schema"], tags={"gtm/command": "demo"})
    applied = result.asset_materializations_for_node("database_schema")[0].metadata
    imported, _ = import_via_dagster(settings, SAMPLE_EXPORT, "contacts", {}, force=False)
    with connect(settings) as conn:
        counts = table_counts(conn)
    summary = {
        "gtm_home": str(settings.home_dir),
        "database": "embedded PostgreSQL" if settings.uses_embedded_database else "configured URL",
        "workspace": settings.workspace,
        "dagster_run_id": result.run_id,
        "migrations_applied": applied["migrations_applied"].value,
        "import": {"file": SAMPLE_EXPORT.name, "status": imported.status,
                   "summary": summary_line(imported)},
        "tables": counts,
    }
    if json_output:
        print_json(summary)
        return
    console.print(f"[bold]GTM demo[/] — home {summary['gtm_home']}, {summary['database']}, "
                  f"workspace '{settings.workspace}'")
    console.print(f"Dagster run {result.run_id} materialized database_schema "
                  f"({len(summary['migrations_applied'])} migration(s) applied)")
    console.print(f"Imported the bundled sample {SAMPLE_EXPORT.name}: {summary_line(imported)}")
    print_table("tables", ("table", "rows"), sorted(counts.items()))
    console.print("Next: `gtm up` for the Dagster UI, `gtm employee:list`, "
                  "`gtm contacts:import YOUR.csv`.")


def up(
    host: str | None = typer.Option(None, help="Interface to bind (default: settings web_host)."),
    port: int | None = typer.Option(None, help="Dagster UI port (default: settings dagster_port)."),
) -> None:
    """Start the Dagster UI and daemon (sensors, schedules) for this GTM_HOME.

    Example: gtm up --port 3000
    """
    settings = load_settings()
    settings.ensure_dirs()
    dagster_home = prepare_dagster_home(settings)
    host = host or settings.web_host
    port = port or settings.dagster_port
    console.print(f"Dagster UI: http://{host}:{port}  (DAGSTER_HOME={dagster_home})")
    console.print("Press Ctrl-C to stop.")
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
               "-h", host, "-p", str(port)]
    try:
        subprocess.run(command, env={**os.environ, "DAGSTER_HOME": str(dagster_home)}, check=False)
    except KeyboardInterrupt:
        pass

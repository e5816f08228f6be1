"""`gtm up`: the web app next to the Dagster UI and daemon for this GTM_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from gtm.cli.output import console
from gtm.dagster_home import prepare_dagster_home
from gtm.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def up(
    host: str | None = typer.Option(None, help="Interface to bind (default: settings web_host)."),
    port: int | None = typer.Option(None, help="Dagster UI port (default: settings dagster_port)."),
) -> None:
    """Start the web app and the Dagster UI with its daemon (sensors, schedules) for this GTM_HOME.

    Example: gtm up --port 3000
    """
    settings = load_settings()
    settings.ensure_dirs()
    dagster_home = prepare_dagster_home(settings)
    host = host or settings.web_host
    port = port or settings.dagster_port
    console.print(f"Web app:   http://{host}:{settings.web_port}  (log in; `gtm user:add EMAIL`)")
    console.print(f"Dagster UI: http://{host}:{port}  (DAGSTER_HOME={dagster_home})")
    console.print("Press Ctrl-C to stop.")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    web = subprocess.Popen([sys.executable, "-m", "gtm.cli", "web", "--host", host,
                            "--port", str(settings.web_port)], env=env)
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
               "-h", host, "-p", str(port)]
    try:
        subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        web.terminate()
        web.wait(timeout=10)

"""The code location loads, validates like the UI would, and its assets run on the instance."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from gtm_assets.definitions import defs
from gtm_assets.launch import materialize_assets

REPO = Path(__file__).resolve().parents[2]


def test_definitions_resolve() -> None:
    repo = defs.get_repository_def()
    assert dg.AssetKey("database_schema") in repo.asset_graph.get_all_asset_keys()


def test_dagster_definitions_validate_passes(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    proc = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate",
         "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed validation" in proc.stdout + proc.stderr


def test_database_schema_runs_on_the_project_instance(migrated) -> None:
    result = materialize_assets(migrated, ["database_schema"])
    assert result.success
    # The run is recorded on the instance under $GTM_HOME/dagster, where the UI will show it.
    instance = dg.DagsterInstance.get()
    assert Path(instance.root_directory) == migrated.dagster_dir
    assert instance.get_run_by_id(result.run_id) is not None
    checks = result.get_asset_check_evaluations()
    assert [c.check_name for c in checks] == ["every_table_has_rls"]
    assert all(c.passed for c in checks)
    rows = result.asset_materializations_for_node("database_schema")[0].metadata["rows"].value
    assert rows["workspaces"] >= 1  # the configured workspace was created
